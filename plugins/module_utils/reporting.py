# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host result records, the status rules, the fleet merge and its CSV/HTML renderings.

Pure Python, controller side. "Unknown" is never counted as compliant: a host
whose facts failed or were incomplete, or that wrote no result, is ``unknown``.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import os
import re
import tempfile

from ansible_collections.interdict.bans.plugins.module_utils.planning import step_text

# From best to worst; several results for one host merge to the worst.
STATUSES = ("compliant", "remediated", "exempt", "unknown", "non_compliant", "failed")
SEVERITY = {status: rank for rank, status in enumerate(STATUSES)}
STATUS_COLORS = {
    "compliant": "#2e7d32",
    "remediated": "#1565c0",
    "exempt": "#8e6c00",
    "unknown": "#6d6d6d",
    "non_compliant": "#c62828",
    "failed": "#6a1b9a",
}
GOOD_OUTCOMES = ("ok", "absent", "reboot_pending")
RECORD_KEYS = ("name", "version", "publisher", "platform", "source", "identifier", "user", "path", "scope")
RESULT_DIR = "hosts"
VOLATILE_KEYS = ("timestamp", "generated")


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: UP017 - module_utils also run on Python < 3.11


def worst(statuses):
    statuses = [status for status in statuses if status]
    return max(statuses, key=SEVERITY.__getitem__) if statuses else "compliant"


def slim_finding(finding):
    """A finding as the report keeps it: the record's identifying keys, the ban and the rule."""
    software = finding.get("software") or {}
    return {
        "ban": finding.get("ban"),
        "software": {key: software[key] for key in RECORD_KEYS if software.get(key) not in (None, "")},
        "rule": finding.get("rule") or {},
    }


def _finding_key(finding):
    software = finding.get("software") or {}
    return (
        finding.get("ban"),
        software.get("platform"),
        software.get("source"),
        str(software.get("identifier") or software.get("name") or "").lower(),
        software.get("user") or "",
    )


def _label(finding):
    software = finding.get("software") or {}
    name = software.get("name") or software.get("identifier") or "?"
    identifier = software.get("identifier")
    label = f"{name} ({identifier})" if identifier and identifier != name else str(name)
    return f"{label} [{software['user']}]" if software.get("user") else label


def _names(findings, limit=5):
    labels = sorted({_label(f) for f in findings})
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def _status_of(mode, findings, exempt, skipped, steps, actions, remaining, verified):
    """Status and reason for one ban (or all bans) on one host."""
    exempt_keys = {_finding_key(item["finding"]) for item in exempt}
    violations = [f for f in findings if _finding_key(f) not in exempt_keys]
    failed = [a for a in actions if a.get("outcome") == "failed"]
    if mode == "audit":
        if violations:
            why = f"banned software found: {_names(violations)}"
            if skipped:
                why += f"; would not be removed: {skipped[0]['reason']}"
            return "non_compliant", why
        if findings:
            return "exempt", f"covered by an active exception: {_names(findings)}"
        return "compliant", ""
    if failed:
        return "failed", "; ".join(f"{a['step']} failed: {a.get('msg') or 'rc=' + str(a.get('rc'))}" for a in failed)
    addressed = {a["step"] for a in actions if a.get("outcome") in GOOD_OUTCOMES}
    step_keys = {}
    for step in steps:
        if step.get("kind") == "remove":
            step_keys.setdefault((step["ban"], str(step.get("target", "")).lower()), []).append(step["id"])

    def attempted(finding):
        software = finding.get("software") or {}
        targets = {str(software.get(k) or "").lower() for k in ("identifier", "path", "ref")}
        return any(step_keys.get((finding["ban"], target)) for target in targets if target)

    if verified:
        left = [f for f in remaining if _finding_key(f) not in exempt_keys]
    else:
        # Not verified means nothing was removed: every violation is still there.
        left = [
            f
            for f in violations
            if not any(
                step_id in addressed
                for t in ("identifier", "path", "ref")
                for step_id in step_keys.get((f["ban"], str((f.get("software") or {}).get(t) or "").lower()), ())
            )
        ]
    if left:
        tried = [f for f in left if attempted(f)]
        if tried:
            return "failed", f"still present after removal: {_names(tried)}"
        reasons = sorted(
            {item["reason"] for item in skipped if _finding_key(item["finding"]) in {_finding_key(f) for f in left}}
        )
        return "non_compliant", f"not removed: {_names(left)}" + (f" ({'; '.join(reasons)})" if reasons else "")
    if violations:
        return "remediated", f"removed: {_names(violations)}"
    if findings:
        return "exempt", f"covered by an active exception: {_names(findings)}"
    return "compliant", ""


def host_result(
    host,
    plan=None,
    apply=None,
    verify_findings=None,
    verified=False,
    mode="audit",
    platform="",
    bans=None,
    facts_error=None,
    sources=None,
    timestamp=None,
):
    """The result record of one host for one run (docs/architecture.md, "Host result").

    ``plan`` is the removal_plan output, ``apply`` the software_apply result (actions),
    ``verify_findings`` what matching found after apply when ``verified``.
    ``bans`` are the ban definitions of the run (their titles and authorities go into
    the record, so the fleet report needs nothing else). ``sources`` is
    ``interdict_sources`` from the facts: an incomplete inventory makes the host unknown.
    """
    bans = list(bans or ())
    ban_ids = [ban["id"] for ban in bans] or sorted({f["ban"] for f in (plan or {}).get("findings", ())})
    record = {
        "host": str(host),
        "platform": platform or "",
        "timestamp": timestamp or now_iso(),
        "mode": mode,
        "bans": ban_ids,
        "ban_info": {
            ban["id"]: {"title": ban.get("title", ban["id"]), "authorities": ban.get("authorities", [])} for ban in bans
        },
        "status": "unknown",
        "reason": "",
        "per_ban": {},
        "findings": [],
        "actions": [],
        "remaining": [],
        "blocks": [],
        "skipped": [],
        "exceptions": [],
        "reboot_pending": False,
    }
    if plan is None:
        record["reason"] = f"software inventory failed: {facts_error or 'no facts'}"
        record["per_ban"] = {ban_id: "unknown" for ban_id in ban_ids}
        return record

    steps = plan.get("steps", [])
    steps_by_id = {step["id"]: step for step in steps}
    actions = []
    for action in (apply or {}).get("actions", ()):
        step = steps_by_id.get(action.get("step"), {})
        actions.append(
            {
                "step": action.get("step"),
                "ban": step.get("ban"),
                "kind": step.get("kind"),
                "method": step.get("method"),
                "what": step_text(step) if step else "",
                "outcome": action.get("outcome"),
                "rc": action.get("rc"),
                "msg": action.get("msg", ""),
            }
        )
    if mode == "audit" and not actions:
        actions = [
            {
                "step": s["id"],
                "ban": s["ban"],
                "kind": s["kind"],
                "method": s["method"],
                "what": step_text(s),
                "outcome": "planned",
                "rc": None,
                "msg": "",
            }
            for s in steps
        ]
    outcome_of = {a["step"]: a["outcome"] for a in actions}
    blocks = []
    for block in plan.get("blocks", ()):
        block = dict(block)
        if block.get("state") == "planned" and block.get("step") in outcome_of:
            outcome = outcome_of[block["step"]]
            block["state"] = "present" if outcome in GOOD_OUTCOMES else ("failed" if outcome == "failed" else "planned")
        blocks.append(block)

    findings = list(plan.get("findings", ()))
    remaining = list(verify_findings or ()) if verified else []
    per_ban = {}
    reasons = {}
    for ban_id in ban_ids:
        status, why = _status_of(
            mode,
            [f for f in findings if f["ban"] == ban_id],
            [e for e in plan.get("exempt", ()) if e["finding"]["ban"] == ban_id],
            [s for s in plan.get("skipped", ()) if s["finding"]["ban"] == ban_id],
            [s for s in steps if s["ban"] == ban_id],
            [a for a in actions if a["ban"] == ban_id],
            [f for f in remaining if f["ban"] == ban_id],
            verified,
        )
        per_ban[ban_id] = status
        if why:
            reasons[ban_id] = why
    failed_sources = [f"{item.get('source')}: {item.get('msg')}" for item in (sources or {}).get("failed", ())]
    if facts_error:
        # Verification could not run: what was done is kept, but the outcome is not known.
        status, reason = "unknown", str(facts_error)
        per_ban = dict.fromkeys(per_ban, "unknown")
    elif sources is not None and (failed_sources or sources.get("complete") is False):
        status = "unknown"
        reason = "software inventory incomplete: " + ("; ".join(failed_sources) or "a source failed")
    else:
        status = worst(per_ban.values())
        reason = "; ".join(f"{ban_id}: {why}" for ban_id, why in reasons.items() if per_ban[ban_id] == status)
    if mode == "enforce" and any(b.get("state") == "failed" for b in blocks) and SEVERITY[status] < SEVERITY["failed"]:
        status, reason = "failed", "a block could not be put in place"
    record.update(
        status=status,
        reason=reason,
        per_ban=per_ban,
        findings=[slim_finding(f) for f in findings],
        actions=actions,
        remaining=[slim_finding(f) for f in remaining],
        blocks=blocks,
        skipped=[{"finding": slim_finding(s["finding"]), "reason": s["reason"]} for s in plan.get("skipped", ())],
        exceptions=plan.get("exceptions", []),
        reboot_pending=any(a["outcome"] == "reboot_pending" for a in actions),
    )
    if plan.get("blocked_by_cap"):
        record["blocked_by_cap"] = True
    return record


# ---------------------------------------------------------------- files


def result_filename(result):
    """hosts/<host>@<ban+ban>.json: one file per host and ban set, safe under serial and job slicing."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", str(result["host"])) or "_"
    bans = "+".join(sorted(result.get("bans") or ())) or "none"
    return f"{safe}@{re.sub(r'[^a-z0-9_+]', '_', bans)}.json"


def _stable(data):
    """The content of a result or fleet without its volatile timestamps, for change decisions."""
    if isinstance(data, dict):
        return {k: _stable(v) for k, v in data.items() if k not in VOLATILE_KEYS}
    if isinstance(data, list):
        return [_stable(v) for v in data]
    return data


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
    """Write one host result; return (path, changed). Same content but a newer timestamp is no change."""
    path = os.path.join(report_dir, RESULT_DIR, result_filename(result))
    previous = _load_json(path)
    if previous is not None and _stable(previous) == _stable(result):
        return path, False
    if not check_mode:
        write_atomic(path, json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path, True


def load_results(report_dir):
    """Every host result under <report_dir>/hosts, plus the files that could not be read."""
    folder = os.path.join(report_dir, RESULT_DIR)
    results, errors = [], []
    if not os.path.isdir(folder):
        return results, errors
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        data = _load_json(os.path.join(folder, name))
        if not isinstance(data, dict) or not data.get("host") or data.get("status") not in SEVERITY:
            errors.append({"file": name, "error": "not a host result"})
            continue
        data["_file"] = name
        results.append(data)
    return results, errors


# ---------------------------------------------------------------- fleet


def merge_fleet(results, expected_hosts=(), errors=(), generated=None):
    """Merge host results into the fleet view; expected hosts without a result are unknown."""
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
                    "timestamp": "",
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
                "timestamp": max(r.get("timestamp") or "" for r in own),
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


CSV_FIELDS = ("host", "ban", "status", "platform", "findings", "actions", "remaining", "blocks", "reason", "timestamp")


def render_csv(fleet):
    """One row per host and ban."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for host in fleet["hosts"]:
        for ban_id in sorted(host["per_ban"]) or [""]:

            def mine(items, ban_id=ban_id):
                return [item for item in items if item.get("ban") == ban_id]

            writer.writerow(
                {
                    "host": host["host"],
                    "ban": ban_id,
                    "status": host["per_ban"].get(ban_id, host["status"]),
                    "platform": host["platform"],
                    "findings": "; ".join(_label(f) for f in mine(host["findings"])),
                    "actions": "; ".join(f"{a['step']}={a['outcome']}" for a in mine(host["actions"])),
                    "remaining": "; ".join(_label(f) for f in mine(host["remaining"])),
                    "blocks": "; ".join(f"{b['method']}={b['state']}" for b in mine(host["blocks"])),
                    "reason": host["reason"],
                    "timestamp": host["timestamp"],
                }
            )
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
        f"<p>Generated {_e(fleet['generated'])}. {summary['hosts']} host(s); "
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
                _e(host["host"]),
                _badge(host["status"]),
                _e(host["reason"]),
                findings,
                actions,
                blocks,
                _e(host["timestamp"]),
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


def write_fleet(report_dir, expected_hosts=(), check_mode=False, generated=None):
    """Merge <report_dir>/hosts/*.json and write fleet.json/.csv/.html; return (fleet, changed)."""
    results, errors = load_results(report_dir)
    fleet = merge_fleet(results, expected_hosts, errors, generated=generated)
    for host in fleet["hosts"]:
        host.pop("_file", None)
    previous = _load_json(os.path.join(report_dir, "fleet.json"))
    files_present = all(os.path.exists(os.path.join(report_dir, n)) for n in ("fleet.json", "fleet.csv", "fleet.html"))
    if files_present and previous is not None and _stable(previous) == _stable(fleet):
        return fleet, False
    if not check_mode:
        write_atomic(os.path.join(report_dir, "fleet.csv"), render_csv(fleet))
        write_atomic(os.path.join(report_dir, "fleet.html"), render_html(fleet))
        write_atomic(
            os.path.join(report_dir, "fleet.json"),
            json.dumps(fleet, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        )
    return fleet, True
