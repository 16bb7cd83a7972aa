# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remove and block steps for Linux and macOS (controller side): the step builder of ``_planning``.

Steps come back unordered. Each carries the exact argv the target runs (or
the exact file content it writes), a ``probe`` argv whose non-zero exit
means "already gone", its exit-code table, and the keys of the findings it
addresses. The planner orders and links them (from the ban's
``remove.order``, ``kind`` and ``sequence``); ``software_apply`` executes
them and decides nothing.

Removal uses the low-level tools (``dpkg --purge``, ``rpm -e``) on purpose:
apt and dnf silently remove every package that depends on the one asked for,
which could take software the ban does not match with it; dpkg and rpm refuse
instead, and the refusal is reported as a failure with its reason.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.interdict.bans.plugins.module_utils import block_files
from ansible_collections.interdict.bans.plugins.module_utils.contract import exit_codes, finding_key

PLATFORMS = ("linux", "macos")

# Where a macOS app bundle may be removed from; anything else is skipped, never deleted.
MACOS_BUNDLE_DIRS = re.compile(r"^(?:/Applications|/Users/[^/]+/Applications)/(?:[^/]+/)*[^/]+\.app$")
# Package names as dpkg/rpm/snap accept them; anything else never reaches an argv.
PACKAGE_NAME = block_files.PACKAGE_NAME
USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]*\$?$", re.IGNORECASE)
# Inside one catalog rank: a vendor's uninstaller runs before the bundle it would remove is deleted.
SEQUENCE_VENDOR_UNINSTALLER = 0
SEQUENCE_DEFAULT = 5

NOT_BLOCKABLE_MACOS = (
    "macOS has no local install block that a user with admin rights cannot undo; "
    "block with an MDM (restriction profile / blocked bundle ids), see docs/enforcement.md"
)
# Package manager locks a removal waits for (software_apply), as apt and dnf would. dpkg's frontend lock
# is held by the module while dpkg runs with DPKG_FRONTEND_LOCKED set, as apt does (dpkg(1), ENVIRONMENT).
DPKG_LOCKS = (
    {"path": "/var/lib/dpkg/lock-frontend", "name": "dpkg frontend lock", "hold": True, "env": "DPKG_FRONTEND_LOCKED"},
    {"path": "/var/lib/dpkg/lock", "name": "dpkg database lock"},
)
# rpm's transaction lock, in the database directory: /var/lib/rpm before rpm 4.16, /usr/lib/sysimage/rpm after.
RPM_LOCKS = (
    {"path": "/var/lib/rpm/.rpm.lock", "name": "rpm transaction lock"},
    {"path": "/usr/lib/sysimage/rpm/.rpm.lock", "name": "rpm transaction lock"},
)
# Seconds a removal waits for them: the default of ansible.builtin.apt's lock_timeout.
LOCK_TIMEOUT = 60
MAX_LOCK_TIMEOUT = 3600

NOT_BLOCKABLE_SNAP = "snapd has no local deny list: a removed snap can be installed again; block it at the store proxy"


def _step(ban, findings, method, target, command, probe, kind="remove", **extra):
    record = findings[0]["software"]
    step = {
        "id": "%s:%s:%s:%s" % (ban["id"], kind, method, target),
        "ban": ban["id"],
        "kind": kind,
        "platform": record.get("platform", "linux"),
        "method": method,
        "target": target,
        "name": record.get("name") or target,
        "findings": [finding_key(finding) for finding in findings],
        "exit_codes": exit_codes(),
        "command": command,
        "probe": probe,
    }
    step.update(extra)
    return step


def _skip(finding, reason):
    return {"kind": "skip", "finding": finding, "reason": reason}


def lock_timeout(options):
    """``options["lock_timeout"]``: seconds a removal waits for the package manager's lock (default 60)."""
    value = options.get("lock_timeout")
    if value is None:
        return LOCK_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_LOCK_TIMEOUT:
        raise ValueError("options.lock_timeout: expected seconds from 0 to %d, got %r" % (MAX_LOCK_TIMEOUT, value))
    return value


def check_options(options):
    """Refuse a bad builder option before any host is inventoried, whether or not a step would use it."""
    lock_timeout(options)


def _remove_dpkg(ban, finding, options):
    package = finding["software"]["identifier"]
    return _step(
        ban,
        [finding],
        "dpkg",
        package,
        ["dpkg", "--purge", package],
        ["dpkg-query", "--status", package],
        environment={"DEBIAN_FRONTEND": "noninteractive"},
        locks=[dict(lock) for lock in DPKG_LOCKS],
        lock_timeout=lock_timeout(options),
    )


def _remove_rpm(ban, finding, options):
    package = finding["software"]["identifier"]
    return _step(
        ban,
        [finding],
        "rpm",
        package,
        ["rpm", "--erase", "--allmatches", package],
        ["rpm", "--query", package],
        locks=[dict(lock) for lock in RPM_LOCKS],
        lock_timeout=lock_timeout(options),
    )


def _as_user(user, argv):
    return ["runuser", "-u", user, "--", *argv]


def _remove_flatpak(ban, finding, options):
    record = finding["software"]
    app = record.get("ref") or record["identifier"]
    if record.get("scope") == "user" or record.get("user"):
        user = record.get("user")
        if not user or not USER_NAME.match(str(user)):
            return _skip(finding, "per-user flatpak without a usable user name: cannot run flatpak --user as them")
        return _step(
            ban,
            [finding],
            "flatpak",
            app,
            _as_user(user, ["flatpak", "uninstall", "--user", "--noninteractive", "-y", app]),
            _as_user(user, ["flatpak", "info", "--user", app]),
            id="%s:remove:flatpak:user:%s:%s" % (ban["id"], user, app),
            user=user,
        )
    return _step(
        ban,
        [finding],
        "flatpak",
        app,
        ["flatpak", "uninstall", "--system", "--noninteractive", "-y", app],
        ["flatpak", "info", "--system", app],
        id="%s:remove:flatpak:system:%s" % (ban["id"], app),
    )


def _remove_snap(ban, finding, options):
    snap = finding["software"]["identifier"]
    return _step(ban, [finding], "snap", snap, ["snap", "remove", "--purge", snap], ["snap", "list", snap])


def _remove_app_bundle(ban, finding, options):
    record = finding["software"]
    path = record.get("path") or record.get("install_location")
    if not path or posixpath.normpath(path) != path.rstrip("/") or not MACOS_BUNDLE_DIRS.match(path.rstrip("/")):
        return _skip(finding, "app bundle path %r is not an .app under /Applications or ~/Applications" % (path,))
    path = path.rstrip("/")
    return _step(
        ban,
        [finding],
        "app_bundle",
        path,
        ["/bin/rm", "-rf", "--", path],
        ["/bin/test", "-e", path],
        path=path,
        sequence=SEQUENCE_DEFAULT,
    )


def _forget_pkgutil(ban, finding, options):
    # Residue: the receipt goes after the payload is gone, so facts stop reporting the package.
    package = finding["software"]["identifier"]
    return _step(
        ban,
        [finding],
        "pkgutil",
        package,
        ["/usr/sbin/pkgutil", "--forget", package],
        ["/usr/sbin/pkgutil", "--pkg-info", package],
        kind="residue",
    )


_REMOVERS = {
    "dpkg": _remove_dpkg,
    "rpm": _remove_rpm,
    "flatpak": _remove_flatpak,
    "snap": _remove_snap,
    "app_bundle": _remove_app_bundle,
    "pkgutil": _forget_pkgutil,
}
_NEEDS_PACKAGE_NAME = ("dpkg", "rpm", "snap", "pkgutil")


def _vendor_uninstallers(ban, findings):
    """macOS vendor uninstallers the catalog documents, once each, for the findings they cover."""
    steps = []
    spec = ban.get("platforms", {}).get("macos", {}).get("remove", {})
    for index, uninstaller in enumerate(spec.get("uninstallers", ())):
        try:
            regex = re.compile(uninstaller["match"], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(
                "ban %r: platforms.macos.remove.uninstallers[%d].match: %s" % (ban["id"], index, exc)
            ) from None
        covered = [
            finding
            for finding in findings
            if finding["software"].get("platform") == "macos"
            and any(regex.fullmatch(str(finding["software"].get(key) or "")) for key in ("identifier", "name"))
        ]
        if not covered:
            continue
        command = [str(arg) for arg in uninstaller["command"]]
        steps.append(
            _step(
                ban,
                covered,
                "vendor_uninstaller",
                command[0],
                command,
                ["/bin/test", "-e", command[0]],
                id="%s:remove:vendor_uninstaller:%d" % (ban["id"], index),
                exit_codes=exit_codes(success=uninstaller.get("success_codes") or (0,)),
                sequence=SEQUENCE_VENDOR_UNINSTALLER,
                source=uninstaller["source"],
            )
        )
    return steps


def steps(findings, ban, options):
    """Remove and residue steps for one ban's findings on linux or macos, and skips with their reason."""
    out = _vendor_uninstallers(ban, findings) if options.get("platform") == "macos" else []
    for finding in findings:
        record = finding["software"]
        source = record.get("source")
        remover = _REMOVERS.get(source)
        if remover is None:
            out.append(_skip(finding, "no removal method for source %r on %s" % (source, record.get("platform"))))
            continue
        identifier = str(record.get("identifier") or "")
        if source in _NEEDS_PACKAGE_NAME and not PACKAGE_NAME.match(identifier):
            out.append(_skip(finding, "identifier %r is not a valid %s package name" % (identifier, source)))
            continue
        if source == "flatpak" and not PACKAGE_NAME.match(str(record.get("ref") or identifier)):
            out.append(_skip(finding, "flatpak ref %r is not valid" % (identifier,)))
            continue
        out.append(remover(ban, finding, options))
    return out


# --------------------------------------------------------------------------- blocks


def block_packages(ban):
    """The package names a ban blocks on Linux: its ``block.packages``, else its exact identifiers."""
    spec = ban.get("platforms", {}).get("linux", {})
    packages = spec.get("block", {}).get("packages")
    if packages is None:
        packages = [entry["value"] for entry in spec.get("identifiers", ())]
    return [package for package in packages if PACKAGE_NAME.match(package)]


def _covered(findings, sources, names):
    """Keys of the findings a block stops from coming back: those of these sources with one of these names."""
    return [
        finding_key(finding)
        for finding in findings
        if finding["software"].get("source") in sources and finding["software"].get("identifier") in names
    ]


def _block_step(ban, method, step_id, target, findings, **extra):
    step = {
        "id": step_id,
        "ban": ban["id"],
        "kind": "block",
        "platform": "linux",
        "method": method,
        "target": target,
        "name": "%s: %s" % (ban["title"], method),
        "findings": findings,
        "exit_codes": exit_codes(),
    }
    step.update(extra)
    return step


def _present(ban, method, note="", **where):
    status = {"ban": ban["id"], "method": method, "state": "present"}
    status.update(where)
    if note:
        status["note"] = note
    return status


def _apt_pin(ban, findings, current_blocks, packages):
    path = block_files.apt_pin_path(ban["id"])
    content = block_files.render_apt_pin(ban["id"], ban["title"], packages)
    current = block_files.apt_pin_at(current_blocks, path)
    if current is not None and current.get("content") == content:
        return _present(ban, "apt_pin", path=path)
    return _block_step(
        ban,
        "apt_pin",
        "%s:block:apt_pin" % ban["id"],
        " ".join(packages),
        _covered(findings, ("dpkg",), packages),
        path=path,
        content=content,
        mode="0644",
        managed_marker=block_files.pin_marker(ban["id"]),
        previous_content=(current or {}).get("content", ""),
        note="stops apt-get install/upgrade; does not stop dpkg -i",
    )


def _dnf_exclude(ban, findings, current_blocks, packages):
    if set(packages) <= block_files.dnf_excluded(current_blocks):
        return _present(ban, "dnf_exclude", path=block_files.DNF_CONF)
    return _block_step(
        ban,
        "dnf_exclude",
        "%s:block:dnf_exclude" % ban["id"],
        " ".join(packages),
        _covered(findings, ("rpm",), packages),
        path=block_files.DNF_CONF,
        section=block_files.DNF_SECTION,
        option=block_files.DNF_OPTION,
        values=packages,
        note="stops dnf install/upgrade; does not stop rpm -i or dnf --disableexcludes",
    )


def _not_blockable(ban, method, note, **where):
    status = _present(ban, method, note=note, **where)
    status["state"] = "not_blockable"
    return status


def _flatpak_masks(ban, findings, current_blocks):
    out = []
    apps = ban.get("platforms", {}).get("linux", {}).get("block", {}).get("flatpaks", ())
    scopes = [("system", "")]
    for finding in findings:
        user = finding["software"].get("user")
        usable = finding["software"].get("source") == "flatpak" and user and USER_NAME.match(str(user))
        if usable and ("user", user) not in scopes:
            scopes.append(("user", user))
    for app in apps:
        if not PACKAGE_NAME.match(app):
            continue
        for scope, user in scopes:
            rule = "%s%s:%s" % (scope, ":" + user if user else "", app)
            if block_files.flatpak_masked(current_blocks, scope, user, app):
                out.append(_present(ban, "flatpak_mask", rule=rule))
                continue
            argv = ["flatpak", "mask", "--" + scope, app]
            covered = [
                finding_key(finding)
                for finding in findings
                if finding["software"].get("source") == "flatpak"
                and finding["software"].get("identifier") == app
                and (finding["software"].get("user") or "") == user
            ]
            out.append(
                _block_step(
                    ban,
                    "flatpak_mask",
                    "%s:block:flatpak_mask:%s" % (ban["id"], rule),
                    app,
                    covered,
                    rule=rule,
                    command=_as_user(user, argv) if user else argv,
                    note="stops updates and automatic installs of this ref in that installation; "
                    "a manual install is stopped by the flatpak filter",
                )
            )
    return out


def _flatpak_filter(ban, findings, current_blocks):
    """The ban's apps denied in the collection's flatpak filter, and every remote made to use that filter.

    A remote another filter already limits is left as it is and reported not blockable.
    """
    apps = ban.get("platforms", {}).get("linux", {}).get("block", {}).get("flatpaks", ())
    apps = [app for app in apps if PACKAGE_NAME.match(app)]
    if not apps:
        return []
    flatpaks = [finding for finding in findings if finding["software"].get("source") == "flatpak"]
    out = []
    missing = [app for app in apps if app not in block_files.flatpak_denied(current_blocks)]
    if missing:
        out.append(
            _block_step(
                ban,
                "flatpak_filter",
                "%s:block:flatpak_filter" % ban["id"],
                " ".join(missing),
                [finding_key(finding) for finding in flatpaks],
                path=block_files.FLATPAK_FILTER,
                lines=["deny %s" % app for app in missing],
                header=block_files.FLATPAK_FILTER_HEADER,
                note="no remote that uses the filter offers these apps: flatpak install refuses them",
            )
        )
    else:
        out.append(_present(ban, "flatpak_filter", path=block_files.FLATPAK_FILTER))
    for entry in block_files.entries(current_blocks, "flatpak_remote"):
        scope, user, remote = entry.get("scope"), entry.get("user") or "", str(entry.get("remote") or "")
        if scope not in ("system", "user") or (user and not USER_NAME.match(str(user))):
            continue
        rule = "%s%s:%s" % (scope, ":" + user if user else "", remote)
        used = str(entry.get("filter") or "")
        if not block_files.REMOTE_NAME.match(remote):
            # Host data: shown quoted, so no control character reaches the report.
            note = "remote name %s is not one flatpak accepts: not modified" % ascii(remote)[:200]
            out.append(_not_blockable(ban, "flatpak_remote", note, rule="%s:?" % rule.rsplit(":", 1)[0]))
        elif used == block_files.FLATPAK_FILTER:
            out.append(_present(ban, "flatpak_remote", rule=rule))
        elif used:
            note = "remote already uses the filter %s: add `deny <app>` lines for %s to it" % (
                ascii(used)[:200],
                " ".join(apps),
            )
            out.append(_not_blockable(ban, "flatpak_remote", note, rule=rule))
        else:
            argv = ["flatpak", "remote-modify", "--" + scope, "--filter=" + block_files.FLATPAK_FILTER, remote]
            covered = [
                f for f in flatpaks if f["software"].get("scope") == scope and (f["software"].get("user") or "") == user
            ]
            out.append(
                _block_step(
                    ban,
                    "flatpak_remote",
                    "%s:block:flatpak_remote:%s" % (ban["id"], rule),
                    remote,
                    [finding_key(finding) for finding in covered],
                    rule=rule,
                    command=_as_user(user, argv) if user else argv,
                    note="the remote uses the flatpak filter (a remote added later gets it at the next run)",
                )
            )
    return out


def blocks(ban, findings, current_blocks, options):
    """Block steps and block statuses for one ban on linux or macos.

    ``options["sources"]`` are the sources facts read (or read in part): a block is
    planned only for a package system the host has; ``package_manager`` adds one.
    """
    if options.get("platform") == "macos":
        return [{"ban": ban["id"], "method": "none", "state": "not_blockable", "note": NOT_BLOCKABLE_MACOS}]
    sources = set(options.get("sources") or ())
    manager = options.get("package_manager")
    packages = block_packages(ban)
    out = []
    if packages and ("dpkg" in sources or manager == "apt"):
        out.append(_apt_pin(ban, findings, current_blocks, packages))
    if packages and ("rpm" in sources or manager in ("dnf", "dnf5")):
        out.append(_dnf_exclude(ban, findings, current_blocks, packages))
    if "flatpak" in sources:
        out.extend(_flatpak_masks(ban, findings, current_blocks))
        out.extend(_flatpak_filter(ban, findings, current_blocks))
    if "snap" in sources:
        out.append({"ban": ban["id"], "method": "snap", "state": "not_blockable", "note": NOT_BLOCKABLE_SNAP})
    return out
