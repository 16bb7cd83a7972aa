# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows removal steps: findings of one ban -> the exact commands a Windows host runs.

Everything about Windows removal is decided here, on the controller:

* MSI products are removed by product code with ``msiexec.exe /x {code} /qn
  /norestart /l*v <log>``; a product rule of the catalog (``remove.products``)
  may add a password: Kaspersky Endpoint Security takes ``KLLOGIN``/``KLPASSWD``,
  the Network Agent ``KLUNINSTPASSWD`` as the UTF-16LE hex of the password.
* EXE/NSIS uninstallers run their quiet command and are waited for together
  with the children they re-spawn.
* Store apps are removed for all users and deprovisioned.
* Kaspersky residue (root certificates, ``KasperskyLab`` keys) is cleaned only
  after every product step of the plan succeeded (``depends_on``); services and drivers are
  reported, their product's uninstaller removes them.

A plan never holds a secret. A password appears as a placeholder
``<secret:OPTION>`` (or ``<secret:OPTION:utf16le_hex>``) and the step lists the
option names in ``secrets``; ``secret_values()`` turns the no_log option values
into the substitutions the apply module performs on the target.
"""

from __future__ import annotations

import re

from ansible_collections.interdict.bans.plugins.module_utils import applocker

METHOD_ORDER = {"msi": 50, "exe": 50, "appx": 60, "appx_provisioned": 61, "vendor_tool": 90, "residue": 95}
DEFAULT_LOG_DIR = "C:\\Windows\\Temp\\interdict-bans"
DEFAULT_KES_LOGIN = "KLAdmin"

# Windows Installer exit codes (https://learn.microsoft.com/windows/win32/msi/error-codes).
MSI_SUCCESS_CODES = (0, 1641, 3010)
MSI_REBOOT_CODES = (1641, 3010)  # ERROR_SUCCESS_REBOOT_INITIATED, ERROR_SUCCESS_REBOOT_REQUIRED
MSI_ABSENT_CODES = (1605, 1614)  # ERROR_UNKNOWN_PRODUCT, ERROR_PRODUCT_UNINSTALLED
EXE_SUCCESS_CODES = (0, 1641, 3010)
EXE_REBOOT_CODES = (1641, 3010)
KNOWN_EXIT_CODES = (0, 1602, 1603, 1605, 1614, 1618, 1641, 3010)

# Wine's msiexec reports exit codes modulo 256 (1605 arrives as 69). This is the
# one place that maps them back; only the codes above are mapped, so an unknown
# truncated value stays unknown and fails its step.
WINE_TRUNCATED_EXIT_CODES = {code % 256: code for code in KNOWN_EXIT_CODES if code > 255}

SECRET_PLACEHOLDER = re.compile(r"<secret:([a-z][a-z0-9_]*)(?::(plain|utf16le_hex))?>")
_GUID = r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
_GUID_RE = re.compile(f"^{_GUID}$")
_MSIEXEC_RE = re.compile(rf"^\"?(?:[^\"]*\\)?msiexec(?:\.exe)?\"?\s+/[IiXx]\s*({_GUID})", re.IGNORECASE)
_RESIDUE_SOURCES = ("certificate", "registry_key", "service", "driver")


class PlanInputError(ValueError):
    """Options or findings that cannot be planned; the message says which and where."""


def normalize_exit_code(rc, truncated=False):
    """The real exit code: unchanged, or mapped back when the runner truncates codes to 8 bits (Wine)."""
    rc = int(rc)
    if truncated and 0 <= rc <= 255:
        return WINE_TRUNCATED_EXIT_CODES.get(rc, rc)
    return rc


def classify_exit(step, rc, truncated=False):
    """Outcome of a step's exit code: ok | reboot_pending | absent | failed."""
    rc = normalize_exit_code(rc, truncated)
    if rc in step.get("reboot_codes", ()):
        return "reboot_pending"
    if rc in step.get("absent_codes", ()):
        return "absent"
    if rc in step.get("success_codes", (0,)):
        return "ok"
    return "failed"


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
    """A secret as the installer expects it; ``utf16le_hex`` is Network Agent's KLUNINSTPASSWD form."""
    if encoding == "utf16le_hex":
        return value.encode("utf-16-le").hex().upper()
    return value


def secret_values(steps, provided):
    """Placeholder -> value for every secret the steps' command lines use and ``provided`` holds.

    The values are escaped for the command line, where a placeholder always sits
    inside an MSI property's double quotes: quotes are doubled. The result is
    only ever passed to the apply module as a no_log option.
    """
    values = {}
    for step in steps:
        for match in SECRET_PLACEHOLDER.finditer(step.get("command_line", "")):
            option, encoding = match.group(1), match.group(2) or "plain"
            if provided.get(option):
                values[match.group(0)] = encode_secret(provided[option], encoding).replace('"', '""')
    return values


def substitute_argv(argv, provided):
    """``argv`` with its placeholders replaced by the raw encoded values (for runners that take an argv)."""

    def value(match):
        option = match.group(1)
        if not provided.get(option):
            raise PlanInputError(f"secret option {option} is used by the plan but not set")
        return encode_secret(provided[option], match.group(2) or "plain")

    return [SECRET_PLACEHOLDER.sub(value, argument) for argument in argv]


def _secret_is_set(options, name):
    # Only whether it is set is read here: values never enter a plan.
    return bool(options.get(name)) or name in (options.get("secrets_set") or ())


def _product_rule(remove, record):
    for index, rule in enumerate(remove.get("products", ())):
        if re.fullmatch(rule["name"], str(record.get("name") or "").strip(), re.IGNORECASE):
            return index, rule
    return None, None


def _msi_product_code(record):
    identifier = str(record.get("identifier") or "")
    if _GUID_RE.match(identifier) and (record.get("windows_installer") or not record.get("uninstall_string")):
        return identifier.upper()
    for key in ("uninstall_string", "quiet_uninstall_string"):
        found = _MSIEXEC_RE.match(str(record.get(key) or "").strip())
        if found:
            return found.group(1).upper()
    if _GUID_RE.match(identifier) and record.get("windows_installer"):
        return identifier.upper()
    return None


def _log_path(options, ban_id, target):
    log_dir = options.get("log_dir") or DEFAULT_LOG_DIR
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", target).strip("_")
    return f"{log_dir}\\{ban_id}-{safe}.log"


def _password_arguments(rule, options):
    """MSI properties for a product's password, the secret names, and why the step cannot run (or None)."""
    password = (rule or {}).get("password")
    if not password:
        return [], [], None
    protection = options.get("password_protection", "auto")
    if protection not in ("auto", "on", "off"):
        raise PlanInputError(f"options.password_protection: expected auto, on or off, got {protection!r}")
    option = password["option"]
    if protection == "off":
        return [], [], None
    if not _secret_is_set(options, option):
        if protection == "on":
            return [], [], f"password protection is on and no password was given: set {option}"
        return [], [], None
    arguments = []
    if password.get("login_property"):
        login_option = password.get("login_option")
        login = options.get(login_option) if login_option else None
        arguments.append(msi_property(password["login_property"], login or password.get("login", DEFAULT_KES_LOGIN)))
    encoding = password.get("encoding", "plain")
    placeholder = f"<secret:{option}>" if encoding == "plain" else f"<secret:{option}:{encoding}>"
    arguments.append(f"{password['property']}={placeholder}")
    return arguments, [option], None


def _msi_step(ban, record, code, rule, options):
    target = code
    log = _log_path(options, ban["id"], target)
    extra, secrets, blocked = _password_arguments(rule, options)
    properties = [msi_property(k, str(v)) for k, v in sorted((rule or {}).get("msi_properties", {}).items())]
    argv = ["msiexec.exe", "/x", code, *extra, *properties, "/qn", "/norestart", "/l*v", log]
    step = {
        "method": "msi",
        "target": target,
        "command": argv,
        "command_line": command_line(argv),
        "log": log,
        "success_codes": list(MSI_SUCCESS_CODES),
        "absent_codes": list(MSI_ABSENT_CODES),
        "reboot_codes": list(MSI_REBOOT_CODES),
        "secrets": secrets,
    }
    if rule and rule.get("password") and not secrets:
        # Without the password a protected product fails with 1603; say which option would fix it.
        step["failure_hint"] = f"if password protection is on, set {rule['password']['option']}"
    if blocked:
        step["blocked"] = blocked
    return step


def _exe_step(ban, record, rule, remove):
    quiet = record.get("quiet_uninstall_string")
    if quiet:
        argv = split_command_line(quiet)
    elif record.get("uninstall_string"):
        argv = split_command_line(record["uninstall_string"])
        quiet_args = (rule or {}).get("quiet_args") or remove.get("quiet_args") or ["/S"]
        argv += [arg for arg in quiet_args if arg.casefold() not in {a.casefold() for a in argv[1:]}]
    else:
        return None
    return {
        "method": "exe",
        "target": record.get("identifier") or record.get("name"),
        "command": argv,
        "command_line": command_line(argv),
        "wait_for_children": True,  # NSIS uninstallers re-spawn from %TEMP% and exit at once
        "success_codes": list(EXE_SUCCESS_CODES),
        "absent_codes": [],
        "reboot_codes": list(EXE_REBOOT_CODES),
        "secrets": [],
    }


def _residue_step(record):
    source = record["source"]
    if source == "certificate" and record.get("thumbprint"):
        return {"method": "certificate", "target": record["thumbprint"], "store": record.get("store", "Root")}
    if source == "registry_key" and record.get("path"):
        return {"method": "registry_key", "target": record["path"]}
    return None


def _vendor_tool_step(ban, remove, options, fallback_for):
    tool = remove.get("vendor_tool")
    if not tool:
        return None
    value = options.get(tool["option"])
    if not value:
        return None  # off by default: only a path the user gives is ever run
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or not value.get("path"):
        raise PlanInputError(f"options.{tool['option']}: expected a path or {{path, arguments}}, got {value!r}")
    argv = [value["path"], *[str(arg) for arg in value.get("arguments", tool.get("arguments", []))]]
    return {
        "method": "vendor_tool",
        "target": value["path"],
        "name": f"{ban['title']} vendor removal tool (last resort)",
        "command": argv,
        "command_line": command_line(argv),
        "wait_for_children": True,
        "fallback_for": fallback_for,
        "success_codes": [0],
        "absent_codes": [],
        "reboot_codes": list(EXE_REBOOT_CODES),
        "secrets": [],
    }


def _finish(step, ban, order, name, kind="remove"):
    step.setdefault("name", name)
    step.update(
        {
            "id": f"{ban['id']}:{kind}:{step['method']}:{step['target']}",
            "ban": ban["id"],
            "kind": kind,
            "platform": "windows",
            "order": order,
        }
    )
    step.setdefault("secrets", [])
    return step


def steps(findings, ban, options=None):
    """Removal steps for one ban's Windows findings, ordered; identical targets are planned once.

    A finding that cannot be removed by a command (no uninstall string) still gets
    a step, marked ``blocked`` with the reason, so the report shows it as failed.
    Service and driver residue get no step: their product's uninstaller removes
    them, and verification reports any that remain.
    """
    options = options or {}
    remove = (ban.get("platforms", {}).get("windows") or {}).get("remove") or {}
    default_order = remove.get("default_order", METHOD_ORDER["msi"])
    planned, residue, skipped = {}, [], []
    for finding in findings:
        record = finding["software"]
        if record.get("platform", "windows") != "windows":
            continue
        source = record.get("source", "")
        position, rule = _product_rule(remove, record)
        order = rule.get("order", default_order) if rule else default_order
        if source in _RESIDUE_SOURCES:
            residue.append(finding)
            continue
        if source == "appx" or source == "appx_provisioned":
            package = record.get("package_name") or str(record.get("identifier") or "").split("_", maxsplit=1)[0]
            for method, method_order in (
                ("appx", METHOD_ORDER["appx"]),
                ("appx_provisioned", METHOD_ORDER["appx_provisioned"]),
            ):
                step = {
                    "method": method,
                    "target": package,
                    "success_codes": [0],
                    "absent_codes": [],
                    "reboot_codes": [],
                }
                planned.setdefault(
                    (method, package.casefold()), _finish(step, ban, method_order, record.get("name") or package)
                )
            continue
        code = _msi_product_code(record)
        step = _msi_step(ban, record, code, rule, options) if code else _exe_step(ban, record, rule, remove)
        if step is None:
            skipped.append({"kind": "skip", "finding": finding, "reason": "no uninstall command is recorded for it"})
            continue
        if step["method"] == "exe" and record.get("user"):
            step["user"] = record["user"]
            step["target"] = f"{step['target']}@{record['user']}"
        # Ties keep catalog order: the product rule's position breaks them.
        _finish(step, ban, order, record.get("name") or step["target"])
        step["rule_position"] = position if position is not None else len(remove.get("products", ()))
        step["ordered_by_rule"] = rule is not None
        key = (step["method"], step.get("command_line", step["target"]).casefold())
        planned.setdefault(key, step)
    product_steps = sorted(planned.values(), key=lambda s: (s["order"], s.get("rule_position", 0), s["id"]))
    for step in product_steps:
        step.pop("rule_position", None)
        # Endpoint Security before the Network Agent: a product the catalog orders waits for every
        # earlier product step to succeed; products without a rule wait for nothing.
        earlier = [o["id"] for o in product_steps if o["order"] < step["order"] and o["method"] in ("msi", "exe")]
        if earlier and step.get("ordered_by_rule"):
            step["depends_on"] = earlier
    for step in product_steps:
        step.pop("ordered_by_rule", None)
    result = list(product_steps)
    tool = _vendor_tool_step(ban, remove, options, [s["id"] for s in product_steps if s["method"] in ("msi", "exe")])
    if tool and tool["fallback_for"]:
        result.append(_finish(tool, ban, METHOD_ORDER["vendor_tool"], tool["name"]))
    for finding in residue:
        record = finding["software"]
        step = _residue_step(record)
        if step is None:
            continue
        step.update({"success_codes": [0], "absent_codes": [], "reboot_codes": []})
        # Residue goes only once every product step succeeded: never pull keys from under a running product.
        step["depends_on"] = [s["id"] for s in product_steps]
        result.append(_finish(step, ban, METHOD_ORDER["residue"], record.get("name") or step["target"]))
    return _dedupe(result) + skipped


def _dedupe(step_list):
    seen, out = set(), []
    for step in step_list:
        if step["id"] in seen:
            continue
        seen.add(step["id"])
        out.append(step)
    return out


def blocks(ban, findings, current_blocks, options=None):
    """Block steps (the AppLocker policy merged into what is in force) and statuses of rules already present."""
    return applocker.block_steps(ban, findings, current_blocks or [], options or {})
