# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status rules, in one function (controller only).

Every host result (POSIX, Windows, MDM device) gets its status per ban and
overall from ``evaluate``. Nothing else derives a status. The rules:

* a ban whose banned item is still there and not covered by an exception is
  ``non_compliant`` (``failed`` when a removal was attempted and failed);
* otherwise, when any evidence source was not fully read, ``unknown``;
* a step or a block that failed is ``failed``;
* findings all covered by an active exception are ``exempt``;
* findings removed (verified gone, or nothing left to verify) are ``remediated``;
* nothing found on complete evidence is ``compliant``;
* a host outside the run's scope selector (the planner says ``out_of_scope``) is
  ``out_of_scope`` for every ban, with the selector as the reason, whatever was found.

Which step addressed which finding is read from the steps' ``findings`` keys,
never guessed from names.
"""

from __future__ import annotations

from ansible_collections.interdict.bans.plugins.module_utils.contract import (
    EVIDENCE_OK,
    GOOD_OUTCOMES,
    STATUSES,
    finding_key,
)

SEVERITY = {status: rank for rank, status in enumerate(STATUSES)}
ACCEPTABLE = ("compliant", "remediated", "exempt")


def worst(statuses, default="compliant"):
    statuses = [status for status in statuses if status]
    return max(statuses, key=SEVERITY.__getitem__) if statuses else default


def evidence_gaps(sources):
    """Reasons why the evidence is incomplete: every source not fully read, with its reason."""
    if isinstance(sources, dict):
        sources = sources.get("sources") or ()
    return [
        f"{item.get('source')}: {item.get('state')}" + (f" ({item['reason']})" if item.get("reason") else "")
        for item in sources or ()
        if item.get("state") not in EVIDENCE_OK
    ]


def _label(software):
    name = software.get("name") or software.get("identifier") or "?"
    identifier = software.get("identifier")
    label = f"{name} ({identifier})" if identifier and identifier != name else str(name)
    return f"{label} [{software['user']}]" if software.get("user") else label


def names(findings, limit=5):
    labels = sorted({_label(f.get("software") or {}) for f in findings})
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def _ban_status(executed, findings, exempt_keys, skipped, steps, outcomes, messages, remaining, verified, gaps):
    violations = [f for f in findings if finding_key(f) not in exempt_keys]
    by_key = {}
    for step in steps:
        for key in step.get("findings", ()):
            by_key.setdefault(key, []).append(step["id"])

    failed_steps = [s["id"] for s in steps if outcomes.get(s["id"]) == "failed"]
    if executed and failed_steps:
        return "failed", "; ".join(
            f"{step_id} failed" + (f": {messages[step_id]}" if messages.get(step_id) else "")
            for step_id in failed_steps
        )

    if not executed:
        left = violations
    elif verified:
        left = [f for f in remaining if finding_key(f) not in exempt_keys]
    else:
        # Without verification, a violation is gone only when a step addressing it ended well.
        left = [
            f
            for f in violations
            if not any(outcomes.get(step_id) in GOOD_OUTCOMES for step_id in by_key.get(finding_key(f), ()))
        ]
    if left:
        attempted = [
            f
            for f in left
            if any(
                outcomes.get(step_id) in ("ok", "absent", "reboot_pending", "failed")
                for step_id in by_key.get(finding_key(f), ())
            )
        ]
        pending = [
            f for f in left if any(outcomes.get(step_id) == "pending" for step_id in by_key.get(finding_key(f), ()))
        ]
        if executed and attempted and not pending:
            return "failed", f"still present after removal: {names(attempted)}"
        left_keys = {finding_key(f) for f in left}
        reasons = sorted(
            {item["reason"] for item in skipped if finding_key(item["finding"]) in left_keys}
            | {s["blocked"] for s in steps if s.get("blocked") and left_keys & set(s.get("findings", ()))}
        )
        why = f"banned software found: {names(left)}"
        if pending:
            why += f"; removal pending: {names(pending)}"
        if reasons:
            why += f" (not removed: {'; '.join(reasons)})"
        return "non_compliant", why
    if gaps:
        return "unknown", "software inventory incomplete: " + "; ".join(gaps)
    if violations:
        return "remediated", f"removed: {names(violations)}"
    if findings:
        return "exempt", f"covered by an active exception: {names(findings)}"
    return "compliant", ""


def evaluate(ban_ids, plan, actions=(), remaining=(), verified=False, executed=False, sources=None, facts_error=None):
    """Status and reason per ban and for the host. The only place a status is decided.

    ``plan`` is the planner's output (or None when facts failed), ``actions`` the
    executed steps' outcomes ``[{step, outcome, msg}]``, ``remaining`` what
    matching found after the run when ``verified``, ``executed`` whether steps
    ran for real (not check mode), ``sources`` the evidence, ``facts_error`` why
    facts or verification could not be read. Returns
    ``(status, reason, per_ban, per_ban_reason)``.
    """
    gaps = evidence_gaps(sources)
    if facts_error:
        gaps.append(str(facts_error))
    if plan is None:
        reason = "software inventory failed: " + ("; ".join(gaps) or "no facts")
        per_ban = dict.fromkeys(ban_ids, "unknown")
        return "unknown", reason, per_ban, dict.fromkeys(ban_ids, reason)

    if plan.get("out_of_scope"):
        # Nothing was planned or done there: no ban is judged, and none is counted compliant.
        reason = f"outside the scope {plan['out_of_scope']!r}"
        per_ban = dict.fromkeys(ban_ids, "out_of_scope")
        return "out_of_scope", reason, per_ban, dict.fromkeys(ban_ids, reason)

    outcomes = {a["step"]: a.get("outcome") for a in actions}
    messages = {a["step"]: a.get("msg") or "" for a in actions}
    per_ban, per_ban_reason = {}, {}
    for ban_id in ban_ids:
        status, why = _ban_status(
            executed,
            [f for f in plan.get("findings", ()) if f["ban"] == ban_id],
            {finding_key(e["finding"]) for e in plan.get("exempt", ()) if e["finding"]["ban"] == ban_id},
            [s for s in plan.get("skipped", ()) if s["finding"]["ban"] == ban_id],
            [s for s in plan.get("steps", ()) if s["ban"] == ban_id and s["kind"] != "block"],
            outcomes,
            messages,
            [f for f in remaining if f["ban"] == ban_id],
            verified,
            gaps,
        )
        blocks_failed = [
            s["id"]
            for s in plan.get("steps", ())
            if s["ban"] == ban_id and s["kind"] == "block" and outcomes.get(s["id"]) == "failed"
        ]
        if executed and blocks_failed and SEVERITY[status] < SEVERITY["failed"]:
            status, why = "failed", "a block could not be put in place: " + ", ".join(blocks_failed)
        per_ban[ban_id] = status
        if why:
            per_ban_reason[ban_id] = why
    status = worst(per_ban.values(), default="unknown" if gaps else "compliant")
    reason = "; ".join(f"{ban_id}: {why}" for ban_id, why in per_ban_reason.items() if per_ban[ban_id] == status)
    if not per_ban and gaps:
        reason = "software inventory incomplete: " + "; ".join(gaps)
    return status, reason, per_ban, per_ban_reason
