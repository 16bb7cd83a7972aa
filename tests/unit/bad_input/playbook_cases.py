# ruff: noqa: E501 - the corpus keeps each expected error on one line, as it is printed
"""Bad role variables and module options, each given to a real ``ansible-playbook --check`` run against localhost.

``ROLE_CASES``: ``(id, role, variables, expected error)``; ``MODULE_CASES``: ``(id, module, options,
expected error)``. The error is the failed task's ``argument_errors`` when an argument spec refused
the value, else its ``msg``. An expected text is exact (ansible-core 2.19 may put its own "Task
failed: ... failed: " in front of it); a tuple lists the parts of a message ansible-core itself
writes, which differ between 2.16 and 2.19 (``<class 'float'>`` or ``float``).
"""

EXCEPTION = {"hosts": "web01", "approver": "CISO", "reason": "lab", "expires": "2026-12-31"}
K = "interdict.bans.kaspersky"
E = "interdict.bans.engine"


# Role variables are checked once per play by audit_policy, with the planner's own messages.
RP = ""


def exceptions(**changes):
    return [{key: value for key, value in dict(EXCEPTION, **changes).items() if value is not None}]


ROLE_CASES = [
    (
        "role: mode bogus",
        K,
        {"kaspersky_mode": "bogus"},
        "value of kaspersky_mode must be one of: audit, enforce, got: bogus",
    ),
    (
        "role: max_removals true",
        K,
        {"kaspersky_max_removals": True},
        RP + "max_removals: expected a whole number >= 0, got True",
    ),
    (
        "role: max_removals 0.9",
        K,
        {"kaspersky_max_removals": 0.9},
        ("kaspersky_max_removals", "float", "unable to convert to int"),
    ),
    (
        "role: max_removals -1",
        K,
        {"kaspersky_max_removals": -1},
        RP + "max_removals: expected a whole number >= 0, got -1",
    ),
    (
        "role: max_removals a word",
        K,
        {"kaspersky_max_removals": "many"},
        ("kaspersky_max_removals", "str", "unable to convert to int"),
    ),
    (
        "role: exceptions a string",
        K,
        {"kaspersky_exceptions": "web01"},
        ("kaspersky_exceptions", "unable to convert to dict"),
    ),
    (
        "role: exceptions a list of strings",
        K,
        {"kaspersky_exceptions": ["web01"]},
        ("kaspersky_exceptions", "unable to convert to dict"),
    ),
    (
        "role: exception without approver",
        K,
        {"kaspersky_exceptions": exceptions(approver="")},
        RP + "exceptions[0]: missing 'approver' (every exception needs hosts or where, approver, reason, expires)",
    ),
    (
        "role: exception expires someday",
        K,
        {"kaspersky_exceptions": exceptions(expires="someday")},
        RP + "exceptions[0].expires: expected a date YYYY-MM-DD, got 'someday'",
    ),
    (
        "role: exception for an unknown ban",
        K,
        {"kaspersky_exceptions": exceptions(bans=["kaspersk"])},
        RP + "exceptions[0].bans[0]: unknown ban 'kaspersk' (known bans: kaspersky, tiktok, wechat)",
    ),
    (
        "role: exception with an unknown key",
        K,
        {"kaspersky_exceptions": exceptions(until="2026-12-31")},
        # The role's argument spec knows an exception's keys (ansible-core's wording differs between versions).
        ("kaspersky_exceptions.until", "allow_wide, approver, bans, expires, hosts, note, reason, ticket, where"),
    ),
    (
        "role: exception for every host",
        K,
        {"kaspersky_exceptions": exceptions(hosts="*")},
        RP
        + "exceptions[0]: covers every host; such an exception needs allow_wide: true (it is then flagged in the report)",
    ),
    (
        "role: exception reason with a newline",
        K,
        {"kaspersky_exceptions": exceptions(reason="a\nb")},
        RP + "exceptions[0].reason: longer than 1000 characters or holds a control character",
    ),
    (
        "role: report dir with a newline",
        K,
        {"kaspersky_report_dir": "interdict\nreport"},
        "report_dir: expected a folder path on one line, got 'interdict\\nreport'",
    ),
    (
        "role: report dir a list",
        K,
        {"kaspersky_report_dir": ["report"]},
        "report_dir: expected a folder path on one line, got list",
    ),
    (
        "role: blocks maybe",
        K,
        {"kaspersky_blocks": "maybe"},
        ("kaspersky_blocks", "unable to convert to bool", "The value 'maybe' is not a valid boolean"),
    ),
    (
        "role: target amiga",
        K,
        {"kaspersky_target": "amiga"},
        "value of kaspersky_target must be one of: auto, posix, windows, mdm, got: amiga",
    ),
    (
        "role: allow_reboot perhaps",
        K,
        {"kaspersky_allow_reboot": "perhaps"},
        ("kaspersky_allow_reboot", "unable to convert to bool", "The value 'perhaps' is not a valid boolean"),
    ),
    (
        "role: protected an empty name",
        K,
        {"kaspersky_protected": [""]},
        RP + "protected[0]: expected a non-empty string, got ''",
    ),
    (
        "role: protected with a newline",
        K,
        {"kaspersky_protected": ["kesl\n*"]},
        RP + "protected[0]: longer than 255 characters or holds a control character",
    ),
    ("role: options a word", K, {"kaspersky_options": "fast"}, ("kaspersky_options", "unable to convert to dict")),
    (
        "role: options lock_timeout -5",
        K,
        {"kaspersky_options": {"lock_timeout": -5}},
        RP + "options.lock_timeout: expected seconds from 0 to 3600, got -5",
    ),
    (
        "role: options exception term 0",
        K,
        {"kaspersky_options": {"exception_max_term_days": 0}},
        RP + "options.exception_max_term_days: expected a whole number of days from 1 to 3650, got '0'",
    ),
    (
        "role: options wide scope bogus",
        K,
        {"kaspersky_options": {"exception_wide_scope": "bogus"}},
        RP + "options.exception_wide_scope: expected one of every_host, any_wildcard, got 'bogus'",
    ),
    (
        "role: options hold a setting the role has a variable for",
        K,
        {"kaspersky_options": {"kaspersky_removal_tool": "C:\\Tools\\kavremvr.exe"}},
        "kaspersky_options.kaspersky_removal_tool: set the role variable kaspersky_removal_tool instead",
    ),
    (
        "role: ban_paths missing file",
        K,
        {"kaspersky_ban_paths": ["/nonexistent/ban.yml"]},
        "/nonexistent/ban.yml: no such ban file or directory",
    ),
    ("role: intune a string", K, {"kaspersky_intune": "tenant"}, ("kaspersky_intune", "unable to convert to dict")),
    (
        "engine: unknown ban name",
        E,
        {"engine_bans": ["kaspersk"]},
        "unknown ban 'kaspersk': known bans are kaspersky, tiktok, wechat",
    ),
    ("engine: bans a number", E, {"engine_bans": [1]}, "bans[0]: expected a ban id (string), got int"),
    (
        "engine: today tomorrow",
        E,
        {"engine_bans": ["kaspersky"], "engine_today": "tomorrow"},
        RP + "now: expected a date YYYY-MM-DD, got 'tomorrow'",
    ),
    (
        "engine: mode enforce typo",
        E,
        {"engine_bans": ["kaspersky"], "engine_mode": "enforced"},
        "value of engine_mode must be one of: audit, enforce, got: enforced",
    ),
]


A = "interdict.bans.software_apply"
F = "interdict.bans.fleet_report"
S = "interdict.bans.software_facts"
INV = "interdict.bans.intune_app_inventory"
UNI = "interdict.bans.intune_app_uninstall"
BLK = "interdict.bans.intune_app_block"
# Never a real tenant: a case that got past its check would fail at once on a closed local port.
TENANT = {
    "tenant_id": "t",
    "client_id": "c",
    "client_secret": "not-a-real-secret-7f3a",
    "login_url": "http://127.0.0.1:9",
    "graph_url": "http://127.0.0.1:9",
}
BAN = {"id": "x", "title": "X", "platforms": {}}


def step(**fields):
    return [dict({"id": "kaspersky:remove:dpkg:kesl"}, **fields)]


MODULE_CASES = [
    ("software_apply: no steps", A, {}, "steps: required, the steps of a plan from interdict.bans.removal_plan"),
    (
        "software_apply: steps a string",
        A,
        {"steps": "rm -rf /"},
        "steps: expected a list of plan steps, each a mapping with an 'id'",
    ),
    (
        "software_apply: a step without id",
        A,
        {"steps": [{"command": ["true"]}]},
        "steps: expected a list of plan steps, each a mapping with an 'id'",
    ),
    (
        "software_apply: a step that does nothing",
        A,
        {"steps": step()},
        "steps[0]: nothing to do (a step needs a command, or a path with content, values or lines)",
    ),
    (
        "software_apply: a command as one string",
        A,
        {"steps": step(command="rm -rf /")},
        "steps[0].command: expected a list of arguments, each text without NUL",
    ),
    (
        "software_apply: a command with a number",
        A,
        {"steps": step(command=["sleep", 5])},
        "steps[0].command: expected a list of arguments, each text without NUL",
    ),
    (
        "software_apply: an empty command",
        A,
        {"steps": step(command=[])},
        "steps[0].command: expected a list of arguments, each text without NUL",
    ),
    (
        "software_apply: environment a string",
        A,
        {"steps": step(command=["true"], environment="PATH=/tmp")},
        "steps[0].environment: expected a mapping of variable names to text",
    ),
    (
        "software_apply: environment with a newline name",
        A,
        {"steps": step(command=["true"], environment={"A\nB": "1"})},
        "steps[0].environment: expected a mapping of variable names to text",
    ),
    (
        "software_apply: an id with a newline",
        A,
        {"steps": step(id="a\nb", command=["true"])},
        "steps[0].id: expected a step id (text on one line)",
    ),
    (
        "software_apply: a relative path",
        A,
        {"steps": step(path="etc/apt/preferences.d/x", content="x")},
        "steps[0].path: expected an absolute path on one line",
    ),
    (
        "software_apply: a path with a newline",
        A,
        {"steps": step(path="/etc/x\n", content="x")},
        "steps[0].path: expected an absolute path on one line",
    ),
    (
        "software_apply: content a number",
        A,
        {"steps": step(path="/etc/x", content=5)},
        "steps[0].content: expected text",
    ),
    (
        "software_apply: values a string",
        A,
        {"steps": step(path="/etc/dnf/dnf.conf", option="excludepkgs", values="kesl")},
        "steps[0].values: expected a list of text values",
    ),
    (
        "software_apply: locks a string",
        A,
        {"steps": step(command=["true"], locks="/var/lib/dpkg/lock")},
        "steps[0].locks: expected a list of mappings",
    ),
    (
        "software_apply: retry a number",
        A,
        {"steps": step(command=["true"], retry=3)},
        "steps[0].retry: expected a mapping",
    ),
    (
        "software_apply: an unknown option",
        A,
        {"steps": [], "force": True},
        "Invalid options for interdict.bans.software_apply: force",
    ),
    (
        "software_apply: fail_on_step_failure maybe",
        A,
        {"steps": step(command=["true"]), "fail_on_step_failure": "maybe"},
        "fail_on_step_failure: expected true or false, got 'maybe'",
    ),
    (
        "software_facts: an unknown option",
        S,
        {"bogus": 1},
        ("Unsupported parameters for (interdict.bans.software_facts) module: bogus", "root, sources"),
    ),
    (
        "software_facts: an unknown source",
        S,
        {"sources": ["dpkg", "floppy"]},
        ("value of sources must be one or more of: dpkg, rpm, flatpak, snap, app_bundle, pkgutil", "floppy"),
    ),
    (
        "software_facts: root not a folder",
        S,
        {"root": "/nonexistent/root"},
        "root: /nonexistent/root is not a directory",
    ),
    (
        "software_facts: sources a mapping",
        S,
        {"sources": {"dpkg": True}},
        ("sources", "dict", "unable to convert to list"),
    ),
    (
        "fleet_report: a blank report_dir",
        F,
        {"report_dir": "   ", "host_results": []},
        "report_dir: expected a folder path on one line, got '   '",
    ),
    (
        "fleet_report: report_dir with a newline",
        F,
        {"report_dir": "a\nb"},
        "report_dir: expected a folder path on one line, got 'a\\nb'",
    ),
    (
        "fleet_report: report_dir a number",
        F,
        {"report_dir": 5},
        "report_dir: expected a folder path on one line, got int",
    ),
    (
        "fleet_report: a result without status",
        F,
        {"report_dir": "report", "host_results": [{"host": "web01"}], "render": False},
        "host_results[0]: not a host result (needs 'host' and a known 'status')",
    ),
    (
        "fleet_report: host_results a string",
        F,
        {"report_dir": "report", "host_results": "web01", "render": False},
        ("host_results", "unable to convert to dict"),
    ),
    (
        "fleet_report: an unknown option",
        F,
        {"report_dir": "report", "bogus": 1},
        ("Unsupported parameters for", "fleet_report) module: bogus"),
    ),
    (
        "fleet_report: render maybe",
        F,
        {"report_dir": "report", "render": "maybe"},
        ("render", "unable to convert to bool", "The value 'maybe' is not a valid boolean"),
    ),
    (
        "intune_app_inventory: no credentials",
        INV,
        {"bans": [BAN]},
        "missing required arguments: client_id, client_secret, tenant_id",
    ),
    ("intune_app_inventory: bans missing", INV, dict(TENANT), "missing required arguments: bans"),
    (
        "intune_app_inventory: a malformed ban",
        INV,
        dict(TENANT, bans=[{"id": "x"}]),
        "bans[0]: ban 'x': (top level): missing required field 'title'",
    ),
    (
        "intune_app_inventory: an unknown platform",
        INV,
        dict(TENANT, bans=[BAN], platforms=["amiga"]),
        ("value of platforms must be one or more of: ios, android, windows, macos", "amiga"),
    ),
    (
        "intune_app_inventory: an unknown method",
        INV,
        dict(TENANT, bans=[BAN], method="scrape"),
        "value of method must be one of: export, detected_apps, got: scrape",
    ),
    (
        "intune_app_inventory: request_timeout soon",
        INV,
        dict(TENANT, bans=[BAN], request_timeout="soon"),
        ("request_timeout", "unable to convert to int"),
    ),
    (
        "intune_app_uninstall: an unknown intent",
        UNI,
        dict(TENANT, bans=[BAN], remove_intents=["everything"]),
        (
            "value of remove_intents must be one or more of: required, available, availableWithoutEnrollment",
            "everything",
        ),
    ),
    (
        "intune_app_uninstall: assignments a string",
        UNI,
        dict(TENANT, bans=[BAN], assignments="all"),
        ("assignments", "unable to convert to dict"),
    ),
    (
        "intune_app_uninstall: an unknown option",
        UNI,
        dict(TENANT, bans=[BAN], wipe=True),
        ("Unsupported parameters for (interdict.bans.intune_app_uninstall) module: wipe",),
    ),
    (
        "intune_app_block: an unknown list",
        BLK,
        dict(TENANT, bans=[BAN], ios_lists=["banned"]),
        ("value of ios_lists must be one or more of: hidden, prohibited", "banned"),
    ),
    (
        "intune_app_block: a windows platform",
        BLK,
        dict(TENANT, bans=[BAN], platforms=["windows"]),
        ("value of platforms must be one or more of: ios, android", "windows"),
    ),
]
