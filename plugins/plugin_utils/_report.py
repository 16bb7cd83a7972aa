# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host result records, the fleet merge and its CSV/HTML renderings (controller only).

Statuses come from ``_status.evaluate`` and nowhere else. "Unknown" is never
counted as compliant: a host whose evidence is incomplete, that wrote no
result, or whose newest result is not from this run, is ``unknown``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import fcntl
import hashlib
import io
import json
import os
import re
import stat
import tempfile

from ansible_collections.interdict.bans.plugins.module_utils.contract import (
    FLEET_SCHEMA_VERSION,
    HOST_RESULT_SCHEMA,
    STATUSES,
)
from ansible_collections.interdict.bans.plugins.plugin_utils import _selectors
from ansible_collections.interdict.bans.plugins.plugin_utils._planning import step_text
from ansible_collections.interdict.bans.plugins.plugin_utils._status import evaluate, worst

RECORD_KEYS = ("name", "version", "publisher", "platform", "source", "identifier", "user", "path", "scope", "device_id")
RESULT_DIR = "hosts"
LOCK_FILE = ".fleet.lock"
# Where an AWX/AAP job looks when no report directory is set: a host path the execution environment sees
# ("Paths to expose to isolated jobs", or a volume of the container group), shared by every execution node.
AWX_REPORT_DIR = "/var/lib/interdict/report"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: UP017


def ban_digest(ban):
    """The SHA-256 of a ban definition as loaded: the catalog version a result was judged against."""
    text = json.dumps(ban, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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
            ban["id"]: {
                "title": ban.get("title", ban["id"]),
                "authorities": ban.get("authorities", []),
                "sha256": ban_digest(ban),
            }
            for ban in bans
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
    if (plan or {}).get("out_of_scope"):
        record["scope"] = plan["out_of_scope"]
    if (plan or {}).get("view"):
        record["view"] = plan["view"]
    record.update(extra or {})
    return record


# ---------------------------------------------------------------- files


def resolve_report_dir(given, environ, under_awx):
    """The report directory: the one given, else $INTERDICT_REPORT_DIR, else (in AWX/AAP jobs) AWX_REPORT_DIR.

    Never the current directory: in an execution environment that is the job's private folder, gone
    with the job. Raises ValueError with what to set.
    """
    chosen = given or environ.get("INTERDICT_REPORT_DIR") or ""
    if chosen:
        return chosen
    if under_awx:
        if os.path.isdir(AWX_REPORT_DIR):
            return AWX_REPORT_DIR
        raise ValueError(
            f"no report directory: set interdict_report_dir (or INTERDICT_REPORT_DIR), or expose {AWX_REPORT_DIR}, "
            "shared by every execution node, to the job's execution environment"
        )
    raise ValueError("no report directory: set interdict_report_dir (or <ban>_report_dir, or INTERDICT_REPORT_DIR)")


@contextlib.contextmanager
def fleet_lock(report_dir):
    """Hold the report's merge lock: concurrent jobs and slices merge one at a time.

    A POSIX (fcntl) record lock on <report_dir>/.fleet.lock: released when the process ends, whatever
    happens, and honoured over NFS by lockd, where a report shared by execution nodes usually lives.
    """
    os.makedirs(report_dir, exist_ok=True)
    fd = os.open(os.path.join(report_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
    try:  # here, not at the top: writing a host's result never needs it
        import jsonschema
    except ImportError:  # pragma: no cover
        raise RuntimeError(
            "the Python library 'jsonschema' is required to read host results (pip install jsonschema)"
        ) from None
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

# Statuses that settle the question for a ban; every other status (unknown, and any the contract adds
# later) is explained by one reason category.
SETTLED = ("compliant", "remediated", "exempt", "non_compliant", "failed")
# Why a host could not be settled, worst-understood first; unknown_category() picks exactly one.
UNKNOWN_CATEGORIES = {
    "out_of_scope": "Out of scope: the ban does not cover this device",
    "unreachable": "No result: the host was unreachable or not in the run",
    "stale": "Only an old result: nothing from this run",
    "not_listed": "Not in the MDM's device listing of this run",
    "personal_device": "Personal device: the MDM may not list its private apps",
    "source_failed": "A software inventory source failed",
    "source_partial": "A software inventory source was read only in part",
    "other": "Other (see the host's reason)",
}


def unknown_category(host):
    """Why a merged host's status is not settled: one key of UNKNOWN_CATEGORIES, or "" when it is settled.

    The only place that classifies an unknown; the HTML, the run summaries and the filters read it.
    """
    status = host.get("status")
    if status in SETTLED:
        return ""
    if status in UNKNOWN_CATEGORIES:
        return status
    if host.get("no_result"):
        return "unreachable"
    if host.get("stale"):
        return "stale"
    mdm = host.get("mdm") or {}
    if mdm.get("inventory") == "unlisted":
        return "not_listed"
    if str(mdm.get("ownership") or "").lower() == "personal":
        return "personal_device"
    states = {source.get("state") for source in host.get("sources") or ()}
    if "failed" in states or host.get("facts_error"):
        return "source_failed"
    if "partial" in states:
        return "source_partial"
    return "other"


def _mdm_of(results):
    for result in results:
        mdm = result.get("mdm")
        if isinstance(mdm, dict) and mdm:
            return {key: str(mdm.get(key) or "") for key in ("provider", "ownership", "inventory")}
    return {}


def merge_fleet(
    results,
    expected_hosts=(),
    errors=(),
    generated=None,
    run_id=None,
    fresh_since=None,
    inventory_size=None,
):
    """Merge host results into the fleet view.

    Expected hosts without a result are unknown; so is every result that is not
    fresh (``is_fresh``): an old result never shows a host's old status as today's.
    """
    fresh = [r for r in results if is_fresh(r, run_id, fresh_since)]
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
                    "timestamp": "",
                    "runs": [],
                    "findings": [],
                    "actions": [],
                    "remaining": [],
                    "blocks": [],
                    "exceptions": [],
                    "results": [],
                    "sources": [],
                    "mdm": {},
                    "no_result": True,
                    "view": {},
                    "scope": "",
                }
            )
        else:
            status = worst(r["status"] for r in own)
            per_ban = {}
            for result in own:
                for ban_id, ban_status in (result.get("per_ban") or {}).items():
                    per_ban[ban_id] = worst([per_ban.get(ban_id), ban_status])
            merged = {
                "host": host,
                "status": status,
                "reason": "; ".join(r["reason"] for r in own if r["status"] == status and r.get("reason")),
                "per_ban": per_ban,
                "platform": next((r.get("platform") for r in own if r.get("platform")), ""),
                "timestamp": max(r.get("timestamp") or "" for r in own),
                "runs": sorted({r.get("run_id") or "" for r in own}),
                "findings": [f for r in own for f in r.get("findings", ())],
                "actions": [a for r in own for a in r.get("actions", ())],
                "remaining": [f for r in own for f in r.get("remaining", ())],
                "blocks": [b for r in own for b in r.get("blocks", ())],
                "exceptions": [e for r in own for e in r.get("exceptions", ())],
                "reboot_pending": any(r.get("reboot_pending") for r in own),
                "results": [r["_file"] for r in own if r.get("_file")],
                "sources": [s for r in own for s in r.get("sources") or ()],
                "mdm": _mdm_of(own),
                "view": next((r["view"] for r in own if r.get("view")), {}),
                "scope": next((r["scope"] for r in own if r.get("scope")), ""),
            }
            if any(r.get("stale") for r in own):
                merged["stale"] = True
            facts_errors = [r["facts_error"] for r in own if r.get("facts_error")]
            if facts_errors:
                merged["facts_error"] = "; ".join(facts_errors)
            hosts.append(merged)
        hosts[-1]["category"] = unknown_category(hosts[-1])

    by_status = dict.fromkeys(STATUSES, 0)
    by_ban = {ban_id: dict.fromkeys(STATUSES, 0) for ban_id in bans}
    by_category = {}
    for host in hosts:
        by_status[host["status"]] += 1
        for ban_id, ban_status in host["per_ban"].items():
            by_ban.setdefault(ban_id, dict.fromkeys(STATUSES, 0))[ban_status] += 1
        if host["category"]:
            platforms = by_category.setdefault(host["category"], {})
            platforms[host["platform"] or "not known"] = platforms.get(host["platform"] or "not known", 0) + 1

    exceptions = {}
    for host in hosts:
        for exception in host["exceptions"]:
            key = json.dumps(exception, sort_keys=True)
            exceptions.setdefault(key, dict(exception, applied_to=[]))
            if host["host"] not in exceptions[key]["applied_to"]:
                exceptions[key]["applied_to"].append(host["host"])

    modes = {r.get("mode") for r in fresh}
    # Re-rendered without a run id (the report playbook), the results of one run are still that run.
    run_ids = {str(r.get("run_id") or "") for r in fresh}
    return {
        "schema_version": FLEET_SCHEMA_VERSION,
        "generated": generated or now_iso(),
        "run": {
            "id": run_id or (run_ids.pop() if len(run_ids) == 1 else ""),
            "fresh_since": fresh_since or "",
            # What really happened: enforce as soon as one host's steps ran outside check mode.
            "mode": "enforce" if "enforce" in modes else "audit",
            "started": min((str(r.get("run_started") or r.get("timestamp") or "") for r in fresh), default=""),
            "finished": max((str(r.get("timestamp") or "") for r in fresh), default=""),
            "inventory": inventory_size if inventory_size is not None else len(hosts),
            "catalog": {ban_id: str(info.get("sha256") or "") for ban_id, info in sorted(bans.items())},
        },
        "summary": {
            "hosts": len(hosts),
            "by_status": by_status,
            "by_ban": by_ban,
            "by_category": {key: by_category[key] for key in UNKNOWN_CATEGORIES if key in by_category},
            "compliant": by_status["compliant"] + by_status["remediated"],
        },
        "bans": bans,
        "exceptions": list(exceptions.values()),
        "hosts": hosts,
        "errors": list(errors),
    }


def catalog_version(fleet):
    """A short digest of every ban definition the run used (the same bans give the same version)."""
    catalog = (fleet.get("run") or {}).get("catalog") or {}
    if not catalog or not all(catalog.values()):
        return ""
    text = "\n".join(f"{ban_id}={digest}" for ban_id, digest in sorted(catalog.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- history

RUNS_DIR = "runs"
HISTORY_LIMIT = 200
PROBLEM = ("non_compliant", "failed")


def run_key(fleet):
    """The run's file name stem: its id when it is a plain name, else a plain part and a hash."""
    run_id = str((fleet.get("run") or {}).get("id") or "")
    if not run_id:
        stamp = re.sub(r"[^0-9TZ]", "", str((fleet.get("run") or {}).get("finished") or fleet.get("generated")))
        return f"at-{stamp or 'unknown'}"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", run_id)[:100]
    if safe != run_id or run_id in (".", "..") or run_id.startswith("."):
        safe = f"{safe.lstrip('.') or '_'}~{hashlib.sha256(run_id.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    return safe


def run_summary(fleet):
    """What a run's history keeps: its header, its counts, every host's status per ban and the exceptions."""
    run = fleet.get("run") or {}
    return {
        "run_id": run.get("id") or "",
        "key": run_key(fleet),
        "mode": run.get("mode") or "",
        "started": run.get("started") or "",
        "finished": run.get("finished") or "",
        "inventory": run.get("inventory", 0),
        "catalog": run.get("catalog") or {},
        "summary": fleet["summary"],
        "hosts": {host["host"]: host["per_ban"] for host in fleet["hosts"]},
        "exceptions": [
            {key: exception.get(key) for key in ("hosts", "bans", "approver", "reason", "expires", "state")}
            for exception in fleet["exceptions"]
        ],
    }


def load_runs(report_dir):
    """The kept run summaries, oldest first; an unreadable file is skipped (it is not this run's evidence)."""
    folder = os.path.join(report_dir, RUNS_DIR)
    runs = []
    if not os.path.isdir(folder):
        return runs
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json") or name.startswith("."):
            continue
        data, _why = _read_result(os.path.join(folder, name))
        if data and isinstance(data.get("summary"), dict) and isinstance(data.get("hosts"), dict):
            runs.append(data)
    return sorted(runs, key=lambda r: (str(r.get("finished") or ""), str(r.get("key") or "")))


def _exception_id(exception):
    return json.dumps({k: v for k, v in exception.items() if k != "state"}, sort_keys=True)


def changes(previous, current):
    """What changed between two run summaries: newly non-compliant, remediated, exceptions that expired."""
    if not previous:
        return {"previous": "", "newly_non_compliant": [], "remediated": [], "expired_exceptions": []}
    before = previous.get("hosts") or {}
    newly, fixed = [], []
    for host, per_ban in sorted((current.get("hosts") or {}).items()):
        old = before.get(host) or {}
        for ban_id, status in sorted(per_ban.items()):
            if status in PROBLEM and old.get(ban_id) not in PROBLEM:
                newly.append({"host": host, "ban": ban_id, "status": status, "was": old.get(ban_id) or ""})
            elif old.get(ban_id) in PROBLEM and status in ("compliant", "remediated"):
                fixed.append({"host": host, "ban": ban_id, "status": status, "was": old[ban_id]})
    active_before = {_exception_id(e) for e in previous.get("exceptions") or () if e.get("state") == "active"}
    expired = [
        e for e in current.get("exceptions") or () if e.get("state") == "expired" and _exception_id(e) in active_before
    ]
    return {
        "previous": previous.get("run_id") or previous.get("key") or "",
        "newly_non_compliant": newly,
        "remediated": fixed,
        "expired_exceptions": expired,
    }


def history(report_dir, fleet):
    """Every kept run with this one in its place (its own file replaced), and the changes since the one before."""
    current = run_summary(fleet)
    runs = [r for r in load_runs(report_dir) if r.get("key") != current["key"]]
    runs.append(current)
    runs.sort(key=lambda r: (str(r.get("finished") or ""), str(r.get("key") or "")))
    index = runs.index(current)
    trend = [
        {key: r.get(key) for key in ("run_id", "key", "mode", "started", "finished", "inventory")}
        | {"by_ban": (r.get("summary") or {}).get("by_ban") or {}}
        for r in runs[-HISTORY_LIMIT:]
    ]
    return current, {"runs": trend, "changes": changes(runs[index - 1] if index else None, current)}


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
    "unknown_reason",
    "mdm",
)


# Control characters, line separators and the bidirectional overrides that can make a name read backwards.
_CSV_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def _escape_control(found):
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _display(value):
    """Host-supplied text for display: control characters shown as escapes, never raw."""
    return _CSV_CONTROL.sub(_escape_control, str(value))


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
                # The MDM a device was read through (its provider), "" for a host reached directly.
                "mdm": (host.get("mdm") or {}).get("provider") or "",
                "findings": "; ".join(_label(f) for f in mine(host["findings"])),
                "actions": "; ".join(f"{a['step']}={a['outcome']}" for a in mine(host["actions"])),
                "remaining": "; ".join(_label(f) for f in mine(host["remaining"])),
                "blocks": "; ".join(f"{b['method']}={b['state']}" for b in mine(host["blocks"])),
                "reason": host["reason"],
                "timestamp": host["timestamp"],
                "unknown_reason": host.get("category") or "",
            }
            writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def write_fleet(
    report_dir, expected_hosts=(), check_mode=False, generated=None, run_id=None, fresh_since=None, inventory_size=None
):
    """Merge <report_dir>/hosts/*.json, write fleet.json/.csv/.html and runs/<run>.json; return (fleet, changed).

    Read, merge and write happen under the report's lock: a merge never writes a fleet that misses the
    hosts another slice or job added while it was reading. In check mode nothing is written, no lock taken.
    Each run's summary is its own file, written atomically, so no run ever overwrites another's.
    """
    args = (report_dir, expected_hosts, check_mode, generated, run_id, fresh_since, inventory_size)
    if check_mode:
        return _write_fleet(*args)
    with fleet_lock(report_dir):
        return _write_fleet(*args)


def _write_fleet(report_dir, expected_hosts, check_mode, generated, run_id, fresh_since, inventory_size):
    # The page is built from this module's merge, so it is imported here, not at the top (no import cycle).
    from ansible_collections.interdict.bans.plugins.plugin_utils._report_html import render_html

    results, errors = load_results(report_dir)
    fleet = merge_fleet(
        results,
        expected_hosts,
        errors,
        generated=generated,
        run_id=run_id,
        fresh_since=fresh_since,
        inventory_size=len(expected_hosts) if expected_hosts else inventory_size,
    )
    for host in fleet["hosts"]:
        host.pop("_file", None)
    summary, fleet["history"] = history(report_dir, fleet)
    run_path = os.path.join(report_dir, RUNS_DIR, f"{summary['key']}.json")
    previous = _load_json(os.path.join(report_dir, "fleet.json"))
    files_present = all(
        os.path.exists(os.path.join(report_dir, n)) for n in ("fleet.json", "fleet.csv", "fleet.html")
    ) and os.path.exists(run_path)
    if files_present and previous is not None and dict(previous, generated=None) == dict(fleet, generated=None):
        return fleet, False
    if not check_mode:
        write_atomic(run_path, json.dumps(summary, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n")
        write_atomic(os.path.join(report_dir, "fleet.csv"), render_csv(fleet))
        write_atomic(os.path.join(report_dir, "fleet.html"), render_html(fleet))
        write_atomic(
            os.path.join(report_dir, "fleet.json"),
            json.dumps(fleet, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        )
    return fleet, True


# ---------------------------------------------------------------- queries


def read_fleet(report_dir):
    """fleet.json of a report directory, checked to be a fleet report of the schema version this code reads."""
    path = os.path.join(report_dir, "fleet.json")
    data, why = _read_result(path)
    if data is None:
        raise _selectors.SelectorError(f"{path}: not a fleet report: {why}")
    version = data.get("schema_version")
    if version != FLEET_SCHEMA_VERSION:
        raise _selectors.SelectorError(
            f"{path}: fleet report schema_version {str(version)[:20]}, this collection reads {FLEET_SCHEMA_VERSION}"
            " (render it again with the interdict.bans.report playbook)"
        )
    return data


def query_fleet(fleet, expression, now=None):
    """A JMESPath query over the fleet report (docs/selectors.md has examples)."""
    return _selectors.query(expression, fleet, now)
