"""Planning: exceptions, protected list, cap, ordering and the builder dispatch."""

import copy
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import finding_key
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning as planning

BANS = load_bans(["kaspersky", "wechat", "tiktok"])
KASPERSKY = [b for b in BANS if b["id"] == "kaspersky"]


def deb(name, publisher="", **extra):
    return {"name": name, "identifier": name, "platform": "linux", "source": "dpkg", "publisher": publisher, **extra}


KASPERSKY_HOST = [deb("klnagent64"), deb("kesl"), deb("kesl-gui"), deb("bash"), deb("openssh-server")]


def plan_for(records, bans=KASPERSKY, **options):
    options.setdefault("host", "web01")
    options.setdefault("sources", ["dpkg"])
    options.setdefault("platform", "linux")
    return planning.removal_plan(match(records, bans), bans, **options)


def removal_ids(plan):
    return [step["id"] for step in plan["steps"] if step["kind"] == "remove"]


def exception(**overrides):
    entry = {
        "hosts": ["web*"],
        "approver": "CISO Jane Roe",
        "reason": "lab analysis",
        "expires": "2099-01-01",
        "allow_wide": True,
    }
    entry.update(overrides)
    return entry


def test_kaspersky_endpoint_security_goes_before_the_network_agent():
    plan = plan_for(KASPERSKY_HOST)
    assert removal_ids(plan) == [
        "kaspersky:remove:dpkg:kesl-gui",
        "kaspersky:remove:dpkg:kesl",
        "kaspersky:remove:dpkg:klnagent64",
    ]
    agent = plan["steps"][2]
    # A failed kesl removal must keep the agent in place: the step waits for both earlier ones.
    assert agent["depends_on"] == ["kaspersky:remove:dpkg:kesl", "kaspersky:remove:dpkg:kesl-gui"]
    assert "depends_on" not in plan["steps"][0]


def test_blocks_come_after_removals_and_unmatched_software_is_never_touched():
    plan = plan_for(KASPERSKY_HOST)
    assert [step["kind"] for step in plan["steps"]] == ["remove", "remove", "remove", "block"]
    targets = " ".join(str(step.get("command")) for step in plan["steps"])
    assert "bash" not in targets and "openssh" not in targets


def test_an_active_exception_exempts_the_host_and_plans_nothing_for_that_ban():
    plan = plan_for(KASPERSKY_HOST, exceptions=[exception()], now="2026-11-28")
    assert plan["steps"] == []
    assert plan["blocks"] == []
    assert len(plan["exempt"]) == 3
    assert plan["exceptions"][0]["state"] == "active"
    assert plan["exempt"][0]["exception"]["approver"] == "CISO Jane Roe"


def test_an_exception_is_valid_through_its_expiry_day_and_not_after():
    on_the_day = plan_for(KASPERSKY_HOST, exceptions=[exception(expires="2026-11-28")], now="2026-11-28")
    assert on_the_day["steps"] == []
    day_after = plan_for(KASPERSKY_HOST, exceptions=[exception(expires="2026-11-28")], now="2026-11-29")
    assert len(removal_ids(day_after)) == 3
    assert day_after["exempt"] == []
    assert day_after["exceptions"][0]["state"] == "expired"


def test_an_exception_for_other_hosts_or_other_bans_does_not_apply():
    other_host = plan_for(KASPERSKY_HOST, exceptions=[exception(hosts="db*")])
    assert len(removal_ids(other_host)) == 3 and other_host["exceptions"] == []
    other_ban = plan_for(KASPERSKY_HOST, exceptions=[exception(bans=["wechat"])])
    assert len(removal_ids(other_ban)) == 3


def test_exception_host_patterns_are_case_insensitive_globs():
    plan = plan_for(KASPERSKY_HOST, host="WEB01.example.org", exceptions=[exception(hosts=["web??.example.*"])])
    assert plan["steps"] == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"approver": None}, r"exceptions\[0\]: missing 'approver'"),
        ({"reason": ""}, r"exceptions\[0\]: missing 'reason'"),
        ({"expires": None}, r"exceptions\[0\]: missing 'expires'"),
        ({"expires": "next year"}, r"exceptions\[0\]\.expires: expected a date YYYY-MM-DD"),
        ({"expires": "2026-02-30"}, r"exceptions\[0\]\.expires: not a real date"),
        ({"expiry": "2026-01-01"}, r"exceptions\[0\]: unknown key 'expiry'"),
        ({"hosts": [""]}, r"exceptions\[0\]\.hosts: expected a non-empty string or list"),
    ],
)
def test_a_bad_exception_fails_with_one_clear_message(entry, message):
    with pytest.raises(planning.PlanError, match=message):
        plan_for(KASPERSKY_HOST, exceptions=[exception(**entry)])


def exception_until(days, now="2026-11-29", **overrides):
    """An exception for web01 running ``days`` days from ``now``, without allow_wide."""
    expires = (datetime.date.fromisoformat(now) + datetime.timedelta(days=days)).isoformat()
    return {"hosts": "web01", "approver": "CISO", "reason": "pilot", "expires": expires, **overrides}


def test_by_default_an_exception_may_run_a_year_and_no_longer_without_allow_wide():
    plan = plan_for(KASPERSKY_HOST, exceptions=[exception_until(365)], now="2026-11-29")
    assert plan["steps"] == [] and "wide" not in plan["exceptions"][0]
    with pytest.raises(planning.PlanError, match=r"exceptions\[0\]: covers longer than 365 days; .* allow_wide: true"):
        plan_for(KASPERSKY_HOST, exceptions=[exception_until(366)], now="2026-11-29")


@pytest.mark.parametrize(
    ("term", "days", "wide"), [(730, 730, False), (730, 731, True), (30, 31, True), (30, 30, False)]
)
def test_the_maximum_term_is_a_planning_option(term, days, wide):
    options = {"exception_max_term_days": term}
    if wide:
        with pytest.raises(planning.PlanError, match=rf"covers longer than {term} days; .* allow_wide: true"):
            plan_for(KASPERSKY_HOST, exceptions=[exception_until(days)], now="2026-11-29", options=options)
        entry = exception_until(days, allow_wide=True)
    else:
        entry = exception_until(days)
    plan = plan_for(KASPERSKY_HOST, exceptions=[entry], now="2026-11-29", options=options)
    assert plan["steps"] == [] and len(plan["exempt"]) == 3
    assert plan["exceptions"][0].get("wide") == (f"longer than {term} days" if wide else None)


def test_the_wide_scope_any_wildcard_makes_every_glob_wide():
    options = {"exception_wide_scope": "any_wildcard"}
    glob = exception_until(30, hosts=["db01", "web0?"])
    # The default rule: only a pattern of wildcards alone is wide.
    assert "wide" not in plan_for(KASPERSKY_HOST, exceptions=[glob], now="2026-11-29")["exceptions"][0]
    with pytest.raises(planning.PlanError, match=r"exceptions\[0\]: covers hosts by wildcard; .* allow_wide: true"):
        plan_for(KASPERSKY_HOST, exceptions=[glob], now="2026-11-29", options=options)
    plan = plan_for(KASPERSKY_HOST, exceptions=[dict(glob, allow_wide=True)], now="2026-11-29", options=options)
    assert plan["exceptions"][0]["wide"] == "hosts by wildcard" and plan["steps"] == []
    # A literal host name is never wide; every host and too long are both said.
    literal = plan_for(KASPERSKY_HOST, exceptions=[exception_until(30)], now="2026-11-29", options=options)
    assert "wide" not in literal["exceptions"][0]
    both = exception_until(400, hosts="*", allow_wide=True)
    plan = plan_for(KASPERSKY_HOST, exceptions=[both], now="2026-11-29", options=options)
    assert plan["exceptions"][0]["wide"] == "hosts by wildcard, longer than 365 days"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"exception_max_term_days": True},
            "options.exception_max_term_days: expected a whole number of days from 1 to 3650, got 'True'",
        ),
        (
            {"exception_max_term_days": 0},
            "options.exception_max_term_days: expected a whole number of days from 1 to 3650, got '0'",
        ),
        (
            {"exception_max_term_days": 3651},
            "options.exception_max_term_days: expected a whole number of days from 1 to 3650, got '3651'",
        ),
        (
            {"exception_max_term_days": "365"},
            "options.exception_max_term_days: expected a whole number of days from 1 to 3650, got '365'",
        ),
        (
            {"exception_max_term_days": 36.5},
            "options.exception_max_term_days: expected a whole number of days from 1 to 3650, got '36.5'",
        ),
        (
            {"exception_wide_scope": "nobody"},
            "options.exception_wide_scope: expected one of every_host, any_wildcard, got 'nobody'",
        ),
        (
            {"exception_wide_scope": ["every_host"]},
            "options.exception_wide_scope: expected one of every_host, any_wildcard, got \"['every_host']\"",
        ),
    ],
)
def test_a_bad_exception_policy_fails_with_one_clear_message(options, message):
    # Even with no exception at all: a bad policy is a mistake whether or not it is used today.
    with pytest.raises(planning.PlanError) as error:
        plan_for(KASPERSKY_HOST, now="2026-11-29", options=options)
    assert str(error.value) == message


def test_the_policy_is_decided_once_for_hosts_and_for_mdm_devices():
    from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_fleet

    inventory = {"provider": "intune", "devices": [{"id": "d1", "host": "web01", "platform": "ios"}], "findings": []}
    entry = exception_until(60, hosts="web*")
    options = {"exception_wide_scope": "any_wildcard"}
    with pytest.raises(planning.PlanError, match="covers hosts by wildcard"):
        _mdm_fleet.plan_fleet(inventory, BANS, exceptions=[entry], now="2026-11-29", options=options)
    fleet = _mdm_fleet.plan_fleet(
        inventory, BANS, exceptions=[dict(entry, allow_wide=True)], now="2026-11-29", options=options
    )
    assert fleet["devices"][0]["plan"]["exceptions"][0]["wide"] == "hosts by wildcard"


def test_protected_software_is_never_removed_and_says_why():
    plan = plan_for(KASPERSKY_HOST, protected=["klnagent*"])
    assert "kaspersky:remove:dpkg:klnagent64" not in removal_ids(plan)
    assert [s["reason"] for s in plan["skipped"]] == ["protected by 'klnagent*': never removed"]


def test_more_removals_than_the_cap_means_no_removal_at_all():
    plan = plan_for(KASPERSKY_HOST, max_removals=2)
    assert plan["blocked_by_cap"] is True
    assert removal_ids(plan) == []
    assert len(plan["skipped"]) == 3
    assert "more than max_removals=2" in plan["skipped"][0]["reason"]
    # The block is harmless and still wanted.
    assert [s["method"] for s in plan["steps"]] == ["apt_pin"]


def test_the_cap_allows_exactly_max_removals():
    plan = plan_for(KASPERSKY_HOST, max_removals=3)
    assert plan["blocked_by_cap"] is False and len(removal_ids(plan)) == 3


def test_blocks_are_planned_for_bans_that_found_nothing_and_only_where_they_work():
    clean = [deb("bash")]
    plan = plan_for(clean, bans=BANS)
    assert [s["id"] for s in plan["steps"]] == ["kaspersky:block:apt_pin", "wechat:block:apt_pin"]
    rpm_host = planning.removal_plan([], BANS, host="h", sources=["rpm"], platform="linux")
    assert [s["method"] for s in rpm_host["steps"]] == ["dnf_exclude", "dnf_exclude"]
    assert planning.removal_plan([], BANS, host="h", sources=["rpm"], platform="linux", blocks=False)["steps"] == []


def test_a_block_already_in_place_is_reported_present_and_not_planned_again():
    first = plan_for([deb("bash")])
    pin = first["steps"][0]
    current = {"apt_pin": [{"path": pin["path"], "content": pin["content"]}], "dnf_exclude": [], "flatpak_mask": []}
    second = plan_for([deb("bash")], current_blocks=current)
    assert second["steps"] == []
    assert second["blocks"] == [{"ban": "kaspersky", "method": "apt_pin", "state": "present", "path": pin["path"]}]


def test_a_platform_without_a_builder_is_skipped_with_the_reason():
    finding = {"ban": "kaspersky", "software": {"name": "Kaspersky", "platform": "plan9"}, "rule": {}}
    plan = planning.removal_plan([finding], KASPERSKY, host="h")
    assert plan["steps"] == []
    assert plan["skipped"][0]["reason"] == "no remediation for platform 'plan9'"


def test_one_planner_has_a_builder_for_every_platform_phones_included():
    platforms = (*planning.BUILDERS, *planning.MDM_PLATFORMS)
    builders = {platform: planning.builder_for(platform, {}) for platform in platforms}
    assert {platform: module.__name__.rpartition(".")[2] for platform, module in builders.items()} == {
        "linux": "_posix_steps",
        "macos": "_posix_steps",
        "windows": "_windows_steps",
        "ios": "_mdm_steps",
        "android": "_mdm_steps",
    }


def test_the_audit_plan_is_the_enforce_plan():
    findings = match(KASPERSKY_HOST, KASPERSKY)
    audit = planning.removal_plan(findings, KASPERSKY, host="h", sources=["dpkg"], mode="audit")
    enforce = planning.removal_plan(findings, KASPERSKY, host="h", sources=["dpkg"], mode="enforce")
    assert audit["steps"] == enforce["steps"]


def test_every_step_names_the_findings_it_addresses():
    findings = match(KASPERSKY_HOST, KASPERSKY)
    plan = planning.removal_plan(findings, KASPERSKY, host="h", sources=["dpkg"])
    keys = {finding_key(f) for f in findings}
    for step in plan["steps"]:
        if step["kind"] != "block":
            assert step["findings"] and set(step["findings"]) <= keys
        assert step["exit_codes"]


def test_an_order_ranks_first_default_and_last_patterns():
    ban = {"id": "x", "platforms": {"linux": {"remove": {"order": {"first": ["a.*", "b"], "last": ["z"]}}}}}
    rank = planning.catalog_rank
    assert [rank(ban, "linux", [{"identifier": n}]) for n in ("abc", "b", "m", "z")] == [10, 11, 50, 90]
    assert rank(ban, "windows", [{"identifier": "abc"}]) == 50


def test_declared_secrets_are_available_from_values_or_their_environment_variable():
    bans = [
        {
            "id": "x",
            "secrets": [{"name": "x_pw", "env": "X_PW", "encoding": "plain"}, {"name": "x_two", "env": "X_TWO"}],
        }
    ]
    assert planning.secrets_available(bans, {}, {}) == []
    assert planning.secrets_available(bans, {"x_pw": ""}, {"X_PW": "s3cret"}) == ["x_pw"]
    assert planning.secrets_available(bans, {"x_two": "v"}, {}) == ["x_two"]


def test_bad_mode_and_cap_are_refused():
    with pytest.raises(planning.PlanError, match="mode: expected one of audit, enforce"):
        plan_for(KASPERSKY_HOST, mode="destroy")
    with pytest.raises(planning.PlanError, match="max_removals"):
        plan_for(KASPERSKY_HOST, max_removals=-1)


def test_current_blocks_from_facts_are_flattened():
    flat = planning.normalize_current_blocks(
        {"flatpak_mask": [{"scope": "system", "user": "", "patterns": ["a", "b"]}], "apt_pin": []}
    )
    assert flat == [
        {"scope": "system", "user": "", "method": "flatpak_mask", "pattern": "a"},
        {"scope": "system", "user": "", "method": "flatpak_mask", "pattern": "b"},
    ]


def test_planning_does_not_modify_its_input():
    findings = match(KASPERSKY_HOST, KASPERSKY)
    before = copy.deepcopy(findings)
    planning.removal_plan(findings, KASPERSKY, host="h", sources=["dpkg"])
    assert findings == before


NAMES = st.sampled_from(["kesl", "kesl-gui", "klnagent64", "klnagent", "wechat", "bash", "libc6", "kaspersky-av"])


@settings(max_examples=60, deadline=None)
@given(st.lists(NAMES, unique=True), st.integers(min_value=0, max_value=5))
def test_every_removal_targets_a_finding_and_the_cap_is_never_exceeded(names, cap):
    records = [deb(name) for name in names]
    findings = match(records, BANS)
    plan = planning.removal_plan(findings, BANS, host="h", sources=["dpkg"], max_removals=cap)
    found = {f["software"]["identifier"] for f in findings}
    removals = [s for s in plan["steps"] if s["kind"] == "remove"]
    assert {s["target"] for s in removals} <= found
    assert len(removals) <= cap
    assert len(removals) in (0, len(found))
