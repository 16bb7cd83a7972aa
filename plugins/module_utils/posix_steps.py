# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remove and block steps for Linux and macOS (pure Python, controller side).

Every step carries the exact argv the target runs (or the exact file content
it writes), a ``probe`` argv whose non-zero exit means "already gone", and the
exit codes that mean success. ``software_apply`` executes them and decides
nothing.

Removal uses the low-level tools (``dpkg --purge``, ``rpm -e``) on purpose:
apt and dnf silently remove every package that depends on the one asked for,
which could take software the ban does not match with it; dpkg and rpm refuse
instead, and the refusal is reported as a failure with its reason.
"""

from __future__ import annotations

import posixpath
import re

PLATFORMS = ("linux", "macos")

# Order bands: a ban's remove.order "first" patterns, everything else, "last" patterns, then blocks.
ORDER_FIRST = 10
ORDER_DEFAULT = 50
ORDER_LAST = 90
ORDER_BLOCK = 200

APT_PIN_DIR = "/etc/apt/preferences.d"
DNF_CONF = "/etc/dnf/dnf.conf"
# Where a macOS app bundle may be removed from; anything else is skipped, never deleted.
MACOS_BUNDLE_DIRS = re.compile(r"^(?:/Applications|/Users/[^/]+/Applications)/(?:[^/]+/)*[^/]+\.app$")
# Package names as dpkg/rpm/snap accept them; anything else never reaches an argv.
PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._~:@-]*$")
USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]*\$?$", re.IGNORECASE)

NOT_BLOCKABLE_MACOS = (
    "macOS has no local install block that a user with admin rights cannot undo; "
    "block with an MDM (restriction profile / blocked bundle ids), see docs/enforcement.md"
)
NOT_BLOCKABLE_SNAP = "snapd has no local deny list: a removed snap can be installed again; block it at the store proxy"


def removal_order(ban, platform, record):
    """Order of a remove step from the ban's ``remove.order`` (first/last patterns, full match).

    Returns ORDER_FIRST + index for the index-th "first" pattern, ORDER_LAST + index for
    "last" ones and ORDER_DEFAULT otherwise, so kesl-gui, kesl run before klnagent64.
    """
    order = ban.get("platforms", {}).get(platform, {}).get("remove", {}).get("order") or {}
    values = [str(record.get(key) or "") for key in ("identifier", "name")]
    for band, base in (("first", ORDER_FIRST), ("last", ORDER_LAST)):
        for index, pattern in enumerate(order.get(band, ())):
            regex = re.compile(pattern, re.IGNORECASE)
            if any(value and regex.fullmatch(value) for value in values):
                return base + index
    return ORDER_DEFAULT


def _step(ban, finding, method, target, command, probe, order, **extra):
    record = finding["software"]
    step = {
        "id": f"{ban['id']}:remove:{method}:{target}",
        "ban": ban["id"],
        "kind": "remove",
        "platform": record.get("platform", "linux"),
        "method": method,
        "target": target,
        "name": record.get("name") or target,
        "order": order,
        "command": command,
        "probe": probe,
        "success_codes": [0],
        "absent_codes": [],
        "reboot_codes": [],
    }
    step.update(extra)
    return step


def _skip(finding, reason):
    return {"kind": "skip", "finding": finding, "reason": reason}


def _remove_dpkg(ban, finding, options):
    package = finding["software"]["identifier"]
    return _step(
        ban,
        finding,
        "dpkg",
        package,
        ["dpkg", "--purge", package],
        ["dpkg-query", "--status", package],
        removal_order(ban, "linux", finding["software"]),
        environment={"DEBIAN_FRONTEND": "noninteractive"},
    )


def _remove_rpm(ban, finding, options):
    package = finding["software"]["identifier"]
    return _step(
        ban,
        finding,
        "rpm",
        package,
        ["rpm", "--erase", "--allmatches", package],
        ["rpm", "--query", package],
        removal_order(ban, "linux", finding["software"]),
    )


def _as_user(user, argv):
    return ["runuser", "-u", user, "--", *argv]


def _remove_flatpak(ban, finding, options):
    record = finding["software"]
    app = record.get("ref") or record["identifier"]
    order = removal_order(ban, "linux", record)
    if record.get("scope") == "user" or record.get("user"):
        user = record.get("user")
        if not user or not USER_NAME.match(str(user)):
            return _skip(finding, "per-user flatpak without a usable user name: cannot run flatpak --user as them")
        return _step(
            ban,
            finding,
            "flatpak",
            app,
            _as_user(user, ["flatpak", "uninstall", "--user", "--noninteractive", "-y", app]),
            _as_user(user, ["flatpak", "info", "--user", app]),
            order,
            id=f"{ban['id']}:remove:flatpak:user:{user}:{app}",
            user=user,
        )
    return _step(
        ban,
        finding,
        "flatpak",
        app,
        ["flatpak", "uninstall", "--system", "--noninteractive", "-y", app],
        ["flatpak", "info", "--system", app],
        order,
        id=f"{ban['id']}:remove:flatpak:system:{app}",
    )


def _remove_snap(ban, finding, options):
    snap = finding["software"]["identifier"]
    return _step(
        ban,
        finding,
        "snap",
        snap,
        ["snap", "remove", "--purge", snap],
        ["snap", "list", snap],
        removal_order(ban, "linux", finding["software"]),
    )


def _remove_app_bundle(ban, finding, options):
    record = finding["software"]
    path = record.get("path") or record.get("install_location")
    if not path or posixpath.normpath(path) != path.rstrip("/") or not MACOS_BUNDLE_DIRS.match(path.rstrip("/")):
        return _skip(finding, f"app bundle path {path!r} is not an .app under /Applications or ~/Applications")
    path = path.rstrip("/")
    return _step(
        ban,
        finding,
        "app_bundle",
        path,
        ["/bin/rm", "-rf", "--", path],
        ["/bin/test", "-e", path],
        removal_order(ban, "macos", record),
        id=f"{ban['id']}:remove:app_bundle:{path}",
        path=path,
    )


def _remove_pkgutil(ban, finding, options):
    # The receipt goes after the payload is gone, so facts stop reporting the package.
    package = finding["software"]["identifier"]
    return _step(
        ban,
        finding,
        "pkgutil",
        package,
        ["/usr/sbin/pkgutil", "--forget", package],
        ["/usr/sbin/pkgutil", "--pkg-info", package],
        max(removal_order(ban, "macos", finding["software"]), ORDER_LAST - 5),
    )


_REMOVERS = {
    "dpkg": _remove_dpkg,
    "rpm": _remove_rpm,
    "flatpak": _remove_flatpak,
    "snap": _remove_snap,
    "app_bundle": _remove_app_bundle,
    "pkgutil": _remove_pkgutil,
}
_NEEDS_PACKAGE_NAME = ("dpkg", "rpm", "snap", "pkgutil")


def _vendor_uninstallers(ban, findings):
    """macOS vendor uninstallers the catalog documents, once each, before bundles are removed."""
    steps = []
    spec = ban.get("platforms", {}).get("macos", {}).get("remove", {})
    for index, uninstaller in enumerate(spec.get("uninstallers", ())):
        try:
            regex = re.compile(uninstaller["match"], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"ban {ban['id']!r}: platforms.macos.remove.uninstallers[{index}].match: {exc}") from None
        for finding in findings:
            record = finding["software"]
            if record.get("platform") != "macos":
                continue
            if any(regex.fullmatch(str(record.get(key) or "")) for key in ("identifier", "name")):
                step = _step(
                    ban,
                    finding,
                    "vendor_uninstaller",
                    uninstaller["command"][0],
                    list(uninstaller["command"]),
                    ["/bin/test", "-e", uninstaller["command"][0]],
                    ORDER_DEFAULT - 10 + min(index, 9),
                    id=f"{ban['id']}:remove:vendor_uninstaller:{index}",
                    success_codes=list(uninstaller.get("success_codes", [0])),
                    source=uninstaller["source"],
                )
                steps.append(step)
                break
    return steps


def steps(findings, ban, options):
    """Remove steps for one ban's findings on linux or macos (see planning.py for the contract)."""
    out = _vendor_uninstallers(ban, findings) if options.get("platform") == "macos" else []
    for finding in findings:
        record = finding["software"]
        source = record.get("source")
        remover = _REMOVERS.get(source)
        if remover is None:
            out.append(_skip(finding, f"no removal method for source {source!r} on {record.get('platform')}"))
            continue
        identifier = str(record.get("identifier") or "")
        if source in _NEEDS_PACKAGE_NAME and not PACKAGE_NAME.match(identifier):
            out.append(_skip(finding, f"identifier {identifier!r} is not a valid {source} package name"))
            continue
        if source == "flatpak" and not PACKAGE_NAME.match(str(record.get("ref") or identifier)):
            out.append(_skip(finding, f"flatpak ref {identifier!r} is not valid"))
            continue
        out.append(remover(ban, finding, options))
    return out


def apt_pin_content(ban, packages):
    """The apt preferences file for a ban: priority -1 means "never install"."""
    return (
        f"# interdict.bans: ban {ban['id']!r} ({ban['title']}). Managed file, changes are overwritten.\n"
        "# Stops apt from installing or upgrading these packages; does not stop `dpkg -i`.\n"
        f"Package: {' '.join(packages)}\n"
        "Pin: release *\n"
        "Pin-Priority: -1\n"
    )


def _block_packages(ban):
    spec = ban.get("platforms", {}).get("linux", {})
    packages = spec.get("block", {}).get("packages")
    if packages is None:
        packages = [entry["value"] for entry in spec.get("identifiers", ())]
    return [package for package in packages if PACKAGE_NAME.match(package)]


def _current(current_blocks, method, **keys):
    for block in current_blocks:
        if block.get("method") == method and all(block.get(k) == v for k, v in keys.items()):
            return block
    return None


def _block_step(ban, method, step_id, target, **extra):
    step = {
        "id": step_id,
        "ban": ban["id"],
        "kind": "block",
        "platform": "linux",
        "method": method,
        "target": target,
        "name": f"{ban['title']}: {method}",
        "order": ORDER_BLOCK,
        "success_codes": [0],
        "absent_codes": [],
        "reboot_codes": [],
    }
    step.update(extra)
    return step


def _present(ban, method, note="", **where):
    status = {"ban": ban["id"], "method": method, "state": "present"}
    status.update(where)
    if note:
        status["note"] = note
    return status


def _linux_blocks(ban, findings, current_blocks, options):
    sources = set(options.get("sources") or ())
    manager = options.get("package_manager")
    packages = _block_packages(ban)
    out = []
    if packages and ("dpkg" in sources or manager == "apt"):
        path = f"{APT_PIN_DIR}/interdict-{ban['id']}.pref"
        content = apt_pin_content(ban, packages)
        current = _current(current_blocks, "apt_pin", path=path)
        if current is not None and current.get("content") == content:
            out.append(_present(ban, "apt_pin", path=path))
        else:
            out.append(
                _block_step(
                    ban,
                    "apt_pin",
                    f"{ban['id']}:block:apt_pin",
                    " ".join(packages),
                    path=path,
                    content=content,
                    mode="0644",
                    previous_content=(current or {}).get("content", ""),
                    note="stops apt-get install/upgrade; does not stop dpkg -i",
                )
            )
    if packages and ("rpm" in sources or manager in ("dnf", "dnf5")):
        excluded = {p for b in current_blocks if b.get("method") == "dnf_exclude" for p in b.get("patterns") or ()}
        if set(packages) <= excluded:
            out.append(_present(ban, "dnf_exclude", path=DNF_CONF))
        else:
            out.append(
                _block_step(
                    ban,
                    "dnf_exclude",
                    f"{ban['id']}:block:dnf_exclude",
                    " ".join(packages),
                    path=DNF_CONF,
                    section="main",
                    option="excludepkgs",
                    values=packages,
                    note="stops dnf install/upgrade; does not stop rpm -i or dnf --disableexcludes",
                )
            )
    flatpaks = ban.get("platforms", {}).get("linux", {}).get("block", {}).get("flatpaks", ())
    if "flatpak" in sources:
        scopes = [("system", None)]
        for finding in findings:
            user = finding["software"].get("user")
            usable = finding["software"].get("source") == "flatpak" and user and USER_NAME.match(str(user))
            if usable and ("user", user) not in scopes:
                scopes.append(("user", user))
        for app in flatpaks:
            for scope, user in scopes:
                if _current(current_blocks, "flatpak_mask", scope=scope, user=user or "", pattern=app) is not None:
                    out.append(_present(ban, "flatpak_mask", rule=f"{scope}{':' + user if user else ''}:{app}"))
                    continue
                argv = ["flatpak", "mask", f"--{scope}", app]
                out.append(
                    _block_step(
                        ban,
                        "flatpak_mask",
                        f"{ban['id']}:block:flatpak_mask:{scope}{':' + user if user else ''}:{app}",
                        app,
                        rule=f"{scope}{':' + user if user else ''}:{app}",
                        command=_as_user(user, argv) if user else argv,
                        note="stops flatpak install/update of this ref in that installation",
                    )
                )
    if "snap" in sources:
        out.append({"ban": ban["id"], "method": "snap", "state": "not_blockable", "note": NOT_BLOCKABLE_SNAP})
    return out


def blocks(ban, findings, current_blocks, options):
    """Block steps and statuses for one ban on linux or macos (see planning.py for the contract)."""
    if options.get("platform") == "macos":
        return [{"ban": ban["id"], "method": "none", "state": "not_blockable", "note": NOT_BLOCKABLE_MACOS}]
    return _linux_blocks(ban, findings, current_blocks, options)
