# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows step builder: one ban's Windows findings -> the exact, unordered steps a Windows host runs.

The planner (``_planning``) orders and links the steps from the catalog's
``platforms.windows.remove.order``; this module only says what each step is:

* MSI products are removed by product code with ``msiexec.exe /x {code} /qn
  /norestart /l*v <log>``. A product rule of the catalog (``remove.products``)
  may add MSI properties and a password that names a secret the ban declares;
  the secret's encoding (``plain``, or ``utf16le_hex`` as some installers want)
  is applied only when the value is substituted.
* EXE/NSIS uninstallers run their quiet command and are waited for together
  with the children they re-spawn.
* Store apps are removed for all users (``appx``) and then deprovisioned
  (``appx_provisioned``): ``sequence`` keeps that order inside one rank.
* Certificates and registry keys a product leaves behind are ``residue`` steps
  (the planner runs them after the ban's removals); services and drivers get no
  step, their product's uninstaller removes them.
* A vendor removal tool, when the user gives its path, is a fallback for the
  MSI and EXE steps.

Every step carries its exit-code table (``contract.exit_codes``) and, for
msiexec, the retry of 1618 (another installation is in progress); executors
read outcomes only through ``contract.outcome_of`` or the same table lookup.

A plan never holds a secret. A password appears as the placeholder
``<secret:NAME>`` and the step lists ``[{name, env, encoding}]`` in ``secrets``;
``secret_values()`` and ``substitute_argv()`` turn the values given at run time
(or the declared environment variables) into what the executors substitute.
"""

from __future__ import annotations

import re

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.module_utils.catalog import secret_value
from ansible_collections.interdict.bans.plugins.plugin_utils import _applocker

DEFAULT_LOG_DIR = "C:\\Windows\\Temp\\interdict-bans"

# Windows Installer exit codes (https://learn.microsoft.com/windows/win32/msi/error-codes): 1641 and 3010 succeed
# with a reboot pending; 1605 (ERROR_UNKNOWN_PRODUCT) and 1614 (ERROR_PRODUCT_UNINSTALLED) mean already gone.
MSI_EXIT_CODES = contract.exit_codes(success=(0,), absent=(1605, 1614), reboot=(1641, 3010))
EXE_EXIT_CODES = contract.exit_codes(success=(0,), reboot=(1641, 3010))
DONE_EXIT_CODES = contract.exit_codes(success=(0,))
# A per-user MSI is registered only in its user's context: run as anyone else, msiexec answers 1605 although the
# product is there, so 1605 is not "absent" for it.
MSI_USER_EXIT_CODES = contract.exit_codes(success=(0,), absent=(1614,), reboot=(1641, 3010))
# 1618 (ERROR_INSTALL_ALREADY_RUNNING): another installation holds the Windows Installer mutex; it passes.
# Waits grow by ``backoff``: 30 s, 60 s, 120 s before the second, third and fourth run.
MSI_RETRY = {"codes": [1618], "attempts": 4, "delay": 30, "backoff": 2}
# Every command step is stopped after this many seconds, with every process it started (its job object).
DEFAULT_TIMEOUT = 3600
TIMEOUT_RANGE = (60, 86400)
# Silent switches by installer type, only for types recognised from the uninstall entry (win_software_facts'
# ``installer_type``): NSIS https://nsis.sourceforge.io/Docs/Chapter4.html#silent ("/S");
# Inno Setup https://jrsoftware.org/ishelp/topic_uninstcmdparams.htm ("/VERYSILENT /SUPPRESSMSGBOXES /NORESTART").
SILENT_ARGS = {"nsis": ["/S"], "inno": ["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"]}
NEEDS_USER_SESSION = "needs the user's session"
KNOWN_EXIT_CODES = (0, 1602, 1603, 1605, 1614, 1618, 1641, 3010)

# Wine's msiexec reports exit codes modulo 256 (1605 arrives as 69). This is the
# one place that maps them back; only the codes above are mapped, so an unknown
# truncated value stays unknown and fails its step.
WINE_TRUNCATED_EXIT_CODES = {code % 256: code for code in KNOWN_EXIT_CODES if code > 255}

SECRET_PLACEHOLDER = re.compile(r"<secret:([a-z][a-z0-9_]*)>")
_GUID = r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
_GUID_RE = re.compile(f"^{_GUID}$")
_MSIEXEC_RE = re.compile(rf"^\"?(?:[^\"]*\\)?msiexec(?:\.exe)?\"?\s+/[IiXx]\s*({_GUID})", re.IGNORECASE)
_RESIDUE_SOURCES = ("certificate", "registry_key")
_REMOVED_WITH_PRODUCT = ("service", "driver")
# Inside one catalog rank: Store packages before their provisioning; the vendor tool after what it backs up.
SEQUENCE = {"appx": 0, "appx_provisioned": 1, "vendor_tool": 9}


class PlanInputError(ValueError):
    """Options, findings or secrets that cannot be planned or run; the message says which and where."""


def normalize_exit_code(rc, truncated=False):
    """The real exit code: unchanged, or mapped back when the runner truncates codes to 8 bits (Wine)."""
    rc = int(rc)
    if truncated and 0 <= rc <= 255:
        return WINE_TRUNCATED_EXIT_CODES.get(rc, rc)
    return rc


def split_command_line(command_line):
    """Split a Windows command line as CommandLineToArgvW does (the rules uninstall strings follow).

    An unquoted program path with spaces (``C:\\Program Files (x86)\\ByteDance\\douyin\\Uninstall douyin.exe``)
    is kept whole when it ends in ``.exe`` before the first argument.
    """
    text = command_line.strip()
    if not text:
        return []
    if not text.startswith('"'):
        found = re.match(r"^(.+?\.exe)(?=\s|$)", text, re.IGNORECASE)
        if found and " " in found.group(1):
            return [found.group(1), *_split_arguments(text[found.end() :])]
    return _split_arguments(text)


def _split_arguments(text):
    args, current, in_quotes, index, started = [], [], False, 0, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            run = len(text[index:]) - len(text[index:].lstrip("\\"))
            if index + run < len(text) and text[index + run] == '"':
                current.append("\\" * (run // 2))
                if run % 2:
                    current.append('"')
                    index += run + 1
                else:
                    index += run
                started = True
                continue
            current.append("\\" * run)
            index += run
            started = True
            continue
        if char == '"':
            if in_quotes and index + 1 < len(text) and text[index + 1] == '"':
                current.append('"')
                index += 2
                continue
            in_quotes = not in_quotes
            started = True
        elif char in " \t" and not in_quotes:
            if started:
                args.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
        index += 1
    if started:
        args.append("".join(current))
    return args


def quote_argument(argument):
    """Quote one argument so CommandLineToArgvW gives it back unchanged."""
    if argument and not re.search(r'[\s"]', argument):
        return argument
    escaped = re.sub(r'(\\*)"', r'\1\1\\"', argument)
    escaped = re.sub(r"(\\+)$", r"\1\1", escaped)
    return f'"{escaped}"'


def msi_property(name, value):
    """``NAME=value`` as msiexec parses it: quoted (quotes doubled) when the value needs it."""
    if value and not re.search(r'[\s"]', value):
        return f"{name}={value}"
    return '{}="{}"'.format(name, value.replace('"', '""'))


def command_line(argv):
    """The exact command line the target passes to CreateProcess for ``argv``.

    msiexec parses its own command line: ``NAME=value`` properties are left as
    built by ``msi_property``; everything else is quoted the CommandLineToArgvW way.
    """
    msiexec = bool(argv) and re.search(r"(?:^|\\)msiexec(?:\.exe)?$", argv[0], re.IGNORECASE)
    parts = []
    for index, argument in enumerate(argv):
        prop = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", argument, re.DOTALL) if msiexec and index else None
        if prop and SECRET_PLACEHOLDER.search(prop.group(2)):
            # Always quoted: the substituted value may hold spaces or quotes (secret_values doubles those).
            parts.append(f'{prop.group(1)}="{prop.group(2)}"')
        elif prop:
            parts.append(msi_property(prop.group(1), prop.group(2)))
        else:
            parts.append(quote_argument(argument))
    return " ".join(parts)


def encode_secret(value, encoding="plain"):
    """A secret as the installer expects it; ``utf16le_hex`` is the UTF-16LE bytes in upper-case hex."""
    if encoding == "utf16le_hex":
        return value.encode("utf-16-le").hex().upper()
    if encoding != "plain":
        raise PlanInputError(f"secret encoding: expected plain or utf16le_hex, got {encoding!r}")
    return value


def _step_secrets(steps):
    """Every secret declaration the steps carry, once per name."""
    declared = {}
    for step in steps:
        for secret in step.get("secrets") or ():
            declared.setdefault(secret["name"], secret)
    return list(declared.values())


def secret_values(steps, provided, environ=None):
    """Placeholder -> encoded value for every secret the steps need and that has a value.

    A value comes from ``provided[name]`` or, when that is missing or empty, from
    the declared environment variable in ``environ`` (what an AWX credential
    injects). The values are escaped for the command line, where a placeholder
    always sits inside an MSI property's double quotes: quotes are doubled.
    A secret without a value is left out; the executor then fails the step that
    needs it and names the secret.
    """
    values = {}
    for secret in _step_secrets(steps):
        value = secret_value(secret, provided, environ)
        if value:
            values[f"<secret:{secret['name']}>"] = encode_secret(value, secret.get("encoding", "plain")).replace(
                '"', '""'
            )
    return values


def secret_texts(steps, provided, environ=None):
    """Every form in which a secret of the steps could appear in a result: given, encoded, command-line escaped.

    The controller redacts these from what the module returns, whatever the host did with them.
    """
    texts = set()
    for secret in _step_secrets(steps):
        value = secret_value(secret, provided, environ)
        if value:
            encoded = encode_secret(value, secret.get("encoding", "plain"))
            texts.update({value, encoded, encoded.replace('"', '""')})
    return sorted(texts, key=lambda text: (-len(text), text))


def redact(data, texts, mask="********"):
    """``data`` (nested dicts, lists, strings) with every occurrence of ``texts`` replaced by ``mask``."""
    if isinstance(data, str):
        for text in texts:
            data = data.replace(text, mask)
        return data
    if isinstance(data, dict):
        return {redact(key, texts, mask): redact(value, texts, mask) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact(item, texts, mask) for item in data]
    return data


def substitute_argv(step, provided, environ=None):
    """The step's ``command`` with its placeholders replaced by the raw encoded values (for argv runners)."""
    declared = {secret["name"]: secret for secret in step.get("secrets") or ()}

    def value(match):
        name = match.group(1)
        secret = declared.get(name)
        if secret is None:
            raise PlanInputError(f"step {step.get('id')}: placeholder {match.group(0)} names no secret of the step")
        found = secret_value(secret, provided, environ)
        if not found:
            raise PlanInputError(
                f"step {step.get('id')}: secret {name} has no value (give it, or set {secret.get('env')})"
            )
        return encode_secret(found, secret.get("encoding", "plain"))

    return [SECRET_PLACEHOLDER.sub(value, str(argument)) for argument in step.get("command") or ()]


def _declared_secret(ban, name):
    for secret in ban.get("secrets") or ():
        if secret["name"] == name:
            return {"name": secret["name"], "env": secret["env"], "encoding": secret.get("encoding", "plain")}
    # The catalog rejects this; a ban built by hand may still get it wrong.
    raise PlanInputError(f"ban {ban.get('id')!r}: a password names secret {name!r}, which the ban does not declare")


def _product_rule(remove, record):
    """The catalog's product rule for a record: its pattern matches the display name or the identifier (a product
    code), as the planner's ``remove.order`` patterns do, so a localized name is recognised by its code."""
    values = [str(record.get(key) or "").strip() for key in ("name", "identifier")]
    for rule in remove.get("products", ()):
        if any(value and re.fullmatch(rule["name"], value, re.IGNORECASE) for value in values):
            return rule
    return None


def _msi_product_code(record):
    identifier = str(record.get("identifier") or "")
    if _GUID_RE.match(identifier) and (record.get("windows_installer") or not record.get("uninstall_string")):
        return identifier.upper()
    for key in ("uninstall_string", "quiet_uninstall_string"):
        found = _MSIEXEC_RE.match(str(record.get(key) or "").strip())
        if found:
            return found.group(1).upper()
    return None


def _log_path(options, ban_id, target):
    log_dir = options.get("log_dir") or DEFAULT_LOG_DIR
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", target).strip("_")
    return f"{log_dir}\\{ban_id}-{safe}.log"


def _password_arguments(rule, ban, options):
    """(MSI properties, secret declarations, why the step cannot run, hint for a failure) for a product's password."""
    password = (rule or {}).get("password")
    if not password:
        return [], [], None, None
    protection = options.get("password_protection", "auto")
    if protection not in ("auto", "on", "off"):
        raise PlanInputError(f"options.password_protection: expected auto, on or off, got {protection!r}")
    if protection == "off":
        return [], [], None, None
    secret = _declared_secret(ban, password["secret"])
    how = f"set secret {secret['name']} (or the environment variable {secret['env']})"
    # Only whether a value exists is known here: values never enter a plan.
    if secret["name"] not in (options.get("secrets_set") or ()):
        if protection == "on":
            return [], [], f"password protection is on and no password was given: {how}", None
        # Without the password a protected product fails with 1603; say what would fix it.
        return [], [], None, f"if password protection is on, {how}"
    arguments = []
    if password.get("login_property"):
        login_option = password.get("login_option")
        login = (options.get(login_option) if login_option else None) or password.get("login")
        if not login:
            wanted = f"option {login_option}" if login_option else "login in the ban's password"
            return [], [], f"{password['login_property']} needs a login: set {wanted}", None
        arguments.append(msi_property(password["login_property"], str(login)))
    arguments.append(f"{password['property']}=<secret:{secret['name']}>")
    return arguments, [secret], None, None


def check_options(options):
    """Refuse a bad builder option before any host is inventoried, whether or not a step would use it."""
    step_timeout(options)


def step_timeout(options):
    """Seconds after which a command step is stopped with all its processes (option ``step_timeout``)."""
    value = options.get("step_timeout", DEFAULT_TIMEOUT)
    low, high = TIMEOUT_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlanInputError(f"options.step_timeout: expected whole seconds from {low} to {high}, got {value!r}")
    return value


def _user_context(step, record):
    """Mark a per-user step to run as its user; None when it can run, else why it cannot.

    A per-user uninstall entry lives in the user's own hive, which the user can
    write: run as the connecting administrator, its command would be a privilege
    escalation. It runs only in the user's session (a one-shot scheduled task as
    that user), so only while the user is logged on.
    """
    user = record.get("user")
    if not user:
        return None
    step["run_as"] = user
    step["target"] = f"{step['target']}@{user}"
    if not record.get("user_logged_on"):
        return f"{NEEDS_USER_SESSION}: {user} is not logged on, and a per-user uninstaller never runs as administrator"
    return None


def _msi_step(ban, code, rule, options, record):
    # A per-user MSI runs as its user, who cannot write to the administrators-only log folder: it gets no log.
    log = None if record.get("user") else _log_path(options, ban["id"], code)
    extra, secrets, blocked, hint = _password_arguments(rule, ban, options)
    properties = [msi_property(k, str(v)) for k, v in sorted((rule or {}).get("msi_properties", {}).items())]
    argv = ["msiexec.exe", "/x", code, *extra, *properties, "/qn", "/norestart", *(["/l*v", log] if log else [])]
    step = {
        "kind": "remove",
        "method": "msi",
        "target": code,
        "command": argv,
        "command_line": command_line(argv),
        "exit_codes": dict(MSI_USER_EXIT_CODES if record.get("user") else MSI_EXIT_CODES),
        "retry": dict(MSI_RETRY, codes=list(MSI_RETRY["codes"])),
        "timeout": step_timeout(options),
        "secrets": secrets,
    }
    if log:
        step["log"] = log
    if hint:
        step["failure_hint"] = hint
    if secrets and record.get("user"):
        # A step run as a user goes through a scheduled task, whose definition would hold the password.
        blocked = "a password is never handed to a task run as a user; remove this per-user product by hand"
        step["secrets"] = []
        step["command"] = [arg for arg in argv if not SECRET_PLACEHOLDER.search(arg)]
        step["command_line"] = command_line(step["command"])
    if blocked:
        step["blocked"] = blocked
    return step, _user_context(step, record)


def _silent_args(record, rule):
    """Switches that make the uninstaller silent, or None when its type is not recognised.

    A product rule of the catalog names its switches with a source; otherwise
    only the installer types win_software_facts recognises from the uninstall
    entry (NSIS, Inno Setup) get theirs. An unknown EXE gets no guessed switch:
    it could wait for input forever.
    """
    if (rule or {}).get("quiet_args"):
        return list(rule["quiet_args"])
    return SILENT_ARGS.get(installer_type(record))


def installer_type(record):
    """``msi``, ``inno``, ``nsis`` or None, from what win_software_facts read of the uninstall entry.

    Windows Installer: ``WindowsInstaller`` = 1. Inno Setup writes ``Inno Setup:
    Setup Version`` into its entry (and names the key ``<AppId>_is1``). An NSIS
    uninstaller's manifest names ``Nullsoft.NSIS.exehead`` (``nsis_marker``).
    """
    if record.get("windows_installer"):
        return "msi"
    if record.get("inno_setup_version") or str(record.get("identifier") or "").endswith("_is1"):
        return "inno"
    if record.get("nsis_marker"):
        return "nsis"
    return str(record.get("installer_type") or "").casefold() or None


def _exe_step(record, rule, options):
    """(step, why it cannot run) for an EXE uninstaller; (None, why) when there is nothing to run."""
    quiet = record.get("quiet_uninstall_string")
    if quiet:
        argv = split_command_line(quiet)
    elif record.get("uninstall_string"):
        argv = split_command_line(record["uninstall_string"])
        silent = _silent_args(record, rule)
        if silent is None:
            return None, (
                "the uninstaller is not of a recognised type (NSIS, Inno Setup or MSI) and has no quiet uninstall "
                "command, so it cannot run unattended"
            )
        argv += [arg for arg in silent if arg.casefold() not in {a.casefold() for a in argv[1:]}]
    else:
        return None, "no uninstall command is recorded for it"
    step = {
        "kind": "remove",
        "method": "exe",
        "target": str(record.get("identifier") or record.get("name")),
        "command": argv,
        "command_line": command_line(argv),
        "wait_for_children": True,  # NSIS uninstallers re-spawn from %TEMP% and exit at once
        "exit_codes": dict(EXE_EXIT_CODES),
        "timeout": step_timeout(options),
        "secrets": [],
    }
    return step, _user_context(step, record)


def _bundle_parent(record, findings):
    """The visible parent entry of a bundle child (``ParentKeyName``, or a hidden ``SystemComponent``), else None.

    A child whose parent is among this host's findings is removed by the parent's
    uninstaller; a hidden child without a found parent is still removed itself.
    """
    parent = str(record.get("parent_key_name") or "")
    hidden = bool(record.get("system_component")) and not record.get("bundle")
    if not parent and not hidden:
        return None
    for other in findings:
        software = other["software"]
        if software is record or software.get("user") != record.get("user"):
            continue
        if parent and str(software.get("identifier") or "").casefold() == parent.casefold():
            return software.get("name") or parent
        # A Burn bundle (BundleUpgradeCode in its entry) removes the hidden packages it installed.
        if not parent and software.get("bundle") and not software.get("system_component"):
            return software.get("name") or software.get("identifier")
    return None


def _residue_step(record, ban):
    """A residue step, or None when the record is not one this ban may remove (host data is not trusted)."""
    source = record["source"]
    if source == "certificate" and re.fullmatch(r"[0-9A-Fa-f]{40}", str(record.get("thumbprint") or "")):
        step = {"method": "certificate", "target": record["thumbprint"].upper(), "store": "Root"}
    elif source == "registry_key" and str(record.get("path") or "").casefold() in _ban_registry_keys(ban):
        # Only a key the ban itself names is ever deleted, whatever a host reports.
        step = {"method": "registry_key", "target": record["path"]}
    else:
        return None
    step.update({"kind": "residue", "exit_codes": dict(DONE_EXIT_CODES), "secrets": []})
    return step


def _ban_registry_keys(ban):
    identifiers = (ban.get("platforms", {}).get("windows") or {}).get("identifiers") or ()
    return {entry["value"].casefold() for entry in identifiers if re.match(r"(?i)^HKLM:\\[^*?]+$", entry["value"])}


def _vendor_tool_step(ban, remove, options, backed_up):
    tool = remove.get("vendor_tool")
    if not tool or not backed_up:
        return None
    value = options.get(tool["option"])
    if not value:
        return None  # off by default: only a path the user gives is ever run
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or not value.get("path"):
        raise PlanInputError(f"options.{tool['option']}: expected a path or {{path, arguments}}, got {value!r}")
    argv = [value["path"], *[str(arg) for arg in value.get("arguments", tool.get("arguments", []))]]
    findings = []
    for step in backed_up:
        findings.extend(key for key in step["findings"] if key not in findings)
    return {
        "kind": "remove",
        "method": "vendor_tool",
        "target": value["path"],
        "name": f"{ban['title']} vendor removal tool (last resort)",
        "command": argv,
        "command_line": command_line(argv),
        "wait_for_children": True,
        "fallback_for": [step["id"] for step in backed_up],
        "findings": findings,
        "exit_codes": contract.exit_codes(success=(0,), reboot=(1641, 3010)),
        "sequence": SEQUENCE["vendor_tool"],
        "secrets": [],
    }


def _finish(step, ban, name, finding=None):
    step.setdefault("name", name)
    step.update(
        {
            "id": f"{ban['id']}:{step['kind']}:{step['method']}:{step['target']}",
            "ban": ban["id"],
            "platform": "windows",
        }
    )
    step.setdefault("findings", [])
    if finding is not None:
        step["findings"].append(contract.finding_key(finding))
    if step["method"] in SEQUENCE:
        step["sequence"] = SEQUENCE[step["method"]]
    step.setdefault("secrets", [])
    return step


def _add(planned, key, step, finding):
    """Plan a step once per key; a second finding it addresses joins its ``findings``."""
    if key not in planned:
        planned[key] = step
        return
    finding_key = contract.finding_key(finding)
    if finding_key not in planned[key]["findings"]:
        planned[key]["findings"].append(finding_key)


def steps(findings, ban, options=None):
    """Unordered removal and residue steps for one ban's Windows findings; identical targets are planned once.

    A finding that no command can remove (no uninstall string) and a service or
    driver (its product's uninstaller removes it) get a skip item with the
    reason. A step that cannot run as planned (a password that protection
    requires and that was not given) is marked ``blocked`` with the reason.
    """
    options = options or {}
    remove = (ban.get("platforms", {}).get("windows") or {}).get("remove") or {}
    planned, skipped = {}, []
    for finding in findings:
        record = finding["software"]
        if record.get("platform", "windows") != "windows":
            continue
        source = record.get("source", "")
        if source in _REMOVED_WITH_PRODUCT:
            skipped.append(
                {
                    "kind": "skip",
                    "finding": finding,
                    "reason": f"a {source} gets no step: its product's uninstaller removes it, "
                    "and verification reports it if it remains",
                }
            )
            continue
        if source in _RESIDUE_SOURCES:
            step = _residue_step(record, ban)
            if step is None:
                reason = f"the {source} record names no target this ban may remove"
                skipped.append({"kind": "skip", "finding": finding, "reason": reason})
                continue
            _finish(step, ban, record.get("name") or step["target"], finding)
            _add(planned, (step["method"], step["target"].casefold()), step, finding)
            continue
        if source in ("appx", "appx_provisioned"):
            # Removed for every user and deprovisioned, whichever of the two was seen.
            package = record.get("package_name") or str(record.get("identifier") or "").split("_", maxsplit=1)[0]
            for method in ("appx", "appx_provisioned"):
                step = {"kind": "remove", "method": method, "target": package, "exit_codes": dict(DONE_EXIT_CODES)}
                _finish(step, ban, record.get("name") or package, finding)
                _add(planned, (method, package.casefold()), step, finding)
            continue
        parent = _bundle_parent(record, findings)
        if parent:
            reason = f"part of the bundle {parent}, which is removed through its own uninstall entry"
            skipped.append({"kind": "skip", "finding": finding, "reason": reason})
            continue
        rule = _product_rule(remove, record)
        code = _msi_product_code(record)
        step, why_not = _msi_step(ban, code, rule, options, record) if code else _exe_step(record, rule, options)
        if step is None or why_not:
            skipped.append({"kind": "skip", "finding": finding, "reason": why_not})
            continue
        _finish(step, ban, record.get("name") or step["target"], finding)
        _add(planned, (step["method"], step["command_line"].casefold()), step, finding)
    result = sorted(planned.values(), key=lambda step: step["id"])
    tool = _vendor_tool_step(ban, remove, options, [s for s in result if s["method"] in ("msi", "exe")])
    if tool:
        result.append(_finish(tool, ban, tool["name"]))
    return result + skipped


def blocks(ban, findings, current_blocks, options=None):
    """Block steps (the AppLocker policy merged into what is in force) and statuses of rules already present."""
    return _applocker.block_steps(ban, findings, current_blocks or [], options or {})
