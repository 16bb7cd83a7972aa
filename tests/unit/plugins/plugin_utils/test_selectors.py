"""Selectors: the one view, the rule that a selector is a true/false test, evaluation, scope and report queries.

The property test at the end is the equivalence the design promises: an exception written with
``hosts`` and the same exception written with ``where`` give the same plan, over generated fleets.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import BANS, SETTINGS, hosts, plan_for

from ansible_collections.interdict.bans.plugins.module_utils.contract import FLEET_SCHEMA, source_state
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import (
    _mdm_fleet,
    _planning,
    _report,
    _report_html,
    _selectors,
)

NOW = "2026-11-29"
EXCEPTION = {"approver": "CIO Office", "reason": "ticket SEC-1", "expires": "2026-12-31"}
KESL = [{"name": "kesl", "identifier": "kesl", "platform": "linux", "source": "dpkg"}]
READ = [source_state("dpkg", "read", 1)]


def laptop(**info):
    return _selectors.host_view("liaison-laptop-07", "linux", info)


def test_the_view_has_every_key_for_a_host_and_for_a_device():
    host = laptop(groups=["liaison", "laptops"], attributes={"ownership": "Company", "department": "liaison"})
    device = _selectors.device_view(
        {
            "host": "IPH-000001",
            "platform": "ios",
            "os_version": "18.1.1",
            "ownership": "personal",
            "supervised": False,
            "enrollment": "userEnrollment",
            "user": "a@contoso.example",
            "category": "Liaison office",
            "last_sync": "2026-11-28T10:00:00Z",
        },
        "intune",
    )
    assert list(host) == list(device) == list(_selectors.VIEW_KEYS)
    assert host["ownership"] == "company" and host["groups"] == ["laptops", "liaison"]
    assert host["attributes"] == {"ownership": "Company", "department": "liaison"} and host["mdm"] == ""
    assert device["mdm"] == "intune" and device["supervised"] is False and device["category"] == "Liaison office"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("glob(name, 'LIAISON-*')", True),
        ("contains(groups, 'liaison') && platform == 'linux'", True),
        ("attributes.department == 'liaison'", True),
        ("!contains(groups, 'lab')", True),
        ("ownership == 'personal' || contains(groups, 'lab')", False),
        ("supervised == `true`", False),
        ("starts_with(attributes.department || '', 'lia')", True),
        ("days_since(last_seen) > `30`", False),  # no last_seen: undecided, so false
    ],
)
def test_a_selector_is_evaluated_against_the_view(expression, expected):
    view = laptop(groups=["liaison"], attributes={"department": "liaison"})
    assert _selectors.matches(expression, view, "scope", NOW) is expected


def test_days_count_from_the_planning_day():
    view = _selectors.view("IPH-1", last_seen="2026-10-01T00:00:00Z")
    assert _selectors.matches("days_since(last_seen) > `30`", view, "scope", NOW)
    assert not _selectors.matches("days_since(last_seen) > `30`", view, "scope", "2026-10-15")


def test_each_distinct_expression_is_compiled_once():
    _selectors._compile_selector.cache_clear()
    compiled = {id(_selectors.compile_selector("platform == 'ios'", "scope")) for _host in range(50)}
    assert len(compiled) == 1 and _selectors._compile_selector.cache_info().misses == 1


def test_an_exception_by_attribute_covers_the_office_and_nothing_else():
    exceptions = [dict(EXCEPTION, where="contains(groups, 'liaison')", bans=["kaspersky"])]
    findings = match(KESL, BANS)
    inside = _planning.removal_plan(
        findings, BANS, host="a", exceptions=exceptions, host_info={"groups": ["liaison"]}, now=NOW, sources=READ
    )
    outside = _planning.removal_plan(findings, BANS, host="b", exceptions=exceptions, now=NOW, sources=READ)
    assert inside["exempt"] and not [s for s in inside["steps"] if s["kind"] == "remove"]
    assert not outside["exempt"] and [s for s in outside["steps"] if s["kind"] == "remove"]
    assert _report.host_result("a", plan=inside, bans=BANS, sources=READ)["status"] == "exempt"


def test_outside_the_scope_nothing_is_planned_and_the_status_says_so():
    findings = match(KESL, BANS)
    plan = _planning.removal_plan(
        findings,
        BANS,
        host="kiosk",
        mode="enforce",
        scope="ownership != 'personal'",
        host_info={"attributes": {"ownership": "personal"}},
        now=NOW,
        sources=READ,
    )
    assert plan["steps"] == [] and plan["out_of_scope"] == "ownership != 'personal'"
    record = _report.host_result("kiosk", plan=plan, bans=BANS, sources=READ, mode="enforce")
    assert record["status"] == "out_of_scope" and set(record["per_ban"].values()) == {"out_of_scope"}
    assert "ownership != 'personal'" in record["reason"] and record["scope"] == "ownership != 'personal'"
    fleet = _report.merge_fleet([record])
    assert fleet["summary"]["compliant"] == 0 and fleet["summary"]["by_status"]["out_of_scope"] == 1
    assert "out_of_scope" in _report.render_csv(fleet) and "Out of scope" in _report_html.render_html(fleet)


def test_phones_outside_the_scope_get_no_order_from_the_mdm():
    inventory = {
        "provider": "intune",
        "complete": True,
        "devices": [
            {"id": "d1", "host": "IPH-1", "platform": "ios", "ownership": "personal", "sources": READ},
            {"id": "d2", "host": "IPH-2", "platform": "ios", "ownership": "company", "sources": READ},
        ],
        "findings": [
            {"ban": "wechat", "device_id": d, "software": dict(r, device_id=d), "rule": {"kind": "identifier"}}
            for d in ("d1", "d2")
            for r in [{"name": "WeChat", "identifier": "com.tencent.xin", "platform": "ios", "source": "mdm"}]
        ],
        "mdm_apps": [],
    }
    wechat = [ban for ban in BANS if ban["id"] == "wechat"]
    fleet = _mdm_fleet.plan_fleet(inventory, wechat, mode="enforce", scope="ownership == 'company'", now=NOW)
    plans = {d["host"]: d["plan"] for d in fleet["devices"]}
    assert plans["IPH-1"]["out_of_scope"] and plans["IPH-1"]["steps"] == []
    assert not plans["IPH-2"].get("out_of_scope") and plans["IPH-2"]["findings"]
    statuses = {r["host"]: r["status"] for r in _mdm_fleet.fleet_results(fleet, wechat)}
    assert statuses == {"IPH-1": "out_of_scope", "IPH-2": "non_compliant"}


def test_fleet_json_conforms_to_its_published_schema_and_version(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    docs = _report.__file__.rsplit("/plugins/", 1)[0] + "/docs/fleet.schema.json"
    with open(docs, encoding="utf-8") as handle:
        assert json.load(handle) == FLEET_SCHEMA
    findings = match(KESL, BANS)
    exceptions = [dict(EXCEPTION, where="platform == 'linux'")]
    for host in ("web01", "web02"):
        plan = _planning.removal_plan(findings, BANS, host=host, exceptions=exceptions, platform="linux", now=NOW)
        _report.write_host_result(str(tmp_path), _report.host_result(host, plan=plan, bans=BANS, sources=READ))
    fleet, _changed = _report.write_fleet(str(tmp_path), ["web03"])
    jsonschema.validate(fleet, FLEET_SCHEMA)
    assert _report.read_fleet(str(tmp_path))["schema_version"] == FLEET_SCHEMA["properties"]["schema_version"]["const"]


def test_report_queries_answer_over_the_fleet(tmp_path):
    findings = match(KESL, BANS)
    exceptions = [dict(EXCEPTION, where="contains(groups, 'lab')", expires="2026-12-10")]
    for host, groups in (("lab-1", ["lab"]), ("liaison-1", ["liaison"]), ("liaison-2", ["liaison"])):
        plan = _planning.removal_plan(
            findings if host != "liaison-2" else [],
            BANS,
            host=host,
            exceptions=exceptions,
            host_info={"groups": groups},
            platform="linux",
            now=NOW,
        )
        _report.write_host_result(str(tmp_path), _report.host_result(host, plan=plan, bans=BANS, sources=READ))
    fleet, _changed = _report.write_fleet(str(tmp_path))
    office = "hosts[?status=='non_compliant' && contains(view.groups, 'liaison')].host"
    assert _report.query_fleet(fleet, office) == ["liaison-1"]
    expiring = "exceptions[?state=='active' && days_until(expires) <= `30`].applied_to[]"
    assert _report.query_fleet(fleet, expiring, NOW) == ["lab-1"]
    assert _report.query_fleet(fleet, expiring, "2026-10-01") == []
    with pytest.raises(
        _selectors.SelectorError, match=r"query: not a JMESPath expression, .* at position 14 \(from 0\)"
    ):
        _report.query_fleet(fleet, "hosts[?status = 'x']")


def test_a_fleet_report_of_another_schema_version_is_refused(tmp_path):
    (tmp_path / "fleet.json").write_text(json.dumps({"schema_version": 99, "hosts": []}))
    with pytest.raises(_selectors.SelectorError, match="schema_version 99, this collection reads 1"):
        _report.read_fleet(str(tmp_path))


# ---------------------------------------------------------------- hosts == where, over generated fleets


def _where(patterns):
    """The ``where`` that says what a ``hosts`` list says: a case-insensitive glob of the name, any of them."""
    return " || ".join("glob(name, '{}')".format(p.replace("\\", "\\\\").replace("'", "\\'")) for p in patterns)


def _as_where(exception):
    patterns = [exception["hosts"]] if isinstance(exception["hosts"], str) else exception["hosts"]
    return {**{k: v for k, v in exception.items() if k != "hosts"}, "where": _where(patterns)}


def _decisions(plan):
    """Everything a plan decides; which form the exception was written in is not a decision."""
    return {
        "steps": plan["steps"],
        "blocks": plan["blocks"],
        "skipped": plan["skipped"],
        "exempt": [(e["finding"], e["exception"]["reason"], e["exception"]["expires"]) for e in plan["exempt"]],
        "exceptions": [(e["reason"], e["expires"], e["state"], e["bans"]) for e in plan["exceptions"]],
        "removals": plan["removals"],
        "blocked_by_cap": plan["blocked_by_cap"],
    }


PATTERNS = st.lists(
    st.sampled_from(["web*", "laptop-07", "phone-?", "none", "WEB0[12]*", "*.example.org", "Laptop-*"]),
    min_size=1,
    max_size=3,
    unique=True,
)


@SETTINGS
@given(st.lists(hosts(), min_size=1, max_size=4), st.lists(PATTERNS, min_size=1, max_size=2))
def test_an_exception_written_with_where_plans_as_the_same_with_hosts(fleet, host_lists):
    for index, patterns in enumerate(host_lists):
        for host in fleet:
            bans = {"bans": [BANS[index % len(BANS)]["id"]]} if index else {}
            host["exceptions"] = [*host["exceptions"], dict(EXCEPTION, hosts=patterns, **bans)]
    for host in fleet:
        written_as_where = dict(host, exceptions=[_as_where(e) for e in host["exceptions"]])
        assert _decisions(plan_for(written_as_where, "enforce")) == _decisions(plan_for(host, "enforce"))
