# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data contract, written once: software record, source state, finding, step, plan, host result.

Every part of the collection exchanges these shapes (docs/architecture.md
describes them; ``docs/host_result.schema.json`` is ``HOST_RESULT_SCHEMA``).
This module is pure data and helpers with no decisions, so facts modules on
targets and the controller's planner and report import the same definitions.
"""

from __future__ import annotations

# TypedDict only documents the shapes; annotations are never evaluated (Python 3.8 targets).
from typing import Any, TypedDict

PLATFORMS = ("windows", "linux", "macos", "ios", "android")
# How a facts source ended. "absent": the host does not have that source (no rpm database), which is no gap.
SOURCE_STATES = ("read", "partial", "failed", "absent")
EVIDENCE_OK = ("read", "absent")
# From best to worst; several results for one host merge to the worst. "out_of_scope": outside the
# run's scope selector, so nothing was judged or changed there; never counted compliant.
STATUSES = ("compliant", "remediated", "exempt", "out_of_scope", "unknown", "non_compliant", "failed")
STEP_KINDS = ("remove", "residue", "block")
# What a step ended as. "pending": handed to an MDM, done at the device's next check-in.
OUTCOMES = ("ok", "absent", "reboot_pending", "pending", "failed", "skipped", "planned")
# Outcomes after which a step's dependants may run.
GOOD_OUTCOMES = ("ok", "absent", "reboot_pending")
MODES = ("audit", "enforce")


class SoftwareRecord(TypedDict, total=False):
    name: str
    version: str
    publisher: str
    platform: str  # one of PLATFORMS
    source: str  # dpkg, rpm, flatpak, snap, app_bundle, pkgutil, registry*, appx*, mdm, ...
    identifier: str
    user: str
    path: str
    scope: str
    signer: str
    managed: bool


class SourceState(TypedDict):
    source: str
    state: str  # one of SOURCE_STATES
    records: int
    reason: str


class Evidence(TypedDict):
    """``interdict_sources`` of every facts module, and ``sources`` of every MDM device."""

    platform: str
    sources: list[SourceState]


class Rule(TypedDict, total=False):
    kind: str  # identifier | name | publisher | signer
    value: str
    source: str
    unconfirmed: bool


class Finding(TypedDict):
    ban: str
    software: SoftwareRecord
    rule: Rule


class Step(TypedDict, total=False):
    id: str  # unique within a plan
    ban: str
    kind: str  # one of STEP_KINDS
    platform: str
    method: str
    target: str
    name: str
    findings: list[str]  # finding_key() of every finding this step addresses
    order: int  # set by the planner
    depends_on: list[str]  # set by the planner: run only when these ended in GOOD_OUTCOMES
    exit_codes: dict[str, str]  # set by the planner: exit code -> outcome; any other code is "failed"
    retry: dict[str, Any]  # {codes: [...], attempts: n, delay: s}: exit codes worth a retry
    blocked: str  # the step cannot run: why (reported as failed)
    secrets: list[dict[str, str]]  # [{name, env, encoding}] the command's placeholders need; never values
    fallback_for: list[str]  # run only when one of these failed
    command: list[str]
    command_line: str
    probe: list[str]
    environment: dict[str, str]
    path: str
    content: str


class Plan(TypedDict, total=False):
    host: str
    platform: str
    mode: str
    steps: list[Step]
    blocks: list[dict[str, Any]]  # block statuses {ban, method, state: present|planned|not_blockable, ...}
    skipped: list[dict[str, Any]]  # {finding, reason}: found, left in place by policy or for want of a method
    exempt: list[dict[str, Any]]  # {finding, exception}
    exceptions: list[dict[str, Any]]
    findings: list[Finding]
    removals: int
    max_removals: int | None
    blocked_by_cap: bool


class Action(TypedDict, total=False):
    step: str
    ban: str
    kind: str
    method: str
    what: str
    outcome: str  # one of OUTCOMES
    rc: int | None
    msg: str


class HostResult(TypedDict, total=False):
    host: str
    platform: str
    run_id: str
    run_started: str
    timestamp: str
    mode: str
    bans: list[str]
    ban_info: dict[str, Any]
    status: str
    reason: str
    per_ban: dict[str, str]
    per_ban_reason: dict[str, str]
    sources: list[SourceState]
    findings: list[Finding]
    actions: list[Action]
    remaining: list[Finding]
    blocks: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    exceptions: list[dict[str, Any]]
    reboot_pending: bool


def source_state(source, state, records=0, reason=""):
    """One source's evidence entry; the shape every facts path reports."""
    if state not in SOURCE_STATES:
        raise ValueError("source state must be one of %s, got %r" % (", ".join(SOURCE_STATES), state))
    return {"source": str(source), "state": state, "records": int(records or 0), "reason": str(reason or "")[:500]}


def evidence(platform, sources):
    return {"platform": platform, "sources": list(sources)}


def finding_key(finding):
    """The identity of a finding: which ban, on which item. Steps name the findings they address by it."""
    software = finding.get("software") or {}
    item = software.get("identifier") or software.get("path") or software.get("name") or ""
    return "|".join(
        str(part)
        for part in (
            finding.get("ban") or "",
            software.get("platform") or "",
            software.get("source") or "",
            str(item).lower(),
            software.get("user") or "",
            software.get("device_id") or "",
        )
    )


def exit_codes(success=(0,), absent=(), reboot=()):
    """The exit-code table of a step. Reboot wins over success, success over absent, for a code in several."""
    table = {str(int(code)): "absent" for code in absent}
    table.update({str(int(code)): "ok" for code in success})
    table.update({str(int(code)): "reboot_pending" for code in reboot})
    return table


_STEP_TEXT_LIMIT = 4096


def _bad_text(value, limit=_STEP_TEXT_LIMIT):
    """True unless a string on one line: ids, argv items, paths and variables reach a process or a file name."""
    return (
        not isinstance(value, str)
        or not value
        or len(value) > limit
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    )


def step_error(step, index):
    """Why a plan step cannot be run as given (None when it can): the one shape check of software_apply.

    The controller (action) and the target (module) both call it, so a step from a
    hand-written or tampered plan is refused with one message, before anything runs.
    """
    where = "steps[%d]" % index
    if not isinstance(step, dict):
        return "%s: expected a mapping, got %s" % (where, type(step).__name__)
    if _bad_text(step.get("id"), 512):
        return "%s.id: expected a step id (text on one line)" % where
    for key in ("command", "probe"):
        argv = step.get(key)
        if argv is None:
            continue
        # Arguments never meet a shell, so any text is one argument; only a NUL cannot be passed.
        if not isinstance(argv, list) or not argv or not all(isinstance(arg, str) and "\0" not in arg for arg in argv):
            return "%s.%s: expected a list of arguments, each text without NUL" % (where, key)
    environment = step.get("environment")
    if environment is not None and (
        not isinstance(environment, dict)
        or any(_bad_text(k, 255) or not isinstance(v, str) for k, v in environment.items())
    ):
        return "%s.environment: expected a mapping of variable names to text" % where
    path = step.get("path")
    if path is not None and (_bad_text(path) or not path.startswith("/")):
        return "%s.path: expected an absolute path on one line" % where
    if step.get("content") is not None and not isinstance(step.get("content"), str):
        return "%s.content: expected text" % where
    values = step.get("values")
    if values is not None and (not isinstance(values, list) or any(_bad_text(value, 255) for value in values)):
        return "%s.values: expected a list of text values" % where
    for key in ("retry", "exit_codes"):
        if step.get(key) is not None and not isinstance(step.get(key), dict):
            return "%s.%s: expected a mapping" % (where, key)
    if step.get("locks") is not None and (
        not isinstance(step["locks"], list) or not all(isinstance(lock, dict) for lock in step["locks"])
    ):
        return "%s.locks: expected a list of mappings" % where
    lines = step.get("lines")
    if lines is not None and (not isinstance(lines, list) or any(_bad_text(line, 1024) for line in lines)):
        return "%s.lines: expected a list of text lines, each on one line" % where
    if step.get("header") is not None and not isinstance(step.get("header"), str):
        return "%s.header: expected text" % where
    if not (step.get("command") or (path and (step.get("content") is not None or values or lines))):
        return "%s: nothing to do (a step needs a command, or a path with content, values or lines)" % where
    return None


def outcome_of(step, rc):
    """What an exit code means for a step: its table's entry, else failed. The only reading of the table."""
    if rc is None:
        return "failed"
    return (step.get("exit_codes") or {"0": "ok"}).get(str(int(rc)), "failed")


_STRING = {"type": "string"}
_FINDING = {
    "type": "object",
    "required": ["ban", "software", "rule"],
    "properties": {"ban": _STRING, "software": {"type": "object"}, "rule": {"type": "object"}},
}
HOST_RESULT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/interdict/bans/docs/host_result.schema.json",
    "title": "interdict.bans host result",
    "description": "One host's (or MDM device's) result of one run, written to <report_dir>/hosts/.",
    "type": "object",
    "required": ["host", "platform", "run_id", "timestamp", "mode", "bans", "status", "reason", "per_ban", "sources"],
    "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 255},
        "platform": _STRING,
        "run_id": {"type": "string", "maxLength": 128},
        "run_started": _STRING,
        "timestamp": _STRING,
        "mode": {"enum": list(MODES)},
        "bans": {"type": "array", "items": _STRING},
        "ban_info": {"type": "object"},
        "status": {"enum": list(STATUSES)},
        "reason": _STRING,
        "per_ban": {"type": "object", "additionalProperties": {"enum": list(STATUSES)}},
        "per_ban_reason": {"type": "object", "additionalProperties": _STRING},
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["source", "state", "reason"],
                "properties": {
                    "source": _STRING,
                    "state": {"enum": list(SOURCE_STATES)},
                    "records": {"type": "integer", "minimum": 0},
                    "reason": _STRING,
                },
            },
        },
        "findings": {"type": "array", "items": _FINDING},
        "remaining": {"type": "array", "items": _FINDING},
        "actions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["step", "outcome"],
                "properties": {"step": _STRING, "outcome": {"enum": list(OUTCOMES)}},
            },
        },
        "blocks": {"type": "array", "items": {"type": "object"}},
        "skipped": {"type": "array", "items": {"type": "object"}},
        "exceptions": {"type": "array", "items": {"type": "object"}},
        "reboot_pending": {"type": "boolean"},
        "scope": _STRING,
        "view": {"type": "object"},
    },
}

# fleet.json: its shape is a contract saved queries rely on. A change that renames or removes a key, or
# changes what one means, raises FLEET_SCHEMA_VERSION; adding a key does not.
FLEET_SCHEMA_VERSION = 1
_STATUS = {"enum": list(STATUSES)}
_COUNTS = {"type": "object", "properties": {s: {"type": "integer", "minimum": 0} for s in STATUSES}}
FLEET_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/interdict/bans/docs/fleet.schema.json",
    "title": "interdict.bans fleet report",
    "description": "fleet.json: every host result of a report directory merged, one entry per host or device.",
    "type": "object",
    "required": ["schema_version", "generated", "run", "summary", "bans", "exceptions", "hosts", "errors"],
    "properties": {
        "schema_version": {"const": FLEET_SCHEMA_VERSION},
        "generated": _STRING,
        "run": {
            "type": "object",
            "required": ["id", "fresh_since"],
            "properties": {"id": _STRING, "fresh_since": _STRING},
        },
        "summary": {
            "type": "object",
            "required": ["hosts", "by_status", "by_ban", "compliant"],
            "properties": {
                "hosts": {"type": "integer", "minimum": 0},
                "by_status": _COUNTS,
                "by_ban": {"type": "object", "additionalProperties": _COUNTS},
                "compliant": {"type": "integer", "minimum": 0},
            },
        },
        "bans": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"title": _STRING, "authorities": {"type": "array"}},
            },
        },
        "exceptions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["bans", "approver", "reason", "expires", "state", "applied_to"],
                "properties": {
                    "hosts": {"type": "array", "items": _STRING},
                    "where": _STRING,
                    "bans": {"type": "array", "items": _STRING},
                    "approver": _STRING,
                    "reason": _STRING,
                    "expires": _STRING,
                    "state": {"enum": ["active", "expired"]},
                    "wide": _STRING,
                    "applied_to": {"type": "array", "items": _STRING},
                },
            },
        },
        "hosts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["host", "status", "reason", "per_ban", "platform", "timestamp", "view", "scope"],
                "properties": {
                    "host": _STRING,
                    "status": _STATUS,
                    "reason": _STRING,
                    "per_ban": {"type": "object", "additionalProperties": _STATUS},
                    "platform": _STRING,
                    "timestamp": _STRING,
                    "runs": {"type": "array", "items": _STRING},
                    "findings": {"type": "array", "items": _FINDING},
                    "actions": {"type": "array", "items": {"type": "object"}},
                    "remaining": {"type": "array", "items": _FINDING},
                    "blocks": {"type": "array", "items": {"type": "object"}},
                    "exceptions": {"type": "array", "items": {"type": "object"}},
                    "reboot_pending": {"type": "boolean"},
                    "results": {"type": "array", "items": _STRING},
                    "scope": _STRING,
                    "view": {
                        "type": "object",
                        "description": "The selector view of the host (docs/selectors.md); empty without a result.",
                        "properties": {
                            "name": _STRING,
                            "platform": _STRING,
                            "os_version": _STRING,
                            "ownership": _STRING,
                            "supervised": {"type": ["boolean", "null"]},
                            "enrollment": _STRING,
                            "user": _STRING,
                            "category": _STRING,
                            "groups": {"type": "array", "items": _STRING},
                            "mdm": _STRING,
                            "last_seen": _STRING,
                            "attributes": {"type": "object"},
                        },
                    },
                    "stale": {"type": "boolean"},
                },
            },
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["file", "error"],
                "properties": {"file": _STRING, "error": _STRING},
            },
        },
    },
}
