# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one planner: findings -> an ordered plan of steps, for every kind of target (controller only).

Everything a plan decides is decided here, once, for POSIX hosts, Windows
hosts and MDM-managed devices alike: which findings an active exception
covers, which the protected list keeps, whether the cap on removals per host
is exceeded, and in which order the steps run and which wait for which. How a
step looks on a platform is a builder's business (``_posix_steps``,
``_windows_steps``, ``_mdm_steps``); a builder returns unordered steps:

``steps(findings, ban, options) -> list``
    remove and residue steps for one ban's findings on one platform; an item
    ``{"kind": "skip", "finding": f, "reason": "..."}`` says why a finding gets no step.
``blocks(ban, findings, current_blocks, options) -> list``
    block steps (``kind: block``) and block statuses ``{ban, method, state, note}``.

Ordering comes from one catalog form, ``platforms.<p>.remove.order`` with
``first`` and ``last`` patterns, on every platform.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import importlib
import re

from ansible_collections.interdict.bans.plugins.module_utils.catalog import bundled_ids, secret_value
from ansible_collections.interdict.bans.plugins.module_utils.contract import MODES, finding_key
from ansible_collections.interdict.bans.plugins.plugin_utils import _posix_steps, _selectors, _windows_steps

# Each platform's step builder. The hosts' builders load with the planner, in the controller process before
# Ansible forks its workers; the MDM builder, which brings the MDM clients (their HTTP stack and providers),
# is imported when a device is first planned, so a host's audit never pays for it.
BUILDERS = {"linux": _posix_steps, "macos": _posix_steps, "windows": _windows_steps}
MDM_PLATFORMS = ("ios", "android")


def _mdm_steps():
    return importlib.import_module(f"{__package__}._mdm_steps")


def builder_for(platform, options):
    """The step builder of a platform; a device an MDM manages (``options["provider"]``) is the MDM's, a Mac too."""
    if (options or {}).get("provider") or platform in MDM_PLATFORMS:
        return _mdm_steps()
    return BUILDERS.get(platform)


EXCEPTION_KEYS = {"hosts", "where", "bans", "approver", "reason", "expires", "ticket", "note"}
EXCEPTION_REQUIRED = ("approver", "reason", "expires")
# The exception policy (planning options exception_max_term_days, exception_wide_scope): see exception_policy.
DEFAULT_MAX_TERM_DAYS = 365
MAX_TERM_DAYS_LIMIT = 3650
WIDE_SCOPES = ("every_host", "any_wildcard")

# Catalog ranks: a ban's remove.order "first" patterns, everything else, its "last" patterns.
RANK_FIRST = 10
RANK_DEFAULT = 50
RANK_LAST = 90
KIND_BASE = {"remove": 0, "residue": 1000, "block": 2000}
# Blocks that would stop the ban's own uninstaller wait until its removals went through.
BLOCK_WAITS_FOR_REMOVAL = ("applocker",)


class PlanError(ValueError):
    """Bad planning input (exceptions, protected list, options). The message names the field."""


@functools.lru_cache(maxsize=1)
def _bundled_ids():
    """The bundled ban ids, read once: the planner runs once per host or device."""
    return frozenset(bundled_ids())


def _today(now):
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017
    if isinstance(now, datetime.datetime):
        return now.date()
    if isinstance(now, datetime.date):
        return now
    try:
        return datetime.date.fromisoformat(str(now)[:10])
    except ValueError:
        raise PlanError(f"now: expected a date YYYY-MM-DD, got {now!r}") from None


def _as_list(value, where):
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(item, str) and item for item in value):
        return list(value)
    raise PlanError(f"{where}: expected a non-empty string or list of strings, got {value!r}")


def exception_policy(options=None):
    """The exception policy from the planning options: ``(max_term_days, wide_scope)``.

    ``exception_max_term_days`` (default 365, at most 3650): an exception running longer
    than this from today is wide. ``exception_wide_scope`` (default ``every_host``): which
    ``hosts`` patterns make an exception wide: ``every_host``, a pattern of wildcards only;
    ``any_wildcard``, any pattern with a wildcard (``*``, ``?`` or ``[...]``).
    """
    options = options or {}
    term = options.get("exception_max_term_days", DEFAULT_MAX_TERM_DAYS)
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= MAX_TERM_DAYS_LIMIT:
        raise PlanError(
            f"options.exception_max_term_days: expected a whole number of days from 1 to {MAX_TERM_DAYS_LIMIT}, "
            f"got {str(term)[:40]!r}"
        )
    scope = options.get("exception_wide_scope", WIDE_SCOPES[0])
    if scope not in WIDE_SCOPES:
        raise PlanError(
            f"options.exception_wide_scope: expected one of {', '.join(WIDE_SCOPES)}, got {str(scope)[:40]!r}"
        )
    return term, scope


def _wide_hosts(pattern, scope):
    """True when a hosts pattern is wide under the policy's scope rule."""
    literal = re.sub(r"\[[^\]]*\]|[*?]", "", pattern)
    return not literal if scope == "every_host" else literal != pattern


def validate_exceptions(exceptions, now=None, known_bans=None, options=None):
    """Check every exception and return them normalized, each with its ``state`` (active/expired).

    Approver and reason must say something; a ban id not in ``known_bans`` (when given) is an error.
    An exception is wide when a ``hosts`` pattern is wide under ``exception_wide_scope`` or it runs
    longer than ``exception_max_term_days`` from ``now`` (``exception_policy(options)``): it is refused
    unless it says ``allow_wide: true``, and is returned with ``wide`` saying why, for the report.
    """
    max_term_days, wide_scope = exception_policy(options)
    today = _today(now)
    if exceptions is None:
        return []
    if not isinstance(exceptions, (list, tuple)):
        raise PlanError(f"exceptions: expected a list, got {type(exceptions).__name__}")
    allowed_keys = EXCEPTION_KEYS | {"allow_wide"}
    normalized = []
    for index, entry in enumerate(exceptions):
        where = f"exceptions[{index}]"
        if not isinstance(entry, dict):
            raise PlanError(f"{where}: expected a mapping, got {type(entry).__name__}")
        unknown = sorted(str(key)[:64] for key in set(entry) - allowed_keys)
        if unknown:
            raise PlanError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed_keys))})")
        names_hosts = entry.get("hosts") not in (None, "", [])
        if names_hosts == (entry.get("where") not in (None, "")):
            raise PlanError(
                f"{where}: give hosts (names or globs) or where (a selector), not both"
                if names_hosts
                else f"{where}: missing 'hosts' or 'where' (every exception needs hosts or where, approver, reason, "
                "expires)"
            )
        for key in EXCEPTION_REQUIRED:
            if entry.get(key) in (None, "", []):
                raise PlanError(
                    f"{where}: missing {key!r} (every exception needs hosts or where, approver, reason, expires)"
                )
        for key in ("approver", "reason", "ticket", "note"):
            value = entry.get(key)
            if key in ("ticket", "note") and value in (None, ""):
                continue
            if not isinstance(value, str):
                raise PlanError(f"{where}.{key}: expected a string, got {type(value).__name__}")
            if not value.strip():
                raise PlanError(f"{where}.{key}: must not be blank")
            if len(value) > 1000 or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", value):
                raise PlanError(f"{where}.{key}: longer than 1000 characters or holds a control character")
        allow_wide = entry.get("allow_wide", False)
        if not isinstance(allow_wide, bool):
            raise PlanError(f"{where}.allow_wide: expected true or false, got {type(allow_wide).__name__}")
        expires = entry["expires"]
        if isinstance(expires, datetime.date):
            expires = expires.isoformat()
        if not isinstance(expires, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", expires):
            raise PlanError(f"{where}.expires: expected a date YYYY-MM-DD, got {str(entry['expires'])[:40]!r}")
        try:
            expiry = datetime.date.fromisoformat(expires)
        except ValueError:
            raise PlanError(f"{where}.expires: not a real date: {expires!r}") from None
        hosts = _as_list(entry["hosts"], f"{where}.hosts") if names_hosts else []
        if not names_hosts:
            try:
                _selectors.compile_selector(entry["where"], f"{where}.where")
            except _selectors.SelectorError as exc:
                raise PlanError(str(exc)) from None
        bans = _as_list(entry["bans"], f"{where}.bans") if entry.get("bans") is not None else []
        for key, values in (("hosts", hosts), ("bans", bans)):
            for item_index, value in enumerate(values):
                if len(value) > 255 or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", value):
                    raise PlanError(
                        f"{where}.{key}[{item_index}]: longer than 255 characters or holds a control character"
                    )
        if known_bans is not None:
            for item_index, ban_id in enumerate(bans):
                if ban_id not in known_bans:
                    known = ", ".join(sorted(known_bans)) or "none"
                    raise PlanError(f"{where}.bans[{item_index}]: unknown ban {ban_id[:64]!r} (known bans: {known})")
        wide = []
        if any(_wide_hosts(pattern, wide_scope) for pattern in hosts):
            wide.append("every host" if wide_scope == "every_host" else "hosts by wildcard")
        elif not names_hosts and wide_scope == "any_wildcard":
            # A selector names hosts by what they are, not by name: as wide as a wildcard.
            wide.append("hosts by selector")
        if (expiry - today).days > max_term_days:
            wide.append(f"longer than {max_term_days} days")
        if wide and not allow_wide:
            raise PlanError(
                f"{where}: covers {' and '.join(wide)}; such an exception needs allow_wide: true (it is then "
                "flagged in the report)"
            )
        item = {
            **({"hosts": hosts} if names_hosts else {"where": entry["where"]}),
            "bans": bans,
            "approver": entry["approver"],
            "reason": entry["reason"],
            "expires": expires,
            # Valid through its expiry day; the day after, the ban applies again.
            "state": "active" if today <= expiry else "expired",
        }
        if wide:
            item["wide"] = ", ".join(wide)
        for key in ("ticket", "note"):
            if entry.get(key):
                item[key] = str(entry[key])
        normalized.append(item)
    return normalized


def exception_applies(exception, host, ban_id, host_view=None, now=None):
    """True when the exception covers this ban (or all bans) and this host.

    ``hosts`` name it (glob, case-insensitive); ``where`` is a selector over the host's view
    (``_selectors.view``; a view of the name alone when none is given).
    """
    if exception["bans"] and ban_id not in exception["bans"]:
        return False
    if exception.get("where"):
        host_view = host_view if host_view is not None else _selectors.view(host)
        try:
            return _selectors.matches(exception["where"], host_view, "exceptions.where", now)
        except _selectors.SelectorError as exc:
            raise PlanError(str(exc)) from None
    host = str(host).lower()
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in exception["hosts"])


def active_exception(exceptions, host, ban_id, host_view=None, now=None):
    """The active exception that covers this ban on this host, or None."""
    for exception in exceptions:
        if exception["state"] == "active" and exception_applies(exception, host, ban_id, host_view, now):
            return exception
    return None


def validate_scope(scope):
    """The scope selector checked and compiled, or None for every host."""
    if scope in (None, ""):
        return None
    try:
        _selectors.compile_selector(scope, "scope")
    except _selectors.SelectorError as exc:
        raise PlanError(str(exc)) from None
    return scope


def in_scope(scope, host_view, now=None):
    """Whether a host is inside the scope selector (every host is when there is none)."""
    if not scope:
        return True
    try:
        return _selectors.matches(scope, host_view, "scope", now)
    except _selectors.SelectorError as exc:
        raise PlanError(str(exc)) from None


def validate_protected(protected):
    if protected is None:
        return []
    if isinstance(protected, str) or not isinstance(protected, (list, tuple)):
        raise PlanError(f"protected: expected a list of identifiers or name patterns, got {type(protected).__name__}")
    for index, pattern in enumerate(protected):
        if not isinstance(pattern, str) or not pattern.strip():
            raise PlanError(f"protected[{index}]: expected a non-empty string, got {str(pattern)[:40]!r}")
        if len(pattern) > 255 or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", pattern):
            raise PlanError(f"protected[{index}]: longer than 255 characters or holds a control character")
    return list(protected)


def protected_by(record, protected):
    """The protected pattern (glob, full match, case-insensitive) that covers this record, or None."""
    values = [str(record.get(key) or "").lower() for key in ("identifier", "name")]
    for pattern in protected:
        lowered = pattern.lower()
        if any(value and fnmatch.fnmatchcase(value, lowered) for value in values):
            return pattern
    return None


def validate_max_removals(max_removals):
    """A whole number >= 0 (an int, or its digits as a string); true, 0.9 or -1 are refused."""
    if max_removals is None:
        return None
    # A templated number may arrive as its text (ansible-core 2.16): read it, then check it like a number.
    if isinstance(max_removals, str) and re.fullmatch(r"\s*[-+]?\d{1,9}\s*", max_removals):
        max_removals = int(max_removals)
    if isinstance(max_removals, bool) or not isinstance(max_removals, int) or not 0 <= max_removals < 10**9:
        shown = max_removals if isinstance(max_removals, (bool, int, float)) else type(max_removals).__name__
        raise PlanError(f"max_removals: expected a whole number >= 0, got {str(shown)[:40]}")
    return max_removals


def role_options(options, settings, variable):
    """A ban role's options for the engine: ``options`` (its ``variable``) with ``settings`` added.

    ``settings`` are the options the ban declares that the role gives a variable of the same name. Each
    setting has one name: its key in ``options`` is refused, so neither silently wins over the other.
    """
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise PlanError(f"{variable}: expected a mapping, got {type(options).__name__}")
    for name in settings:
        if name in options:
            raise PlanError(f"{variable}.{name}: set the role variable {name} instead")
    return {**options, **settings}


def declared_secrets(bans):
    """Every secret the bans declare: name -> {name, env, encoding}."""
    declared = {}
    for ban in bans:
        for secret in ban.get("secrets") or ():
            declared[secret["name"]] = {
                "name": secret["name"],
                "env": secret.get("env", ""),
                "encoding": secret.get("encoding", "plain"),
            }
    return declared


def secrets_available(bans, provided, environ):
    """Names of declared secrets with a value (``catalog.secret_value``: given, else the declared variable)."""
    return sorted(name for name, secret in declared_secrets(bans).items() if secret_value(secret, provided, environ))


def normalize_current_blocks(current_blocks):
    """Blocks present on a host as a flat list of dicts with ``method``.

    Accepts the mapping facts return (method -> entries; masks carry a ``patterns`` list)
    or an already flat list.
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


def source_names(sources):
    """Sources the facts could read (fully or in part): they tell which package systems a host has."""
    if isinstance(sources, dict):
        sources = sources.get("sources") or ()
    names = set()
    for item in sources or ():
        if isinstance(item, dict):
            if item.get("state") in ("read", "partial"):
                names.add(item["source"])
        elif item:
            names.add(str(item))
    return sorted(names)


# ---------------------------------------------------------------- ordering


def catalog_rank(ban, platform, records):
    """Rank of a remove step from the ban's ``remove.order``: first[i] -> 10+i, last[i] -> 90+i, else 50."""
    order = ((ban.get("platforms", {}).get(platform) or {}).get("remove") or {}).get("order") or {}
    values = [str(record.get(key) or "") for record in records for key in ("identifier", "name")]
    for band, base in (("first", RANK_FIRST), ("last", RANK_LAST)):
        for index, pattern in enumerate(order.get(band, ())):
            regex = re.compile(pattern, re.IGNORECASE)
            if any(value and regex.fullmatch(value) for value in values):
                return base + index
    return RANK_DEFAULT


def _declares_order(ban, platform):
    return bool(((ban.get("platforms", {}).get(platform) or {}).get("remove") or {}).get("order"))


def order_steps(steps, bans_by_id, records_by_key):
    """Give each step its ``order`` and ``depends_on`` and return them sorted. The only place that orders."""
    ranks = {}
    for step in steps:
        records = [records_by_key[key] for key in step.get("findings", ()) if key in records_by_key]
        rank = catalog_rank(bans_by_id.get(step["ban"], {}), step["platform"], records)
        ranks[step["id"]] = RANK_DEFAULT if step["kind"] == "block" else rank
    for step in steps:
        if step.get("fallback_for"):
            # A fallback runs after every step it backs up, so it can know whether they failed.
            ranks[step["id"]] = max([ranks[step["id"]], *(ranks.get(i, RANK_DEFAULT) for i in step["fallback_for"])])
        step["order"] = KIND_BASE[step["kind"]] + ranks[step["id"]] * 10 + int(step.pop("sequence", 0) or 0)
    # Ties: catalog order of the bans, then the step id, so a plan never depends on enumeration order.
    position = {ban_id: index for index, ban_id in enumerate(bans_by_id)}
    steps.sort(key=lambda step: (step["order"], position.get(step["ban"], len(position)), step["id"]))

    def removals(step):
        return [
            other
            for other in steps
            if other["kind"] == "remove"
            and other["ban"] == step["ban"]
            and other["platform"] == step["platform"]
            and not other.get("fallback_for")
        ]

    for step in steps:
        waits = []
        if step["kind"] == "remove" and not step.get("fallback_for"):
            if _declares_order(bans_by_id.get(step["ban"], {}), step["platform"]):
                waits = [o["id"] for o in removals(step) if ranks[o["id"]] < ranks[step["id"]]]
        elif step["kind"] == "residue" or (step["kind"] == "block" and step["method"] in BLOCK_WAITS_FOR_REMOVAL):
            waits = [o["id"] for o in removals(step)]
        waits = [w for w in waits if w != step["id"]]
        if waits:
            step["depends_on"] = sorted(waits)
        else:
            step.pop("depends_on", None)
    return steps


# ---------------------------------------------------------------- the planner


def _unique(steps):
    seen = set()
    unique = []
    for step in steps:
        if step["id"] in seen:
            continue
        seen.add(step["id"])
        unique.append(step)
    return unique


def block_status(step, state, note=""):
    """The report's view of a block step."""
    status = {"ban": step["ban"], "method": step["method"], "state": state, "step": step["id"]}
    for key in ("path", "rule", "target"):
        if step.get(key):
            status[key] = step[key]
    if note or step.get("note"):
        status["note"] = note or step["note"]
    return status


def check_policy(bans, exceptions=None, scope=None, protected=None, max_removals=None, options=None, now=None):
    """Every policy input checked, as the planner takes them: ``(exceptions, scope, protected, max_removals)``.

    The planner calls it for each host; the engine calls it once per play (audit_policy), so bad input
    fails before any host is contacted, with the same message.
    """
    max_removals = validate_max_removals(max_removals)
    for builder in (*dict.fromkeys(BUILDERS.values()), _mdm_steps()):
        if hasattr(builder, "check_options"):
            builder.check_options(options or {})
    # A shared exceptions list may name any bundled ban, or a ban of this run.
    known_bans = {ban["id"] for ban in bans} | _bundled_ids()
    exceptions = validate_exceptions(exceptions, now, known_bans=known_bans, options=options)
    return exceptions, validate_scope(scope), validate_protected(protected), max_removals


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
    sources=None,
    platform=None,
    now=None,
    allow_reboot=False,
    package_manager=None,
    options=None,
    secrets_set=(),
    scope=None,
    host_info=None,
    host_view=None,
):
    """Plan remove, residue and block steps for one host or device (see the module docstring).

    ``findings`` come from matching; ``bans`` are the validated ban definitions of
    the run (blocks are planned for every one of them, found or not); ``sources``
    is the facts' evidence, which tells which package systems the host has;
    ``options`` are non-secret builder options; ``secrets_set`` names the declared
    secrets that have a value (values never enter a plan).
    """
    if mode not in MODES:
        raise PlanError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    exceptions, scope, protected, max_removals = check_policy(
        bans, exceptions, scope, protected, max_removals, options, now
    )
    current_blocks = normalize_current_blocks(current_blocks)
    findings = list(findings or ())
    bans_by_id = {ban["id"]: ban for ban in bans}
    if isinstance(sources, dict) and not platform:
        platform = sources.get("platform")
    if host_view is None:
        try:
            host_view = _selectors.host_view(host, platform or "", host_info)
        except _selectors.SelectorError as exc:
            raise PlanError(str(exc)) from None
    outside = not in_scope(scope, host_view, now)
    host_exceptions = [
        e for e in exceptions if any(exception_applies(e, host, ban_id, host_view, now) for ban_id in bans_by_id)
    ]
    builder_options = {
        **(options or {}),
        "host": host,
        "mode": mode,
        "allow_reboot": bool(allow_reboot),
        "package_manager": package_manager,
        "sources": source_names(sources),
        "secrets_set": sorted(secrets_set or ()),
    }
    plan = {
        "host": host,
        "platform": platform or "",
        "mode": mode,
        "steps": [],
        "blocks": [],
        "skipped": [],
        "exempt": [],
        "exceptions": host_exceptions,
        "findings": findings,
        "blocked_by_cap": False,
        "max_removals": max_removals,
        "removals": 0,
        "view": host_view,
    }
    if outside:
        # Outside the scope nothing is planned: no removal, no block; the findings are reported as such.
        plan["out_of_scope"] = scope
        reason = f"outside the scope {scope!r}: never changed"
        plan["skipped"] = [{"finding": finding, "reason": reason} for finding in findings]
        return plan

    # Policy first: what an exception covers or the protected list keeps is never given to a builder.
    grouped = {}
    for finding in findings:
        ban_id = finding["ban"]
        if ban_id not in bans_by_id:
            plan["skipped"].append({"finding": finding, "reason": f"ban {ban_id!r} is not part of this run"})
            continue
        exception = active_exception(host_exceptions, host, ban_id, host_view, now)
        if exception is not None:
            plan["exempt"].append({"finding": finding, "exception": exception})
            continue
        pattern = protected_by(finding["software"], protected)
        if pattern is not None:
            plan["skipped"].append({"finding": finding, "reason": f"protected by {pattern!r}: never removed"})
            continue
        grouped.setdefault((ban_id, finding["software"].get("platform") or platform), []).append(finding)

    remove_steps = []
    for (ban_id, record_platform), group in grouped.items():
        builder = builder_for(record_platform, builder_options)
        if builder is None:
            reason = f"no remediation for platform {record_platform!r}"
            plan["skipped"].extend({"finding": f, "reason": reason} for f in group)
            continue
        for item in builder.steps(group, bans_by_id[ban_id], dict(builder_options, platform=record_platform)):
            if item.get("kind") == "skip":
                plan["skipped"].append({"finding": item["finding"], "reason": item["reason"]})
            else:
                remove_steps.append(item)

    remove_steps = _unique(remove_steps)
    counted = [s for s in remove_steps if s["kind"] == "remove" and not s.get("fallback_for")]
    plan["removals"] = len(counted)
    if max_removals is not None and len(counted) > max_removals:
        plan["blocked_by_cap"] = True
        reason = f"{len(counted)} removals planned, more than max_removals={max_removals}: nothing removed"
        already = {finding_key(item["finding"]) for item in plan["skipped"]}
        for group in grouped.values():
            plan["skipped"].extend({"finding": f, "reason": reason} for f in group if finding_key(f) not in already)
        remove_steps = []

    block_steps = []
    if blocks:
        platforms = [p for p in dict.fromkeys([platform, *(f["software"].get("platform") for f in findings)]) if p]
        for host_platform in platforms:
            builder = builder_for(host_platform, builder_options)
            if builder is None:
                continue
            for ban_id, ban in bans_by_id.items():
                if host_platform not in ban.get("platforms", {}) or active_exception(
                    host_exceptions, host, ban_id, host_view, now
                ):
                    continue
                ban_findings = [f for f in findings if f["ban"] == ban_id]
                for item in builder.blocks(
                    ban, ban_findings, current_blocks, dict(builder_options, platform=host_platform)
                ):
                    if item.get("kind") == "block":
                        block_steps.append(item)
                        plan["blocks"].append(block_status(item, "planned"))
                    else:
                        plan["blocks"].append(item)

    records_by_key = {finding_key(f): f["software"] for f in findings}
    plan["steps"] = order_steps(_unique(remove_steps + block_steps), bans_by_id, records_by_key)
    return plan


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
