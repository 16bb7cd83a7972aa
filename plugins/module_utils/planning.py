# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn findings into an ordered removal and block plan (pure Python, controller side).

The plan decides everything; the target only executes it. What is generic
lives here: exceptions (with approver, reason and expiry), the protected list,
the cap on removals per host, ordering and "stop after a failure" links. How a
step looks on a given platform is the business of a step builder module
(``posix_steps`` for linux and macos, ``windows_steps`` for windows; phones and
tablets are remediated through the MDM modules). Each has two functions:

``steps(findings, ban, options) -> list``
    remove steps for the findings of one ban on one platform; an item
    ``{"kind": "skip", "finding": f, "reason": "..."}`` says why a finding
    gets no step.
``blocks(ban, findings, current_blocks, options) -> list``
    block steps (``kind: block``) and block statuses
    (``{ban, method, state: present | not_blockable, note}``).
"""

from __future__ import annotations

import datetime
import fnmatch
import re

from ansible_collections.interdict.bans.plugins.module_utils import posix_steps, windows_steps

# Platform -> the module that builds its steps.
BUILDERS = {"linux": posix_steps, "macos": posix_steps, "windows": windows_steps}

EXCEPTION_KEYS = {"hosts", "bans", "approver", "reason", "expires", "ticket", "note"}
EXCEPTION_REQUIRED = ("hosts", "approver", "reason", "expires")
MODES = ("audit", "enforce")


class PlanError(ValueError):
    """Bad planning input (exceptions, protected list, options). The message names the field."""


def _today(now):
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017 - module_utils also run on Python < 3.11
    if isinstance(now, datetime.datetime):
        return now.date()
    if isinstance(now, datetime.date):
        return now
    try:
        return datetime.date.fromisoformat(str(now)[:10])
    except ValueError:
        raise PlanError(f"now: expected a date YYYY-MM-DD, got {now!r}") from None


def _as_list(value, where):
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) and item for item in value) and value:
        return list(value)
    raise PlanError(f"{where}: expected a non-empty string or list of strings, got {value!r}")


def validate_exceptions(exceptions, now=None):
    """Check every exception and return them normalized, each with its ``state`` (active/expired)."""
    if exceptions is None:
        return []
    if not isinstance(exceptions, (list, tuple)):
        raise PlanError(f"exceptions: expected a list, got {type(exceptions).__name__}")
    today = _today(now)
    normalized = []
    for index, entry in enumerate(exceptions):
        where = f"exceptions[{index}]"
        if not isinstance(entry, dict):
            raise PlanError(f"{where}: expected a mapping, got {type(entry).__name__}")
        unknown = sorted(set(entry) - EXCEPTION_KEYS)
        if unknown:
            raise PlanError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(EXCEPTION_KEYS))})")
        for key in EXCEPTION_REQUIRED:
            if entry.get(key) in (None, "", []):
                raise PlanError(f"{where}: missing {key!r} (every exception needs hosts, approver, reason, expires)")
        for key in ("approver", "reason"):
            if not isinstance(entry[key], str):
                raise PlanError(f"{where}.{key}: expected a string")
        expires = entry["expires"]
        if isinstance(expires, datetime.date):
            expires = expires.isoformat()
        if not isinstance(expires, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", expires):
            raise PlanError(f"{where}.expires: expected a date YYYY-MM-DD, got {entry['expires']!r}")
        try:
            expiry = datetime.date.fromisoformat(expires)
        except ValueError:
            raise PlanError(f"{where}.expires: not a real date: {expires!r}") from None
        item = {
            "hosts": _as_list(entry["hosts"], f"{where}.hosts"),
            "bans": _as_list(entry["bans"], f"{where}.bans") if entry.get("bans") is not None else [],
            "approver": entry["approver"],
            "reason": entry["reason"],
            "expires": expires,
            # Valid through its expiry day; the day after, the ban applies again.
            "state": "active" if today <= expiry else "expired",
        }
        for key in ("ticket", "note"):
            if entry.get(key):
                item[key] = str(entry[key])
        normalized.append(item)
    return normalized


def exception_applies(exception, host, ban_id):
    """True when the exception names this host (glob, case-insensitive) and this ban (or all bans)."""
    if exception["bans"] and ban_id not in exception["bans"]:
        return False
    host = str(host).lower()
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in exception["hosts"])


def validate_protected(protected):
    if protected is None:
        return []
    if isinstance(protected, str) or not isinstance(protected, (list, tuple)):
        raise PlanError(f"protected: expected a list of identifiers or name patterns, got {protected!r}")
    for index, pattern in enumerate(protected):
        if not isinstance(pattern, str) or not pattern.strip():
            raise PlanError(f"protected[{index}]: expected a non-empty string, got {pattern!r}")
    return list(protected)


def protected_by(record, protected):
    """The protected pattern (glob, full match, case-insensitive) that covers this record, or None."""
    values = [str(record.get(key) or "").lower() for key in ("identifier", "name")]
    for pattern in protected:
        lowered = pattern.lower()
        if any(value and fnmatch.fnmatchcase(value, lowered) for value in values):
            return pattern
    return None


def has_declared_order(ban, platform):
    return bool(ban.get("platforms", {}).get(platform, {}).get("remove", {}).get("order"))


def normalize_current_blocks(current_blocks):
    """Blocks present on a host as a flat list of dicts with ``method``.

    Accepts the mapping ``software_facts`` returns (method -> entries; flatpak
    masks carry a ``patterns`` list) or an already flat list.
    """
    if not current_blocks:
        return []
    if isinstance(current_blocks, dict):
        entries = [dict(entry, method=method) for method, items in current_blocks.items() for entry in items or ()]
    else:
        entries = [dict(entry) for entry in current_blocks]
    flat = []
    for entry in entries:
        if entry.get("method") == "flatpak_mask" and "patterns" in entry:
            for pattern in entry["patterns"]:
                flat.append({**{k: v for k, v in entry.items() if k != "patterns"}, "pattern": pattern})
        else:
            flat.append(entry)
    return flat


def _platforms_of_host(findings, records, platform):
    seen = []
    for value in [
        platform,
        *(r.get("platform") for r in records or ()),
        *(f["software"].get("platform") for f in findings),
    ]:
        if value and value not in seen:
            seen.append(value)
    return seen


def _link_ordered_steps(steps, bans_by_id):
    """Where a ban declares an order, a remove step waits for every earlier remove step of that ban."""
    for step in steps:
        if step["kind"] != "remove" or not has_declared_order(bans_by_id.get(step["ban"], {}), step["platform"]):
            continue
        earlier = [
            other["id"]
            for other in steps
            if other["kind"] == "remove"
            and other["ban"] == step["ban"]
            and other["platform"] == step["platform"]
            and other["order"] < step["order"]
        ]
        if earlier:
            step["depends_on"] = sorted(set(step.get("depends_on", [])) | set(earlier))


def removal_plan(
    findings,
    bans,
    host="",
    mode="audit",
    exceptions=None,
    protected=None,
    max_removals=None,
    blocks=True,
    current_blocks=None,
    records=None,
    sources=None,
    platform=None,
    now=None,
    allow_reboot=False,
    package_manager=None,
    builder_options=None,
):
    """Plan remove and block steps for one host.

    ``findings`` come from matching; ``bans`` are the validated ban definitions
    of this run (blocks are planned for every one of them, found or not);
    ``sources`` (the package systems facts could read, e.g. the keys of
    ``interdict_sources.read``) or else ``records`` (all software records of
    the host) tell which package systems exist there, so blocks are only
    planned where they can work. ``current_blocks`` is ``interdict_blocks``.
    """
    if mode not in MODES:
        raise PlanError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if max_removals is not None and (isinstance(max_removals, bool) or int(max_removals) < 0):
        raise PlanError(f"max_removals: expected a number >= 0, got {max_removals!r}")
    exceptions = validate_exceptions(exceptions, now)
    protected = validate_protected(protected)
    current_blocks = normalize_current_blocks(current_blocks)
    findings = list(findings or ())
    bans_by_id = {ban["id"]: ban for ban in bans}
    host_exceptions = [e for e in exceptions if any(exception_applies(e, host, ban_id) for ban_id in bans_by_id)]
    options = {
        "host": host,
        "mode": mode,
        "allow_reboot": bool(allow_reboot),
        "package_manager": package_manager,
        # Package systems present on the host: what facts read, else what the records show.
        "sources": sorted(sources or {r.get("source") for r in records or () if r.get("source")}),
        # Platform options for the step builders (log_dir, password_protection, secrets_set, ...); never secret values.
        **(builder_options or {}),
    }

    plan = {
        "host": host,
        "mode": mode,
        "steps": [],
        "blocks": [],
        "skipped": [],
        "exempt": [],
        "exceptions": host_exceptions,
        "findings": findings,
        "blocked_by_cap": False,
        "max_removals": None if max_removals is None else int(max_removals),
        "removals": 0,
    }

    def active_exception(ban_id):
        for exception in host_exceptions:
            if exception["state"] == "active" and exception_applies(exception, host, ban_id):
                return exception
        return None

    # Group what is to be removed by (ban, platform); keep the catalog's ban order.
    grouped = {}
    for finding in findings:
        ban_id = finding["ban"]
        if ban_id not in bans_by_id:
            plan["skipped"].append({"finding": finding, "reason": f"ban {ban_id!r} is not part of this run"})
            continue
        exception = active_exception(ban_id)
        if exception is not None:
            plan["exempt"].append({"finding": finding, "exception": exception})
            continue
        pattern = protected_by(finding["software"], protected)
        if pattern is not None:
            plan["skipped"].append({"finding": finding, "reason": f"protected by {pattern!r}: never removed"})
            continue
        grouped.setdefault((ban_id, finding["software"].get("platform")), []).append(finding)

    remove_steps = []
    for (ban_id, record_platform), group in grouped.items():
        builder = BUILDERS.get(record_platform)
        if builder is None:
            reason = f"no endpoint remediation for platform {record_platform!r} (phones: the MDM modules)"
            plan["skipped"].extend({"finding": f, "reason": reason} for f in group)
            continue
        for item in builder.steps(group, bans_by_id[ban_id], dict(options, platform=record_platform)):
            if item.get("kind") == "skip":
                plan["skipped"].append({"finding": item["finding"], "reason": item["reason"]})
            else:
                remove_steps.append(item)

    remove_steps = _unique(remove_steps)
    plan["removals"] = len(remove_steps)
    if plan["max_removals"] is not None and len(remove_steps) > plan["max_removals"]:
        plan["blocked_by_cap"] = True
        reason = f"{len(remove_steps)} removals planned, more than max_removals={plan['max_removals']}: nothing removed"
        already = {id(item["finding"]) for item in plan["skipped"]}
        for group in grouped.values():
            plan["skipped"].extend({"finding": f, "reason": reason} for f in group if id(f) not in already)
        remove_steps = []

    block_steps = []
    if blocks:
        for host_platform in _platforms_of_host(findings, records, platform):
            builder = BUILDERS.get(host_platform)
            if builder is None or not callable(getattr(builder, "blocks", None)):
                continue
            for ban_id, ban in bans_by_id.items():
                if host_platform not in ban.get("platforms", {}) or active_exception(ban_id) is not None:
                    continue
                ban_findings = [f for f in findings if f["ban"] == ban_id]
                for item in builder.blocks(ban, ban_findings, current_blocks, dict(options, platform=host_platform)):
                    if item.get("kind") == "block":
                        block_steps.append(item)
                        plan["blocks"].append(block_status(item, "planned"))
                    else:
                        plan["blocks"].append(item)

    steps = _unique(remove_steps + block_steps)
    # Stable sort: ties keep catalog and finding order.
    steps.sort(key=lambda step: step["order"])
    _link_ordered_steps(steps, bans_by_id)
    plan["steps"] = steps
    return plan


def block_status(step, state, note=""):
    """The report's view of a block step."""
    status = {"ban": step["ban"], "method": step["method"], "state": state, "step": step["id"]}
    for key in ("path", "rule", "target"):
        if step.get(key):
            status[key] = step[key]
    if note or step.get("note"):
        status["note"] = note or step["note"]
    return status


def _unique(steps):
    seen = set()
    unique = []
    for step in steps:
        if step["id"] in seen:
            continue
        seen.add(step["id"])
        unique.append(step)
    return unique


def step_text(step):
    """One line that says what a step does, for diffs and reports."""
    if step.get("command"):
        return " ".join(_quote(arg) for arg in step["command"])
    if step.get("content") is not None and step.get("path"):
        return f"write {step['path']}"
    if step.get("values") and step.get("path"):
        return (
            f"ensure {step.get('option')} in [{step.get('section')}] of {step['path']} has {' '.join(step['values'])}"
        )
    return f"{step['method']} {step.get('target', '')}".strip()


def _quote(arg):
    arg = str(arg)
    if arg and re.fullmatch(r"[\w@%+=:,./-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"
