# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The install-block files on Linux, read and written in one place.

These files stop a banned package from coming back:

* an apt preferences file per ban, ``/etc/apt/preferences.d/interdict-<ban>.pref``,
  that pins the ban's packages to priority -1 (rendered and recognised here);
* dnf's ``excludepkgs`` in the ``[main]`` section of ``/etc/dnf/dnf.conf``
  (read, and extended by ``ensure_values`` without touching anything else);
* flatpak masks, ``xa.masked`` in ``[core]`` of an installation's
  ``repo/config`` (read; ``flatpak mask`` writes them). A mask stops updates
  and automatic installs only: flatpak-mask(1) says a masked ref can still be
  installed by hand;
* so a flatpak filter, ``/etc/flatpak/interdict-bans.filter``, with a
  ``deny <app id>`` line per banned app (extended by ``add_lines``), that
  every remote of every installation uses (``xa.filter`` of the remote in
  ``repo/config``, set by ``flatpak remote-modify --filter``): a remote with
  it does not offer the denied apps, so ``flatpak install`` refuses them.

``software_facts`` reads them with ``read_blocks``, ``software_apply`` writes
them with ``replace_file``, ``add_values`` and ``add_lines``, and the controller's step
builder renders pin content with ``render_apt_pin`` and tells what is in
place with ``entries``. Runs on targets: Python 3.8, standard library only.
"""

from __future__ import annotations

import configparser
import os
import re
import tempfile

APT_PIN_DIR = "/etc/apt/preferences.d"
APT_PIN_PREFIX = "interdict-"
APT_PIN_SUFFIX = ".pref"
DNF_CONF = "/etc/dnf/dnf.conf"
DNF_SECTION = "main"
DNF_OPTION = "excludepkgs"
# dnf reads `exclude` as the older spelling of `excludepkgs`.
DNF_OPTION_ALIASES = ("excludepkgs", "exclude")
FLATPAK_SYSTEM = "/var/lib/flatpak"
FLATPAK_USER = ".local/share/flatpak"
FLATPAK_CONFIG = "repo/config"
# One filter for every installation: root's, so a user cannot edit the filter their remotes use.
FLATPAK_FILTER = "/etc/flatpak/interdict-bans.filter"
FLATPAK_FILTER_HEADER = (
    "# interdict.bans: apps that no flatpak remote using this filter offers (flatpak-remote-add(1), --filter).\n"
    "# Managed file: lines are added, never removed.\n"
)
METHODS = ("apt_pin", "dnf_exclude", "flatpak_mask", "flatpak_filter", "flatpak_remote")

# Block files are host data: read at most this much of one.
READ_LIMIT = 1 << 20
BAN_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Package names as dpkg and rpm accept them; nothing else is written into a block file.
PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._~:@-]*$")
_PIN_HEADER = "# interdict.bans: ban "
_PIN_BAN = re.compile(r"^# interdict\.bans: ban '([a-z][a-z0-9_]*)'")
# Remote names as flatpak accepts them; anything else never reaches an argv.
REMOTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REMOTE_SECTION = re.compile(r'^remote "(.+)"$')
_VALUE_SEPARATORS = re.compile(r"[\s,]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class BlockFileError(ValueError):
    """Content that must not be written into a block file."""


# --------------------------------------------------------------------------- apt pins


def apt_pin_path(ban_id):
    if not BAN_ID.match(str(ban_id)):
        raise BlockFileError("ban id %r cannot name an apt preferences file" % (ban_id,))
    return "%s/%s%s%s" % (APT_PIN_DIR, APT_PIN_PREFIX, ban_id, APT_PIN_SUFFIX)


def render_apt_pin(ban_id, title, packages):
    """The apt preferences file for a ban: priority -1 means "never install"."""
    if not BAN_ID.match(str(ban_id)):
        raise BlockFileError("ban id %r cannot be written into an apt preferences file" % (ban_id,))
    bad = [package for package in packages if not PACKAGE_NAME.match(str(package))]
    if bad or not packages:
        raise BlockFileError("not package names, refused in an apt pin: %r" % (bad or packages,))
    # The title is free text from a ban file: one line, no control characters, so it stays a comment.
    title = _CONTROL.sub(" ", str(title)).strip()[:200]
    return (
        "%s%r (%s). Managed file, changes are overwritten.\n" % (_PIN_HEADER, str(ban_id), title)
        + "# Stops apt from installing or upgrading these packages; does not stop `dpkg -i`.\n"
        + "Package: %s\n" % " ".join(packages)
        + "Pin: release *\n"
        + "Pin-Priority: -1\n"
    )


def parse_apt_pin(content):
    """What an apt preferences file says: the ban that wrote it ('' if not this collection), packages, priority.

    Only the first stanza is read: this collection writes one per file.
    """
    ban, packages, priority = "", [], None
    for line in content.splitlines():
        if not packages and priority is None:
            found = _PIN_BAN.match(line)
            if found:
                ban = found.group(1)
                continue
        stripped = line.strip()
        if not stripped and (packages or priority is not None):
            break
        key, _sep, value = stripped.partition(":")
        if key.lower() == "package":
            packages = value.split()
        elif key.lower() == "pin-priority":
            try:
                priority = int(value.strip())
            except ValueError:
                priority = None
    return {"ban": ban, "packages": packages, "priority": priority}


def read_apt_pins(directory, shown=str):
    """(entries, errors) for the ``interdict-*.pref`` files in an apt preferences directory.

    ``shown`` turns a path into the one the host sees (for a root other than /).
    """
    entries, errors = [], []
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return entries, errors
    except OSError as exc:
        return entries, ["%s: %s" % (shown(directory), exc.strerror or exc)]
    for name in names:
        if not (name.startswith(APT_PIN_PREFIX) and name.endswith(APT_PIN_SUFFIX)):
            continue
        path = os.path.join(directory, name)
        try:
            content = read_text(path)
        except OSError as exc:
            errors.append("%s: %s" % (shown(path), exc.strerror or exc))
            continue
        if content is None:
            continue
        entry = {"path": shown(path), "content": content}
        entry.update((key, value) for key, value in parse_apt_pin(content).items() if key != "priority")
        entries.append(entry)
    return entries, errors


# --------------------------------------------------------------------------- dnf excludepkgs


def split_values(value):
    return [item for item in _VALUE_SEPARATORS.split(value or "") if item]


def dnf_excludes(text):
    """The exclude patterns of dnf.conf's ``[main]`` section, in both spellings."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    config.read_string(text)
    return split_values(" ".join(config.get(DNF_SECTION, key, fallback="") for key in DNF_OPTION_ALIASES))


def ensure_values(text, section, option, values):
    """Return ``text`` with ``values`` present in ``option`` of ``[section]``; everything else kept."""
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = end = None
    for index, line in enumerate(lines):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            if start is not None:
                end = index
                break
            if header.group(1).strip() == section:
                start = index
    if start is None:
        lines += (["\n"] if lines else []) + ["[%s]\n" % section, "%s=%s\n" % (option, " ".join(values))]
        return "".join(lines)
    end = len(lines) if end is None else end
    # Extend whichever spelling is there.
    names = DNF_OPTION_ALIASES if option == DNF_OPTION else (option,)
    for index in range(start + 1, end):
        found = re.match(r"^(\s*)(%s)(\s*=\s*)(.*?)\s*$" % "|".join(map(re.escape, names)), lines[index])
        if found:
            present = split_values(found.group(4))
            missing = [value for value in values if value not in present]
            if not missing:
                return "".join(lines)
            lines[index] = "%s%s%s%s\n" % (found.group(1), found.group(2), found.group(3), " ".join(present + missing))
            return "".join(lines)
    insert_at = end
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    lines.insert(insert_at, "%s=%s\n" % (option, " ".join(values)))
    return "".join(lines)


# --------------------------------------------------------------------------- flatpak masks


def flatpak_masks(text):
    """Masked patterns of a flatpak installation, from ``xa.masked`` in its repo config (as `flatpak mask` does)."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    config.read_string(text)
    return [pattern.strip() for pattern in config.get("core", "xa.masked", fallback="").split(";") if pattern.strip()]


def flatpak_remotes(text):
    """(name, filter path or '') of each remote in an installation's repo config."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    config.read_string(text)
    remotes = []
    for section in config.sections():
        found = _REMOTE_SECTION.match(section)
        if found:
            remotes.append((found.group(1), config.get(section, "xa.filter", fallback="").strip()))
    return remotes


def filter_denies(text):
    """The refs a flatpak filter file denies (its ``deny <ref>`` lines)."""
    denied = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2 and words[0] == "deny":
            denied.append(words[1])
    return denied


def ensure_lines(text, lines, header=""):
    """Return ``text`` with every one of ``lines`` in it (appended when missing); a new file starts with ``header``."""
    present = set(text.splitlines())
    missing = [line for line in lines if line not in present]
    if not missing:
        return text
    if not text:
        text = header
    elif not text.endswith("\n"):
        text += "\n"
    return text + "".join(line + "\n" for line in missing)


# --------------------------------------------------------------------------- files


def read_text(path, limit=READ_LIMIT):
    """A file's text (None when it does not exist), at most ``limit`` bytes of it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit)
    except FileNotFoundError:
        return None
    return data.decode("utf-8", errors="replace")


def write_atomic(path, content, mode):
    """Write through a temporary file in the same directory and a rename: never a truncated file."""
    directory = os.path.dirname(path) or "."
    fd, temp = tempfile.mkstemp(prefix=".interdict-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def pin_marker(ban_id):
    """The first-line prefix that marks an apt pin as this collection's, for that ban."""
    return "%s%r" % (_PIN_HEADER, str(ban_id))


def replace_file(path, content, mode=0o644, managed_marker=None):
    """Make ``path`` hold exactly ``content``. Returns what it held before (None: no file), or ``content`` if equal.

    With ``managed_marker``, a file already there is replaced only when it starts with the marker (this
    collection wrote it); one with exactly ``content`` is adopted as it is; anything else is someone
    else's file and raises BlockFileError, leaving it untouched.
    """
    before = read_text(path)
    if before == content:
        return before
    if managed_marker and before is not None and not before.startswith(managed_marker):
        raise BlockFileError(
            "%s already exists with other content and was not written by interdict.bans: not overwritten "
            "(remove it, or make it identical to the pin this ban needs, and the run adopts it)" % path
        )
    write_atomic(path, content, mode)
    return before


def add_values(path, section, option, values):
    """Make ``option`` of ``[section]`` in ``path`` hold ``values`` as well. Returns (before, after)."""
    before = read_text(path) or ""
    after = ensure_values(before, section, option, list(values))
    if after != before:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
        write_atomic(path, after, mode)
    return before, after


def add_lines(path, lines, header=""):
    """Make ``path`` hold ``lines`` as well (a new file starts with ``header``). Returns (before, after)."""
    bad = [line for line in lines if _CONTROL.search(str(line))]
    if bad:
        raise BlockFileError("control characters, refused in %s: %r" % (path, bad))
    before = read_text(path) or ""
    after = ensure_lines(before, [str(line) for line in lines], header)
    if after != before:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
        # /etc/flatpak is not there until something puts a file in it (Debian's flatpak ships none).
        os.makedirs(os.path.dirname(path) or ".", 0o755, exist_ok=True)
        write_atomic(path, after, mode)
    return before, after


# --------------------------------------------------------------------------- what a host has


def read_blocks(host):
    """Blocks in place on a host: ``({method: [entries]}, errors)``.

    ``host`` gives ``path(*parts)`` (a path under the inventoried root),
    ``shown(path)`` (that path as the host sees it) and ``homes()`` (user, home)
    pairs. Entry shapes: apt_pin ``{path, content, ban, packages}``,
    dnf_exclude ``{path, patterns}``, flatpak_mask ``{scope, user, path, patterns}``,
    flatpak_filter ``{path, patterns}`` (the refs the filter denies), flatpak_remote
    ``{scope, user, path, remote, filter}`` (every remote, with the filter it uses or '').
    """
    errors = []
    pins, pin_errors = read_apt_pins(host.path(APT_PIN_DIR.lstrip("/")), host.shown)
    errors.extend(pin_errors)

    excludes = []
    conf = host.path(DNF_CONF.lstrip("/"))
    try:
        text = read_text(conf)
        patterns = dnf_excludes(text) if text is not None else []
    except (OSError, configparser.Error) as exc:
        errors.append("%s: %s" % (host.shown(conf), getattr(exc, "strerror", None) or exc))
        patterns = []
    if patterns:
        excludes.append({"path": host.shown(conf), "patterns": patterns})

    filters = []
    path = host.path(FLATPAK_FILTER.lstrip("/"))
    try:
        text = read_text(path)
    except OSError as exc:
        errors.append("%s: %s" % (host.shown(path), exc.strerror or exc))
        text = None
    if text is not None:
        filters.append({"path": host.shown(path), "patterns": filter_denies(text)})

    masks, remotes = [], []
    installations = [("system", "", host.path(FLATPAK_SYSTEM.lstrip("/")))]
    installations += [("user", user, os.path.join(home, FLATPAK_USER)) for user, home in host.homes()]
    for scope, user, installation in installations:
        config = os.path.join(installation, FLATPAK_CONFIG)
        try:
            text = read_text(config)
            patterns = flatpak_masks(text) if text is not None else []
            names = flatpak_remotes(text) if text is not None else []
        except (OSError, configparser.Error) as exc:
            errors.append("%s: %s" % (host.shown(config), getattr(exc, "strerror", None) or exc))
            continue
        if patterns:
            masks.append({"scope": scope, "user": user, "path": host.shown(config), "patterns": patterns})
        for name, used in names:
            remotes.append({"scope": scope, "user": user, "path": host.shown(config), "remote": name, "filter": used})
    blocks = {"apt_pin": pins, "dnf_exclude": excludes, "flatpak_mask": masks}
    blocks.update(flatpak_filter=filters, flatpak_remote=remotes)
    return blocks, errors


def entries(blocks, method):
    """The entries of one method in what facts report: the ``interdict_blocks`` mapping or a flat list."""
    if not blocks:
        return []
    if isinstance(blocks, dict):
        return [dict(entry, method=method) for entry in blocks.get(method) or ()]
    return [entry for entry in blocks if entry.get("method") == method]


def dnf_excluded(blocks):
    """Every package pattern dnf excludes on the host."""
    return {pattern for entry in entries(blocks, "dnf_exclude") for pattern in entry.get("patterns") or ()}


def flatpak_masked(blocks, scope, user, app):
    """Whether ``app`` is masked in that installation (system, or one user's)."""
    for entry in entries(blocks, "flatpak_mask"):
        if entry.get("scope") != scope or (entry.get("user") or "") != (user or ""):
            continue
        if app in (entry.get("patterns") or ()) or entry.get("pattern") == app:
            return True
    return False


def flatpak_denied(blocks):
    """Every ref the collection's flatpak filter denies."""
    return {pattern for entry in entries(blocks, "flatpak_filter") for pattern in entry.get("patterns") or ()}


def apt_pin_at(blocks, path):
    """The apt pin entry at ``path``, or None."""
    for entry in entries(blocks, "apt_pin"):
        if entry.get("path") == path:
            return entry
    return None
