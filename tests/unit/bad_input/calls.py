# ruff: noqa: E501 - the corpus keeps each expected error on one line, as it is printed
"""Bad calls of the public entry points (lookup and filters), each with its exact error or safe outcome.

``CALLS``: ``(id, entry point, args, kwargs, expected error)``; ``{BANS}`` in args stands for the bundled
bans from the catalog lookup and ``{FINDINGS}`` for findings of a Kaspersky package on a Linux host.
``SAFE_CALLS``: ``(id, entry point, args, kwargs, check)`` where ``check(result)`` is the documented outcome.
"""

BANS = "{BANS}"
FINDINGS = "{FINDINGS}"
PLAN = "{PLAN}"
OK_EXCEPTION = {"hosts": "web01", "approver": "CISO", "reason": "lab", "expires": "2026-12-31"}
RP = "removal_plan: "
HR = "host_result: "


def exception(**changes):
    entry = dict(OK_EXCEPTION, **changes)
    return [{key: value for key, value in entry.items() if value is not KeyError}]


# Host and software names that try to end a script block, add markup, break quoting or lines, or reverse text.
HOSTILE_NAMES = (
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\"' onmouseover=alert(3) x='",
    "line\nbreak\r\u2028sep",
    "evil\u202eexe.txt",
    "<!--",
    "]]><svg onload=alert(4)>",
    '=HYPERLINK("http://x")',
)


def hostile_results():
    """Host results whose every host-supplied text is hostile: names, findings, reasons, actions, exceptions."""
    results = []
    for index, name in enumerate(HOSTILE_NAMES):
        finding = {
            "ban": "kaspersky",
            "software": {"name": name, "identifier": name, "platform": "linux", "source": "dpkg"},
            "rule": {"kind": "identifier", "value": name},
        }
        results.append(
            {
                "host": name,
                "status": "non_compliant",
                "reason": f"banned software found: {name}",
                "per_ban": {"kaspersky": "non_compliant"},
                "bans": ["kaspersky"],
                "platform": ["linux", name][index % 2],
                "mdm": {"provider": name, "ownership": "personal"},
                "timestamp": name,
                "run_id": name,
                "ban_info": {
                    "kaspersky": {
                        "title": name,
                        "authorities": [{"name": name, "date": name, "reference": name, "url": "javascript:alert(5)"}],
                    }
                },
                "findings": [finding],
                "actions": [{"step": name, "outcome": "planned", "what": name, "msg": name}],
                "blocks": [{"ban": "kaspersky", "method": name, "state": name, "note": name}],
                "exceptions": [
                    {
                        "hosts": [name],
                        "bans": [name],
                        "approver": name,
                        "reason": name,
                        "expires": name,
                        "state": "active",
                    }
                ],
            }
        )
    return results


def _page_is_inert(page):
    """No host text became markup or script: three script blocks (two JSON, the page's), nothing raw inside."""
    import json
    import re

    blocks = re.findall(r'<script type="application/json" id="[a-z-]+">(.*?)</script>', page, flags=re.S)
    body = page.split("<body>", 1)[1]
    return (
        page.count("<script") == 3
        and len(blocks) == 2
        and all("<" not in block and ">" not in block for block in blocks)
        and "<img" not in page
        and "<svg onload" not in page
        and "<!--" not in page
        and "javascript:" not in page
        and "' onmouseover" not in re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
        and "\u202e" not in page
        and "\u2028" not in page
        and "\r" not in body
        and {row[0] for row in json.loads(blocks[1])["rows"]}
        == {
            name.replace("\n", "\\x0a").replace("\r", "\\x0d").replace("\u2028", "\\u2028").replace("\u202e", "\\u202e")
            for name in HOSTILE_NAMES
        }
    )


def _csv_is_neutral(text):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    return (
        len(rows) == len(HOSTILE_NAMES) + 1
        and all(cell[:1] not in ("=", "+", "-", "@") for row in rows[1:] for cell in row)
        and "\u202e" not in text
        and "\r" not in text
        and text.count("\n") == len(rows)
    )


def plan_with(**changes):
    return {"{PLAN}": changes}


CALLS = [
    # the catalog lookup
    ("lookup: a number as ban id", "lookup", ([1],), {}, "catalog: terms[0]: expected a ban id (string), got int"),
    (
        "lookup: a mapping as ban id",
        "lookup",
        ([{"id": "x"}],),
        {},
        "catalog: terms[0]: expected a ban id (string), got dict",
    ),
    ("lookup: an empty ban id", "lookup", ([""],), {}, "catalog: terms[0]: expected a ban id (string), got str"),
    (
        "lookup: unknown ban id",
        "lookup",
        (["kaspersk"],),
        {},
        "unknown ban 'kaspersk': known bans are kaspersky, tiktok, wechat",
    ),
    (
        "lookup: unknown option",
        "lookup",
        ([],),
        {"ban_path": ["x"]},
        "catalog: unknown option 'ban_path' (the only option is ban_paths)",
    ),
    (
        "lookup: ban_paths a number",
        "lookup",
        ([],),
        {"ban_paths": 5},
        "catalog: ban_paths: expected a list of paths, got int",
    ),
    (
        "lookup: ban_paths a mapping",
        "lookup",
        ([],),
        {"ban_paths": {"a": 1}},
        "catalog: ban_paths: expected a list of paths, got dict",
    ),
    (
        "lookup: a null ban path",
        "lookup",
        ([],),
        {"ban_paths": [None]},
        "catalog: ban_paths[0]: expected a file or folder path",
    ),
    (
        "lookup: a number as ban path",
        "lookup",
        ([],),
        {"ban_paths": [5]},
        "catalog: ban_paths[0]: expected a file or folder path",
    ),
    (
        "lookup: a list as ban path",
        "lookup",
        ([],),
        {"ban_paths": [["x"]]},
        "catalog: ban_paths[0]: expected a file or folder path",
    ),
    (
        "lookup: a NUL in a ban path",
        "lookup",
        ([],),
        {"ban_paths": ["\x00x"]},
        "catalog: ban_paths[0]: expected a file or folder path",
    ),
    (
        "lookup: missing ban path",
        "lookup",
        ([],),
        {"ban_paths": ["/nonexistent/ban.yml"]},
        "/nonexistent/ban.yml: no such ban file or directory",
    ),
    (
        "lookup: /dev/zero as ban path",
        "lookup",
        ([],),
        {"ban_paths": ["/dev/zero"]},
        "/dev/zero: not a ban file: a character device, not a regular file",
    ),
    (
        "lookup: /dev/null as ban path",
        "lookup",
        ([],),
        {"ban_paths": ["/dev/null"]},
        "/dev/null: not a ban file: a character device, not a regular file",
    ),
    # the match filter
    (
        "match: a string as records",
        "match",
        ("WeChat", BANS),
        {},
        "match: the input must be a list of software records (dictionaries)",
    ),
    (
        "match: a record that is a string",
        "match",
        (["WeChat"], BANS),
        {},
        "match: records[0]: expected a software record (a mapping)",
    ),
    (
        "match: a name that is a list",
        "match",
        ([{"name": ["WeChat"], "platform": "ios"}], BANS),
        {},
        "match: records[0].name: expected a string, got list",
    ),
    (
        "match: a platform that is a mapping",
        "match",
        ([{"name": "x", "platform": {"os": "ios"}}], BANS),
        {},
        "match: records[0].platform: expected a string, got dict",
    ),
    (
        "match: a publisher that is true",
        "match",
        ([{"name": "x", "platform": "windows", "publisher": True}], BANS),
        {},
        "match: records[0].publisher: expected a string, got bool",
    ),
    (
        "match: an identifier that is a list",
        "match",
        ([{"identifier": ["kesl"], "platform": "linux"}], BANS),
        {},
        "match: records[0].identifier: expected a string, got list",
    ),
    (
        "match: bans a string",
        "match",
        ([], "kaspersky"),
        {},
        "match: bans must be a list of ban definitions from the interdict.bans.catalog lookup",
    ),
    (
        "match: no bans",
        "match",
        ([], []),
        {},
        "match: bans must be a list of ban definitions from the interdict.bans.catalog lookup",
    ),
    (
        "match: a ban without platforms",
        "match",
        ([], [{"id": "x"}]),
        {},
        "match: bans[0]: ban 'x': (top level): missing required field 'title'",
    ),
    (
        "match: a ban that is a string",
        "match",
        ([], ["kaspersky"]),
        {},
        "match: bans[0]: ban (no id): (top level): expected a mapping, got a string",
    ),
    (
        "match: a hand-made ban with a backtracking pattern",
        "match",
        (
            [],
            [
                {
                    "id": "x",
                    "title": "x",
                    "description": "x",
                    "authorities": [{"name": "a", "date": "2025-01-01", "reference": "r"}],
                    "platforms": {"ios": {"names": [{"pattern": "(a+)+$", "source": "s"}]}},
                }
            ],
        ),
        {},
        "match: bans[0]: ban 'x': platforms.ios.names[0].pattern: a repeat inside a repeat, like (a+)+ or (a*\\s?)*, can take exponential time",
    ),
    # removal_plan: findings and bans
    (
        "plan: a string as findings",
        "removal_plan",
        ("kesl", BANS),
        {},
        RP + "the input must be the list of findings from the match filter",
    ),
    (
        "plan: a finding that is a number",
        "removal_plan",
        ([1], BANS),
        {},
        RP + "findings[0]: expected a mapping, got int",
    ),
    (
        "plan: a finding without ban",
        "removal_plan",
        ([{"software": {}, "rule": {}}], BANS),
        {},
        RP + "findings[0].ban: expected a string",
    ),
    (
        "plan: a finding whose software is a string",
        "removal_plan",
        ([{"ban": "kaspersky", "software": "kesl", "rule": {}}], BANS),
        {},
        RP + "findings[0].software: expected a mapping",
    ),
    (
        "plan: a finding without rule",
        "removal_plan",
        ([{"ban": "kaspersky", "software": {}}], BANS),
        {},
        RP + "findings[0].rule: expected a mapping",
    ),
    (
        "plan: bans a mapping",
        "removal_plan",
        ([], {"id": "kaspersky"}),
        {},
        RP + "bans must be a list of ban definitions from the interdict.bans.catalog lookup",
    ),
    (
        "plan: a ban without id",
        "removal_plan",
        ([], [{"title": "no id"}]),
        {},
        RP + "bans[0]: ban (no id): (top level): missing required field 'id'",
    ),
    # removal_plan: max_removals
    (
        "plan: max_removals true",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": True},
        RP + "max_removals: expected a whole number >= 0, got True",
    ),
    (
        "plan: max_removals 0.9",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": 0.9},
        RP + "max_removals: expected a whole number >= 0, got 0.9",
    ),
    (
        "plan: max_removals 2.0",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": 2.0},
        RP + "max_removals: expected a whole number >= 0, got 2.0",
    ),
    (
        "plan: max_removals -1",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": -1},
        RP + "max_removals: expected a whole number >= 0, got -1",
    ),
    (
        "plan: max_removals 'many'",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": "many"},
        RP + "max_removals: expected a whole number >= 0, got str",
    ),
    (
        "plan: max_removals a list",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": [1]},
        RP + "max_removals: expected a whole number >= 0, got list",
    ),
    (
        "plan: max_removals '-3'",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": "-3"},
        RP + "max_removals: expected a whole number >= 0, got -3",
    ),
    # removal_plan: exceptions
    (
        "plan: exceptions a mapping",
        "removal_plan",
        ([], BANS),
        {"exceptions": OK_EXCEPTION},
        RP + "exceptions: expected a list, got dict",
    ),
    (
        "plan: an exception that is a string",
        "removal_plan",
        ([], BANS),
        {"exceptions": ["web01"]},
        RP + "exceptions[0]: expected a mapping, got str",
    ),
    (
        "plan: an exception with an unknown key",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(until="2026-12-31")},
        RP
        + "exceptions[0]: unknown key 'until' (allowed: allow_wide, approver, bans, expires, hosts, note, reason, ticket, where)",
    ),
    (
        "plan: an exception without approver",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(approver=KeyError)},
        RP + "exceptions[0]: missing 'approver' (every exception needs hosts or where, approver, reason, expires)",
    ),
    (
        "plan: a blank approver",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(approver="   ")},
        RP + "exceptions[0].approver: must not be blank",
    ),
    (
        "plan: a blank reason",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(reason="\t")},
        RP + "exceptions[0].reason: must not be blank",
    ),
    (
        "plan: an approver that is a list",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(approver=["CISO"])},
        RP + "exceptions[0].approver: expected a string, got list",
    ),
    (
        "plan: a newline in the reason",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(reason="lab\nforged: line")},
        RP + "exceptions[0].reason: longer than 1000 characters or holds a control character",
    ),
    (
        "plan: a ticket that is a number",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(ticket=123)},
        RP + "exceptions[0].ticket: expected a string, got int",
    ),
    (
        "plan: an expiry in words",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(expires="next year")},
        RP + "exceptions[0].expires: expected a date YYYY-MM-DD, got 'next year'",
    ),
    (
        "plan: an expiry that is not a day",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(expires="2026-02-30")},
        RP + "exceptions[0].expires: not a real date: '2026-02-30'",
    ),
    (
        "plan: no hosts",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(hosts=[])},
        RP
        + "exceptions[0]: missing 'hosts' or 'where' (every exception needs hosts or where, approver, reason, expires)",
    ),
    (
        "plan: an empty host pattern",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(hosts=[""])},
        RP + "exceptions[0].hosts: expected a non-empty string or list of strings, got ['']",
    ),
    (
        "plan: a newline in a host pattern",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(hosts=["web01\n*"])},
        RP + "exceptions[0].hosts[0]: longer than 255 characters or holds a control character",
    ),
    (
        "plan: an unknown ban in an exception",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(bans=["kaspersk"])},
        RP + "exceptions[0].bans[0]: unknown ban 'kaspersk' (known bans: kaspersky, tiktok, wechat)",
    ),
    (
        "plan: every host without allow_wide",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(hosts="*"), "now": "2026-11-29"},
        RP
        + "exceptions[0]: covers every host; such an exception needs allow_wide: true (it is then flagged in the report)",
    ),
    (
        "plan: every host by wildcards",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(hosts=["web*", "?*"]), "now": "2026-11-29"},
        RP
        + "exceptions[0]: covers every host; such an exception needs allow_wide: true (it is then flagged in the report)",
    ),
    (
        "plan: until 9999 without allow_wide",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(expires="9999-12-31"), "now": "2026-11-29"},
        RP
        + "exceptions[0]: covers longer than 365 days; such an exception needs allow_wide: true (it is then flagged in the report)",
    ),
    (
        "plan: fleet-wide until 9999",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(hosts="*", expires="9999-12-31"), "now": "2026-11-29"},
        RP
        + "exceptions[0]: covers every host and longer than 365 days; such an exception needs allow_wide: true (it is then flagged in the report)",
    ),
    (
        "plan: an unknown ban among known ones",
        "removal_plan",
        ([], "{KASPERSKY}"),
        {"exceptions": exception(bans=["wechat", "deepseek"])},
        RP + "exceptions[0].bans[1]: unknown ban 'deepseek' (known bans: kaspersky, tiktok, wechat)",
    ),
    (
        "plan: allow_wide as a string",
        "removal_plan",
        ([], BANS),
        {"exceptions": exception(allow_wide="yes")},
        RP + "exceptions[0].allow_wide: expected true or false, got str",
    ),
    # removal_plan: other arguments
    (
        "plan: protected a string",
        "removal_plan",
        ([], BANS),
        {"protected": "kesl"},
        RP + "protected: expected a list of identifiers or name patterns, got str",
    ),
    (
        "plan: a blank protected entry",
        "removal_plan",
        ([], BANS),
        {"protected": [" "]},
        RP + "protected[0]: expected a non-empty string, got ' '",
    ),
    (
        "plan: a protected entry that is a number",
        "removal_plan",
        ([], BANS),
        {"protected": [7]},
        RP + "protected[0]: expected a non-empty string, got '7'",
    ),
    (
        "plan: a newline in a protected entry",
        "removal_plan",
        ([], BANS),
        {"protected": ["kesl\n*"]},
        RP + "protected[0]: longer than 255 characters or holds a control character",
    ),
    (
        "plan: mode destroy",
        "removal_plan",
        ([], BANS),
        {"mode": "destroy"},
        RP + "mode: expected one of audit, enforce, got 'destroy'",
    ),
    ("plan: mode a list", "removal_plan", ([], BANS), {"mode": ["enforce"]}, RP + "mode: expected a string, got list"),
    ("plan: empty mode", "removal_plan", ([], BANS), {"mode": ""}, RP + "mode: must not be empty"),
    (
        "plan: a newline in the host",
        "removal_plan",
        ([], BANS),
        {"host": "web01\nweb02"},
        RP + "host: longer than 255 characters or holds a control character",
    ),
    (
        "plan: a host of 300 characters",
        "removal_plan",
        ([], BANS),
        {"host": "h" * 300},
        RP + "host: longer than 255 characters or holds a control character",
    ),
    (
        "plan: a host that is a mapping",
        "removal_plan",
        ([], BANS),
        {"host": {"name": "web01"}},
        RP + "host: expected a string, got dict",
    ),
    (
        "plan: blocks 'maybe'",
        "removal_plan",
        ([], BANS),
        {"blocks": "maybe"},
        RP + "blocks: expected true or false, got 'maybe'",
    ),
    (
        "plan: allow_reboot 2",
        "removal_plan",
        ([], BANS),
        {"allow_reboot": 2},
        RP + "allow_reboot: expected true or false, got '2'",
    ),
    (
        "plan: options a list",
        "removal_plan",
        ([], BANS),
        {"options": ["log_dir"]},
        RP + "options: expected a mapping, got list",
    ),
    (
        "plan: secrets a string",
        "removal_plan",
        ([], BANS),
        {"secrets": "hunter2"},
        RP + "secrets must be a mapping of secret name to value",
    ),
    (
        "plan: sources a number",
        "removal_plan",
        ([], BANS),
        {"sources": 5},
        RP + "sources: expected the facts' evidence, got int",
    ),
    (
        "plan: now in words",
        "removal_plan",
        ([], BANS),
        {"now": "tomorrow", "exceptions": exception()},
        RP + "now: expected a date YYYY-MM-DD, got 'tomorrow'",
    ),
    (
        "plan: platform a number",
        "removal_plan",
        ([], BANS),
        {"platform": 7},
        RP + "platform: expected a string, got int",
    ),
    (
        "plan: a newline in package_manager",
        "removal_plan",
        ([], BANS),
        {"package_manager": "apt\nrm"},
        RP + "package_manager: longer than 255 characters or holds a control character",
    ),
    # host_result
    (
        "result: a string as plan",
        "host_result",
        ("not a plan", "h"),
        {},
        HR + "the input must be a plan from removal_plan (or none when facts failed)",
    ),
    ("result: no host", "host_result", (None, ""), {}, HR + "host: must not be empty"),
    ("result: a host that is a list", "host_result", (None, ["h"]), {}, HR + "host: expected a string, got list"),
    ("result: steps a string", "host_result", ({"steps": "s1"}, "h"), {}, HR + "plan.steps: expected a list, got str"),
    (
        "result: a step that is a number",
        "host_result",
        ({"steps": [1]}, "h"),
        {},
        HR + "plan.steps[0]: expected a mapping, got int",
    ),
    (
        "result: a step without id",
        "host_result",
        ({"steps": [{"kind": "remove"}]}, "h"),
        {},
        HR + "plan.steps[0].id: expected a string",
    ),
    (
        "result: a finding without software",
        "host_result",
        ({"findings": [{"ban": "kaspersky", "rule": {}}]}, "h"),
        {},
        HR + "plan.findings[0].software: expected a mapping",
    ),
    (
        "result: blocks a mapping",
        "host_result",
        ({"blocks": {"a": 1}}, "h"),
        {},
        HR + "plan.blocks: expected a list, got dict",
    ),
    (
        "result: actions a string",
        "host_result",
        (PLAN, "h"),
        {"actions": "ok"},
        HR + "actions: expected a list, got str",
    ),
    (
        "result: an action without outcome",
        "host_result",
        (PLAN, "h"),
        {"actions": [{"step": "s1"}]},
        HR + "actions[0].outcome: expected a string",
    ),
    (
        "result: an action step that is a number",
        "host_result",
        (PLAN, "h"),
        {"actions": [{"step": 1, "outcome": "ok"}]},
        HR + "actions[0].step: expected a string",
    ),
    (
        "result: remaining a string",
        "host_result",
        (PLAN, "h"),
        {"remaining": "kesl"},
        HR + "remaining: expected a list, got str",
    ),
    (
        "result: verified 'maybe'",
        "host_result",
        (PLAN, "h"),
        {"verified": "maybe"},
        HR + "verified: expected true or false, got 'maybe'",
    ),
    ("result: mode a number", "host_result", (PLAN, "h"), {"mode": 1}, HR + "mode: expected a string, got int"),
    (
        "result: bans with a bad ban",
        "host_result",
        (None, "h"),
        {"bans": [{"id": "x"}]},
        HR + "bans[0]: ban 'x': (top level): missing required field 'title'",
    ),
]


def _all_distinct(names):
    return len(set(names)) == len(names) and all("/" not in n and "\n" not in n and len(n) < 255 for n in names)


SAFE_CALLS = [
    (
        "match: a 10000-character name is cut, not matched slowly",
        "match",
        ([{"name": "Kaspersky " + "a" * 10000, "platform": "windows", "source": "registry"}], BANS),
        {},
        lambda found: len(found[0]["software"]["name"]) == 256,
    ),
    (
        "match: a backtracking bait name finds nothing",
        "match",
        ([{"name": "a" * 5000 + "!", "platform": "windows", "publisher": ", " * 3000, "signer": "O=" * 3000}], BANS),
        {},
        lambda found: found == [],
    ),
    (
        "match: a newline in a name does not match a ban",
        "match",
        ([{"name": "WeChat\nrm -rf /", "platform": "windows"}], BANS),
        {},
        lambda found: found == [],
    ),
    (
        "match: a number as name is read as text",
        "match",
        ([{"name": 7, "platform": "windows"}], BANS),
        {},
        lambda found: found == [],
    ),
    (
        "match: an unknown platform matches nothing",
        "match",
        ([{"name": "WeChat", "platform": "amiga"}], BANS),
        {},
        lambda found: found == [],
    ),
    (
        "plan: max_removals '3' from extra vars is 3",
        "removal_plan",
        (FINDINGS, BANS),
        {"max_removals": "3"},
        lambda plan: plan["max_removals"] == 3,
    ),
    (
        "plan: blocks 'false' from extra vars is false",
        "removal_plan",
        (FINDINGS, BANS),
        {
            "blocks": "false",
            "sources": {"platform": "linux", "sources": [{"source": "dpkg", "state": "read", "reason": ""}]},
        },
        lambda plan: not any(s["kind"] == "block" for s in plan["steps"]),
    ),
    (
        "plan: a wide exception that says allow_wide is flagged",
        "removal_plan",
        ([], BANS),
        {
            "host": "web01",
            "exceptions": exception(hosts="*", expires="2099-12-31", allow_wide=True),
            "now": "2026-11-29",
        },
        lambda plan: plan["exceptions"][0]["wide"] == "every host, longer than 365 days",
    ),
    (
        "plan: an expired exception is kept and reported",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": exception(expires="2026-01-01"), "now": "2026-11-29"},
        lambda plan: plan["exceptions"][0]["state"] == "expired",
    ),
    (
        "file names: apostrophes, case and traversal never collide",
        "result_filename",
        (
            [
                {"host": h, "bans": ["kaspersky"]}
                for h in (
                    "Anna's iPhone",
                    "Anna\u2019s iPhone",
                    "Anna_s_iPhone",
                    "web01",
                    "Web01",
                    "WEB01",
                    "../../etc/passwd",
                    "..",
                    ".",
                    "a\nb",
                    "a\rb",
                    "x" * 300,
                    "x" * 301,
                )
            ],
        ),
        {},
        _all_distinct,
    ),
    (
        "file names: a plain host keeps its plain name",
        "result_filename",
        ([{"host": "web01", "bans": ["kaspersky", "wechat"]}],),
        {},
        lambda names: names == ["web01@kaspersky+wechat.json"],
    ),
    (
        "csv: formulas and control characters are neutralised",
        "render_csv",
        (
            {
                "hosts": [
                    {
                        "host": h,
                        "per_ban": {"kaspersky": "failed"},
                        "status": "failed",
                        "platform": "windows",
                        "findings": [],
                        "actions": [],
                        "remaining": [],
                        "blocks": [],
                        "reason": r,
                        "timestamp": "t",
                    }
                    for h, r in (("=cmd|' /C calc'!A0", "+1"), ("-2+3", "@SUM(A1)"), ("\tx", "line\nbreak"))
                ]
            },
        ),
        {},
        lambda text: (
            all(cell[:1] not in "=+-@\t" or cell == "" for line in text.splitlines()[1:] for cell in line.split(","))
            and "\n\n" not in text
            and len(text.splitlines()) == 4
        ),
    ),
    (
        "html: hostile host, software and exception texts stay inert text",
        "fleet_page",
        ("{HOSTILE_RESULTS}",),
        {},
        _page_is_inert,
    ),
    (
        "csv: hostile host and software names are neutralised",
        "fleet_csv",
        ("{HOSTILE_RESULTS}",),
        {},
        _csv_is_neutral,
    ),
]


# Selectors: an exception's where and the scope, each refused with the option, the expression and why.
SELECTOR_OK = {"approver": "CISO", "reason": "lab", "expires": "2026-12-31"}
SELECTOR_CALLS = [
    (
        "selector: where is not JMESPath",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "platform = 'ios'"}]},
        RP
        + (
            "exceptions[0].where: not a JMESPath expression, Unknown token '=' at position 9 (from 0): "
            "\"platform = 'ios'\""
        ),
    ),
    (
        "selector: where is incomplete",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "platform == "}]},
        RP
        + (
            "exceptions[0].where: not a JMESPath expression, incomplete expression at position 12 (from 0): "
            "'platform == '"
        ),
    ),
    (
        "selector: where is a literal",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "`true`"}]},
        RP
        + (
            "exceptions[0].where: must be a true/false test of one host (a comparison, contains(), "
            "starts_with(), ends_with(), glob(), or &&, ||, ! of tests), not a literal: '`true`'"
        ),
    ),
    (
        "selector: where is a projection",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "groups[?@ == 'lab']"}]},
        RP
        + (
            "exceptions[0].where: must be a true/false test of one host (a comparison, contains(), "
            "starts_with(), ends_with(), glob(), or &&, ||, ! of tests), not a projection (filter): "
            "\"groups[?@ == 'lab']\""
        ),
    ),
    (
        "selector: where is a bare field",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "supervised"}]},
        RP
        + (
            "exceptions[0].where: must be a true/false test of one host (a comparison, contains(), "
            "starts_with(), ends_with(), glob(), or &&, ||, ! of tests), not a bare field: 'supervised'"
        ),
    ),
    (
        "selector: where names a key the view lacks",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "department == 'lab'"}]},
        RP
        + (
            "exceptions[0].where: 'department' is not a key of the host view (keys: name, platform, "
            "os_version, ownership, supervised, enrollment, user, category, groups, mdm, last_seen, "
            "attributes): \"department == 'lab'\""
        ),
    ),
    (
        "selector: where calls an unknown function",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "lower(name) == 'web01'"}]},
        RP + ("exceptions[0].where: unknown function lower(): \"lower(name) == 'web01'\""),
    ),
    (
        "selector: where calls a function with too few arguments",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "contains(groups)"}]},
        RP + ("exceptions[0].where: contains() takes 2 argument(s), 1 given: 'contains(groups)'"),
    ),
    (
        "selector: where is a function that is no test",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "length(groups)"}]},
        RP
        + (
            "exceptions[0].where: must be a true/false test of one host (a comparison, contains(), "
            "starts_with(), ends_with(), glob(), or &&, ||, ! of tests), not a function that is not a test: "
            "'length(groups)'"
        ),
    ),
    (
        "selector: where compares two literals",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "`1` == `1`"}]},
        RP
        + ("exceptions[0].where: looks at no key of the host view, so it says the same for every host: '`1` == `1`'"),
    ),
    (
        "selector: where is not a string",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": ["platform == 'ios'"]}]},
        RP + ("exceptions[0].where: expected a JMESPath expression (a string), got list"),
    ),
    (
        "selector: where holds a newline",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "platform == 'ios'\n|| `true`"}]},
        RP + ("exceptions[0].where: holds a control character at position 17: \"platform == 'ios'\\n|| `true`\""),
    ),
    (
        "selector: where and hosts together",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "platform == 'ios'", "hosts": "web01"}]},
        RP + ("exceptions[0]: give hosts (names or globs) or where (a selector), not both"),
    ),
    (
        "selector: where longer than 1000 characters",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "name == '" + "a" * 1000 + "'"}]},
        RP + ("exceptions[0].where: longer than 1000 characters"),
    ),
    (
        "selector: where an && of a test and a field",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "exceptions": [{**SELECTOR_OK, "where": "platform == 'ios' && supervised"}]},
        RP
        + (
            "exceptions[0].where: must be a true/false test of one host (a comparison, contains(), "
            "starts_with(), ends_with(), glob(), or &&, ||, ! of tests), not a bare field: \"platform == 'ios' "
            '&& supervised"'
        ),
    ),
    (
        "selector: scope is not JMESPath",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "ownership != personal'"},
        RP
        + (
            "scope: not a JMESPath expression, Unclosed ' delimiter at position 21 (from 0): \"ownership != personal'\""
        ),
    ),
    (
        "selector: scope is a projection",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "attributes.*"},
        RP
        + (
            "scope: must be a true/false test of one host (a comparison, contains(), starts_with(), "
            "ends_with(), glob(), or &&, ||, ! of tests), not a projection: 'attributes.*'"
        ),
    ),
    (
        "selector: scope is a pipe",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "groups | [0] == 'lab'"},
        RP
        + (
            "scope: must be a true/false test of one host (a comparison, contains(), starts_with(), "
            "ends_with(), glob(), or &&, ||, ! of tests), not a pipe: \"groups | [0] == 'lab'\""
        ),
    ),
    (
        "selector: scope is a number",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": 3},
        RP + ("scope: expected a JMESPath expression (a string), got int"),
    ),
    (
        "selector: scope names a key the view lacks",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "owner == 'company'"},
        RP
        + (
            "scope: 'owner' is not a key of the host view (keys: name, platform, os_version, ownership, "
            'supervised, enrollment, user, category, groups, mdm, last_seen, attributes): "owner == '
            "'company'\""
        ),
    ),
    (
        "selector: scope an unknown token",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "platform == 'ios' and ownership == 'company'"},
        RP
        + (
            "scope: not a JMESPath expression, unexpected 'and' at position 18 (from 0): \"platform == 'ios' "
            "and ownership == 'company'\""
        ),
    ),
    (
        "selector: host attributes not a mapping",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "platform == 'linux'", "host_info": {"attributes": ["a"]}},
        RP + ("interdict_attributes: expected a mapping, got list"),
    ),
    (
        "selector: host attribute names are identifiers",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "platform == 'linux'", "host_info": {"attributes": {"a b": 1}}},
        RP + ("interdict_attributes: attribute names are identifiers of at most 64 characters, got 'a b'"),
    ),
    (
        "selector: scope evaluation with the wrong type",
        "removal_plan",
        ([], BANS),
        {"host": "web01", "scope": "starts_with(supervised, 'x')"},
        RP
        + (
            "scope: cannot be evaluated for 'web01': In function starts_with(), invalid type for value: None, "
            "expected one of: ['string'], received: \"null\": \"starts_with(supervised, 'x')\""
        ),
    ),
]
CALLS += SELECTOR_CALLS
# The MDM filters and the Intune device results filter: {PHONES} is an inventory with one iPhone.
MP = "mdm_plans: "
MR = "mdm_results: "
IDR = "intune_device_results: "
PHONES = "{PHONES}"
CALLS += [
    (
        "mdm_plans: a string as inventory",
        "mdm_plans",
        ("x", BANS),
        {},
        MP + "the input must be the registered result of an MDM inventory module",
    ),
    (
        "mdm_plans: a string as bans",
        "mdm_plans",
        (PHONES, "x"),
        {},
        MP + "bans must be ban definitions from the interdict.bans.catalog lookup",
    ),
    (
        "mdm_plans: mode bogus",
        "mdm_plans",
        (PHONES, BANS),
        {"mode": "bogus"},
        MP + "mode: expected one of audit, enforce, got 'bogus'",
    ),
    (
        "mdm_plans: max_removals -1",
        "mdm_plans",
        (PHONES, BANS),
        {"max_removals": -1},
        MP + "max_removals: expected a whole number >= 0, got -1",
    ),
    (
        "mdm_plans: exceptions a string",
        "mdm_plans",
        (PHONES, BANS),
        {"exceptions": "x"},
        MP + "exceptions: expected a list, got str",
    ),
    (
        "mdm_plans: platforms a string",
        "mdm_plans",
        (PHONES, BANS),
        {"platforms": "ios"},
        MP + "platforms must be a list of strings, got 'ios'",
    ),
    (
        "mdm_plans: expected_devices a number",
        "mdm_plans",
        (PHONES, BANS),
        {"expected_devices": 5},
        MP + "expected_devices must be a list of strings, got 5",
    ),
    (
        "mdm_plans: options a string",
        "mdm_plans",
        (PHONES, BANS),
        {"options": "x"},
        MP + "options: expected a mapping, got str",
    ),
    (
        "mdm_plans: a bad wide scope",
        "mdm_plans",
        (PHONES, BANS),
        {"options": {"exception_wide_scope": "x"}},
        MP + "options.exception_wide_scope: expected one of every_host, any_wildcard, got 'x'",
    ),
    (
        "mdm_plans: a long exception under a short term",
        "mdm_plans",
        (PHONES, BANS),
        {
            "exceptions": [dict(OK_EXCEPTION, expires="2026-12-31")],
            "now": "2026-11-29",
            "options": {"exception_max_term_days": 7},
        },
        MP
        + "exceptions[0]: covers longer than 7 days; such an exception needs allow_wide: true (it is then flagged in the report)",
    ),
    (
        "mdm_plans: now soon",
        "mdm_plans",
        (PHONES, BANS),
        {"now": "soon"},
        MP + "now: expected a date YYYY-MM-DD, got 'soon'",
    ),
    (
        "mdm_plans: devices a string",
        "mdm_plans",
        ({"devices": "x"}, BANS),
        {},
        MP + "input.devices: expected a list, got str",
    ),
    (
        "mdm_plans: a number as device",
        "mdm_plans",
        ({"devices": [5]}, BANS),
        {},
        MP + "input.devices[0]: expected a mapping, got int",
    ),
    (
        "mdm_plans: a number as finding",
        "mdm_plans",
        ({"devices": [], "findings": [5]}, BANS),
        {},
        MP + "input.findings[0]: expected a mapping, got int",
    ),
    (
        "mdm_plans: a finding without ban",
        "mdm_plans",
        ({"devices": [], "findings": [{"device_id": "d"}]}, BANS),
        {},
        MP + "input.findings[0].ban: expected a string",
    ),
    (
        "mdm_plans: block_profiles a string",
        "mdm_plans",
        (PHONES, BANS),
        {"block_profiles": "x"},
        MP + "block_profiles: expected a mapping, got str",
    ),
    (
        "mdm_results: a string as fleet",
        "mdm_results",
        ("x", BANS),
        {},
        MR + "the input must be the output of the interdict.bans.mdm_plans filter",
    ),
    (
        "mdm_results: devices a string",
        "mdm_results",
        ({"devices": "x"}, BANS),
        {},
        MR + "input.devices: expected a list, got str",
    ),
    (
        "mdm_results: a number as device",
        "mdm_results",
        ({"devices": [5]}, BANS),
        {},
        MR + "input.devices[0]: expected a mapping, got int",
    ),
    (
        "mdm_results: a device without host",
        "mdm_results",
        ({"devices": [{"plan": None}]}, BANS),
        {},
        MR + "input.devices[0].host: expected a string",
    ),
    (
        "mdm_results: a string as bans",
        "mdm_results",
        ({"devices": []}, "x"),
        {},
        MR + "bans must be ban definitions from the interdict.bans.catalog lookup",
    ),
    (
        "intune results: a string as inventory",
        "intune_device_results",
        ("x", BANS),
        {},
        IDR + "input must be the registered result of intune_app_inventory",
    ),
    (
        "intune results: mode bogus",
        "intune_device_results",
        (PHONES, BANS),
        {"mode": "bogus"},
        MP + "mode: expected one of audit, enforce, got 'bogus'",
    ),
    (
        "intune results: an unknown option",
        "intune_device_results",
        (PHONES, BANS),
        {"bogus": 1},
        IDR
        + "unknown option 'bogus' (options: block_profiles, blocks, exceptions, exclusion_group_ids, expected_devices, "
        + "max_removals, now, options, platforms, protected, run, target_group_ids)",
    ),
]
