# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host result records, the fleet merge and its CSV/HTML renderings (controller only).

Statuses come from ``_status.evaluate`` and nowhere else. "Unknown" is never
counted as compliant: a host whose evidence is incomplete, that wrote no
result, or whose newest result is not from this run, is ``unknown``.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import html
import io
import json
import os
import re
import stat
import tempfile

try:
    import jsonschema
except ImportError:  # pragma: no cover - reported by load_results()
    jsonschema = None

from ansible_collections.interdict.bans.plugins.module_utils.contract import HOST_RESULT_SCHEMA, STATUSES
from ansible_collections.interdict.bans.plugins.plugin_utils._planning import step_text
from ansible_collections.interdict.bans.plugins.plugin_utils._status import SEVERITY, evaluate, worst

STATUS_COLORS = {
    "compliant": "#2e7d32",
    "remediated": "#1565c0",
    "exempt": "#8e6c00",
    "unknown": "#6d6d6d",
    "non_compliant": "#c62828",
    "failed": "#6a1b9a",
}
RECORD_KEYS = ("name", "version", "publisher", "platform", "source", "identifier", "user", "path", "scope", "device_id")
RESULT_DIR = "hosts"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: UP017


def slim_finding(finding):
    """A finding as the report keeps it: the record's identifying keys, the ban and the rule."""
    software = finding.get("software") or {}
    return {
        "ban": finding.get("ban"),
        "software": {key: software[key] for key in RECORD_KEYS if software.get(key) not in (None, "")},
        "rule": finding.get("rule") or {},
    }


def _label(finding):
    software = finding.get("software") or {}
    name = software.get("name") or software.get("identifier") or "?"
    identifier = software.get("identifier")
    label = f"{name} ({identifier})" if identifier and identifier != name else str(name)
    return f"{label} [{software['user']}]" if software.get("user") else label


def _source_list(sources):
    if isinstance(sources, dict):
        sources = sources.get("sources") or ()
    return [dict(item) for item in sources or ()]


def host_result(
    host,
    plan=None,
    actions=None,
    remaining=None,
    verified=False,
    mode="audit",
    platform="",
    bans=None,
    sources=None,
    run=None,
    facts_error=None,
    extra=None,
    timestamp=None,
):
    """The result record of one host or device for one run (docs/host_result.schema.json).

    ``plan`` is the planner's output (None when facts failed), ``actions`` the
    executor's ``[{step, outcome, rc, msg}]`` (empty in audit: the plan's steps
    are then shown as planned), ``remaining`` the findings after verification,
    ``sources`` the facts' evidence, ``run`` ``{id, started}``. ``mode`` is what
    really happened: ``enforce`` only when steps ran outside check mode.
    """
    bans = list(bans or ())
    ban_ids = [ban["id"] for ban in bans] or sorted({f["ban"] for f in (plan or {}).get("findings", ())})
    run = run or {}
    steps = (plan or {}).get("steps", [])
    steps_by_id = {step["id"]: step for step in steps}
    executed = mode == "enforce"
    # In audit nothing ran: every step of the plan is shown as planned, or skipped with why it cannot run.
    given = (
        list(actions or ())
        if executed
        else [
            {"step": s["id"], "outcome": "skipped", "msg": s["blocked"]}
            if s.get("blocked")
            else {"step": s["id"], "outcome": "planned"}
            for s in steps
        ]
    )
    report_actions = []
    for action in given:
        step = steps_by_id.get(action.get("step"), {})
        report_actions.append(
            {
                "step": action.get("step"),
                "ban": step.get("ban"),
                "kind": step.get("kind"),
                "method": step.get("method"),
                "what": step_text(step) if step else "",
                "outcome": action.get("outcome"),
                "rc": action.get("rc"),
                "msg": str(action.get("msg") or "")[:2000],
            }
        )
    remaining = list(remaining or ()) if verified else []
    status, reason, per_ban, per_ban_reason = evaluate(
        ban_ids,
        plan,
        actions=report_actions,
        remaining=remaining,
        verified=verified,
        executed=executed,
        sources=sources,
        facts_error=facts_error,
    )
    outcome_of = {a["step"]: a["outcome"] for a in report_actions}
    blocks = []
    for block in (plan or {}).get("blocks", ()):
        block = dict(block)
        if block.get("state") == "planned" and executed and block.get("step") in outcome_of:
            outcome = outcome_of[block["step"]]
            block["state"] = {"ok": "present", "absent": "present", "failed": "failed"}.get(outcome, "planned")
        blocks.append(block)
    record = {
        "host": str(host),
        "platform": platform or (plan or {}).get("platform") or "",
        "run_id": str(run.get("id") or ""),
        "run_started": str(run.get("started") or ""),
        "timestamp": timestamp or now_iso(),
        "mode": mode,
        "bans": ban_ids,
        "ban_info": {
            ban["id"]: {"title": ban.get("title", ban["id"]), "authorities": ban.get("authorities", [])} for ban in bans
        },
        "status": status,
        "reason": reason,
        "per_ban": per_ban,
        "per_ban_reason": per_ban_reason,
        "sources": _source_list(sources),
        "findings": [slim_finding(f) for f in (plan or {}).get("findings", ())],
        "actions": report_actions,
        "remaining": [slim_finding(f) for f in remaining],
        "blocks": blocks,
        "skipped": [
            {"finding": slim_finding(s["finding"]), "reason": s["reason"]} for s in (plan or {}).get("skipped", ())
        ],
        "exceptions": (plan or {}).get("exceptions", []),
        "reboot_pending": any(a["outcome"] == "reboot_pending" for a in report_actions),
    }
    if facts_error:
        record["facts_error"] = str(facts_error)[:2000]
    if (plan or {}).get("blocked_by_cap"):
        record["blocked_by_cap"] = True
    record.update(extra or {})
    return record


# ---------------------------------------------------------------- files


def result_filename(result):
    """hosts/<host>@<ban+ban>.json: one file per host and ban set, safe under serial and job slicing.

    A host name that is not already a plain lowercase file name (``[a-z0-9._-]``, at most 100
    characters) is written as its plain part, ``~`` and a hash of the exact name, so two hosts whose
    names differ only in characters a file name cannot hold (``Anna's iPhone`` with an ASCII or a
    typographic apostrophe) or only in case never share a file. ``~`` never appears in a plain
    name, so no host can take another's.
    """
    host = str(result["host"])
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", host)[:100] or "_"
    if not re.fullmatch(r"[a-z0-9._-]{1,100}", host) or host in (".", ".."):
        safe = f"{safe}~{hashlib.sha256(host.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    bans = "+".join(sorted(str(ban) for ban in result.get("bans") or ())) or "none"
    bans = re.sub(r"[^a-z0-9_+]", "_", bans)
    if len(bans) > 100:
        bans = f"{bans[:80]}~{hashlib.sha256(bans.encode()).hexdigest()[:16]}"
    return f"{safe}@{bans}.json"


def write_atomic(path, text):
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _load_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def write_host_result(report_dir, result, check_mode=False):
    """Write one host result; return (path, changed)."""
    path = os.path.join(report_dir, RESULT_DIR, result_filename(result))
    if _load_json(path) == result:
        return path, False
    if not check_mode:
        write_atomic(path, json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path, True


MAX_RESULT_BYTES = 8 * 1024 * 1024


def _read_result(path):
    """(data, None) for a host result file, or (None, why): regular files of bounded size, UTF-8 JSON only."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "not a regular file"
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(MAX_RESULT_BYTES + 1)
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}"
    finally:
        os.close(fd)
    if len(raw) > MAX_RESULT_BYTES:
        return None, f"larger than {MAX_RESULT_BYTES} bytes"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8"
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as exc:
        return None, f"not JSON ({str(exc)[:80]})"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    return data, None


def load_results(report_dir):
    """Every host result under <report_dir>/hosts, plus the files that could not be read or are malformed.

    A bad file is listed under errors and never stops the rest.
    """
    folder = os.path.join(report_dir, RESULT_DIR)
    results, errors = [], []
    if not os.path.isdir(folder):
        return results, errors
    if jsonschema is None:
        raise RuntimeError("the Python library 'jsonschema' is required to read host results (pip install jsonschema)")
    validator = jsonschema.Draft202012Validator(HOST_RESULT_SCHEMA)
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith(".json") or os.path.isdir(path):
            continue
        shown = _display(name)
        data, why = _read_result(path)
        if data is None:
            # Kept word for word for an unparsable file: the fleet report's readers know this text.
            error = "unreadable or not a JSON object" if why.startswith(("not JSON", "not a JSON object")) else why
            errors.append({"file": shown, "error": f"not a host result: {error}"})
            continue
        try:
            problem = next(
                iter(sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])), None
            )
        except RecursionError:
            errors.append({"file": shown, "error": "not a host result: nested too deeply"})
            continue
        if problem is not None:
            where = "/".join(_display(str(part))[:64] for part in problem.absolute_path) or "(top)"
            errors.append({"file": shown, "error": f"not a host result: {where}: {_display(problem.message[:200])}"})
            continue
        data["_file"] = name
        results.append(data)
    return results, errors


def is_fresh(result, run_id=None, fresh_since=None):
    """Whether a result counts as today's evidence: from this run, or gathered since ``fresh_since``."""
    if not run_id and not fresh_since:
        return True
    if run_id and result.get("run_id") == run_id:
        return True
    return bool(fresh_since) and str(result.get("timestamp") or "") >= str(fresh_since)


def stale(result):
    """An old result as it counts today: unknown for each of its bans, saying what it last said and when."""
    when = result.get("timestamp") or "an unknown time"
    reason = (
        f"no result from this run (last result {when}, run {result.get('run_id') or '?'}, said {result.get('status')})"
    )
    return dict(
        result,
        status="unknown",
        reason=reason,
        per_ban=dict.fromkeys(result.get("per_ban") or result.get("bans") or (), "unknown"),
        stale=True,
    )


# ---------------------------------------------------------------- fleet


def merge_fleet(results, expected_hosts=(), errors=(), generated=None, run_id=None, fresh_since=None):
    """Merge host results into the fleet view.

    Expected hosts without a result are unknown; so is every result that is not
    fresh (``is_fresh``): an old result never shows a host's old status as today's.
    """
    results = [r if is_fresh(r, run_id, fresh_since) else stale(r) for r in results]
    by_host = {}
    for result in results:
        by_host.setdefault(result["host"], []).append(result)
    bans = {}
    for result in results:
        for ban_id, info in (result.get("ban_info") or {}).items():
            bans.setdefault(ban_id, info)
        for ban_id in result.get("bans") or ():
            bans.setdefault(ban_id, {"title": ban_id, "authorities": []})

    hosts = []
    for host in sorted(set(by_host) | {str(h) for h in expected_hosts}):
        own = sorted(by_host.get(host, []), key=lambda r: r.get("_file", ""))
        if not own:
            hosts.append(
                {
                    "host": host,
                    "status": "unknown",
                    "reason": "no result: host unreachable or not run",
                    "per_ban": {ban_id: "unknown" for ban_id in bans},
                    "platform": "",
                    "mdm": "",
                    "timestamp": "",
                    "runs": [],
                    "findings": [],
                    "actions": [],
                    "remaining": [],
                    "blocks": [],
                    "exceptions": [],
                    "results": [],
                }
            )
            continue
        status = worst(r["status"] for r in own)
        per_ban = {}
        for result in own:
            for ban_id, ban_status in (result.get("per_ban") or {}).items():
                per_ban[ban_id] = worst([per_ban.get(ban_id), ban_status])
        hosts.append(
            {
                "host": host,
                "status": status,
                "reason": "; ".join(r["reason"] for r in own if r["status"] == status and r.get("reason")),
                "per_ban": per_ban,
                "platform": next((r.get("platform") for r in own if r.get("platform")), ""),
                # The MDM a device was read through (its provider), "" for a host reached directly.
                "mdm": next((str(r["mdm"].get("provider") or "") for r in own if isinstance(r.get("mdm"), dict)), ""),
                "timestamp": max(r.get("timestamp") or "" for r in own),
                "runs": sorted({r.get("run_id") or "" for r in own}),
                "findings": [f for r in own for f in r.get("findings", ())],
                "actions": [a for r in own for a in r.get("actions", ())],
                "remaining": [f for r in own for f in r.get("remaining", ())],
                "blocks": [b for r in own for b in r.get("blocks", ())],
                "exceptions": [e for r in own for e in r.get("exceptions", ())],
                "reboot_pending": any(r.get("reboot_pending") for r in own),
                "results": [r["_file"] for r in own if r.get("_file")],
            }
        )

    by_status = dict.fromkeys(STATUSES, 0)
    by_ban = {ban_id: dict.fromkeys(STATUSES, 0) for ban_id in bans}
    for host in hosts:
        by_status[host["status"]] += 1
        for ban_id, ban_status in host["per_ban"].items():
            by_ban.setdefault(ban_id, dict.fromkeys(STATUSES, 0))[ban_status] += 1

    exceptions = {}
    for host in hosts:
        for exception in host["exceptions"]:
            key = json.dumps(exception, sort_keys=True)
            exceptions.setdefault(key, dict(exception, applied_to=[]))
            if host["host"] not in exceptions[key]["applied_to"]:
                exceptions[key]["applied_to"].append(host["host"])

    return {
        "generated": generated or now_iso(),
        "run": {"id": run_id or "", "fresh_since": fresh_since or ""},
        "summary": {
            "hosts": len(hosts),
            "by_status": by_status,
            "by_ban": by_ban,
            "compliant": by_status["compliant"] + by_status["remediated"],
        },
        "bans": bans,
        "exceptions": list(exceptions.values()),
        "hosts": hosts,
        "errors": list(errors),
    }


CSV_FIELDS = (
    "host",
    "ban",
    "status",
    "platform",
    "findings",
    "actions",
    "remaining",
    "blocks",
    "reason",
    "timestamp",
    "mdm",
)


_CSV_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _display(value):
    """Host-supplied text for display: control characters shown as escapes, never raw."""
    return _CSV_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", str(value))


def _cell(value):
    """A CSV cell a spreadsheet shows as text: a leading =, +, - or @ gets a ', no raw control characters."""
    text = _display("" if value is None else value)
    # Control characters (tab and CR included) were turned into visible escapes above.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def render_csv(fleet):
    """One row per host and ban; every cell neutralised (_cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for host in fleet["hosts"]:
        for ban_id in sorted(host["per_ban"]) or [""]:

            def mine(items, ban_id=ban_id):
                return [item for item in items if item.get("ban") == ban_id]

            row = {
                "host": host["host"],
                "ban": ban_id,
                "status": host["per_ban"].get(ban_id, host["status"]),
                "platform": host["platform"],
                "mdm": host.get("mdm") or "",
                "findings": "; ".join(_label(f) for f in mine(host["findings"])),
                "actions": "; ".join(f"{a['step']}={a['outcome']}" for a in mine(host["actions"])),
                "remaining": "; ".join(_label(f) for f in mine(host["remaining"])),
                "blocks": "; ".join(f"{b['method']}={b['state']}" for b in mine(host["blocks"])),
                "reason": host["reason"],
                "timestamp": host["timestamp"],
            }
            writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _e(value):
    return html.escape(str(value if value is not None else ""), quote=True)


def _chart(by_status):
    """Inline SVG bar chart of hosts per status."""
    total = max(by_status.values()) if by_status else 0
    width, bar_height, gap = 520, 22, 8
    height = len(STATUSES) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Hosts per status">'
    ]
    for index, status in enumerate(STATUSES):
        count = by_status.get(status, 0)
        y = gap + index * (bar_height + gap)
        length = 0 if not total else max(2, int(320 * count / total)) if count else 0
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{_e(status)}</text>')
        parts.append(f'<rect x="120" y="{y}" width="{length}" height="{bar_height}" fill="{STATUS_COLORS[status]}"/>')
        parts.append(f'<text x="{128 + length}" y="{y + 16}" font-size="13">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers, rows):
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _badge(status):
    return f'<span class="s" style="background:{STATUS_COLORS.get(status, "#444")}">{_e(status)}</span>'


def render_html(fleet, title="Banned software: fleet report"):
    """One self-contained page: no scripts, no external assets, every value escaped."""
    summary = fleet["summary"]
    sections = [
        f"<h1>{_e(title)}</h1>",
        f"<p>Generated {_e(fleet['generated'])}"
        + (f" for run {_e(fleet['run']['id'])}" if fleet.get("run", {}).get("id") else "")
        + f". {summary['hosts']} host(s); "
        f"compliant or remediated: {summary['compliant']}. Unknown is never counted as compliant.</p>",
        "<h2>Hosts per status</h2>",
        _chart(summary["by_status"]),
        _table(["status", "hosts"], [[_badge(s), _e(summary["by_status"][s])] for s in STATUSES]),
        "<h2>Per ban</h2>",
        _table(
            ["ban", *STATUSES],
            [
                [_e(f"{fleet['bans'].get(ban_id, {}).get('title', ban_id)} ({ban_id})")]
                + [_e(counts.get(s, 0)) for s in STATUSES]
                for ban_id, counts in sorted(summary["by_ban"].items())
            ],
        ),
        "<h2>Authorities behind each ban</h2>",
    ]
    for ban_id, info in sorted(fleet["bans"].items()):
        items = "".join(
            "<li>{name}, {date}: {ref}{scope}{url}</li>".format(
                name=_e(a.get("name")),
                date=_e(a.get("date")),
                ref=_e(a.get("reference")),
                scope=f" (scope: {_e(a['scope'])})" if a.get("scope") else "",
                url=f' <a href="{_e(a["url"])}">{_e(a["url"])}</a>' if str(a.get("url", "")).startswith("http") else "",
            )
            for a in info.get("authorities", ())
        )
        sections.append(
            f"<h3>{_e(info.get('title', ban_id))} ({_e(ban_id)})</h3><ul>{items or '<li>none given</li>'}</ul>"
        )
    sections.append("<h2>Exceptions</h2>")
    if fleet["exceptions"]:
        sections.append(
            _table(
                ["hosts", "bans", "approver", "reason", "expires", "state", "applied to"],
                [
                    [
                        _e(", ".join(e.get("hosts", ()))),
                        _e(", ".join(e.get("bans", ())) or "all"),
                        _e(e.get("approver")),
                        _e(e.get("reason")),
                        _e(e.get("expires")),
                        _e(e.get("state")),
                        _e(", ".join(e.get("applied_to", ()))),
                    ]
                    for e in fleet["exceptions"]
                ],
            )
        )
    else:
        sections.append("<p>None.</p>")
    sections.append("<h2>Hosts</h2><p>Worst first: failed, non-compliant and unknown hosts lead the list.</p>")
    rows = []
    for host in sorted(fleet["hosts"], key=lambda h: (-SEVERITY[h["status"]], h["host"])):
        findings = "<br>".join(
            _e(f"{f['ban']}: {_label(f)} via {f.get('rule', {}).get('kind', '?')} {f.get('rule', {}).get('value', '')}")
            + (" <em>(unconfirmed rule)</em>" if f.get("rule", {}).get("unconfirmed") else "")
            for f in host["findings"]
        )
        actions = "<br>".join(
            _e(f"{a['outcome']}: {a.get('what') or a['step']}")
            + (f" <small>{_e(a['msg'])}</small>" if a.get("msg") else "")
            for a in host["actions"]
        )
        blocks = "<br>".join(
            _e(f"{b['ban']}: {b['method']} {b['state']}")
            + (f" <small>{_e(b['note'])}</small>" if b.get("note") else "")
            for b in host["blocks"]
        )
        rows.append(
            [
                _e(host["host"]) + (f"<br><small>via MDM {_e(host['mdm'])}</small>" if host.get("mdm") else ""),
                _badge(host["status"]),
                _e(host["reason"]),
                findings,
                actions,
                blocks,
                _e(host["timestamp"])
                + (f"<br><small>run {_e(', '.join(host['runs']))}</small>" if host.get("runs") else ""),
            ]
        )
    sections.append(_table(["host", "status", "reason", "findings", "actions", "blocks", "result time"], rows))
    if fleet.get("errors"):
        sections.append("<h2>Unreadable result files</h2><ul>")
        sections.extend(f"<li>{_e(e['file'])}: {_e(e['error'])}</li>" for e in fleet["errors"])
        sections.append("</ul>")
    style = (
        "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;font-size:13px}"
        ".s{color:#fff;padding:1px 6px;border-radius:3px}small{color:#555}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{style}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def write_fleet(report_dir, expected_hosts=(), check_mode=False, generated=None, run_id=None, fresh_since=None):
    """Merge <report_dir>/hosts/*.json and write fleet.json/.csv/.html; return (fleet, changed)."""
    results, errors = load_results(report_dir)
    fleet = merge_fleet(results, expected_hosts, errors, generated=generated, run_id=run_id, fresh_since=fresh_since)
    for host in fleet["hosts"]:
        host.pop("_file", None)
    previous = _load_json(os.path.join(report_dir, "fleet.json"))
    files_present = all(os.path.exists(os.path.join(report_dir, n)) for n in ("fleet.json", "fleet.csv", "fleet.html"))
    if files_present and previous is not None and dict(previous, generated=None) == dict(fleet, generated=None):
        return fleet, False
    if not check_mode:
        write_atomic(os.path.join(report_dir, "fleet.csv"), render_csv(fleet))
        write_atomic(os.path.join(report_dir, "fleet.html"), render_html(fleet))
        write_atomic(
            os.path.join(report_dir, "fleet.json"),
            json.dumps(fleet, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        )
    return fleet, True
