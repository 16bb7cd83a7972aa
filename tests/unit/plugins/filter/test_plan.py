"""The removal_plan and host_result filters: the controller-side face of planning and reporting."""

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.filter.plan import FilterModule, host_result, removal_plan, role_options
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _report, _report_html

BANS = load_bans(["kaspersky"])
RECORDS = [{"name": "kesl", "identifier": "kesl", "platform": "linux", "source": "dpkg"}]


def test_the_filters_are_exported():
    assert set(FilterModule().filters()) == {"removal_plan", "host_result", "role_options"}


def test_role_options_add_the_role_variables():
    options = role_options({"lock_timeout": 30}, {"kaspersky_kes_login": "ops"}, "kaspersky_options")
    assert options == {"lock_timeout": 30, "kaspersky_kes_login": "ops"}
    assert role_options(None, {"kaspersky_removal_tool": ""}, "kaspersky_options") == {"kaspersky_removal_tool": ""}


def test_role_options_refuse_a_second_name_for_a_setting():
    # Neither name silently wins: the key in the options is refused, naming the variable to set.
    settings = {"kaspersky_kes_login": "KLAdmin", "kaspersky_removal_tool": ""}
    with pytest.raises(AnsibleFilterError) as error:
        role_options({"kaspersky_kes_login": "ops"}, settings, "kaspersky_options")
    expected = "kaspersky_options.kaspersky_kes_login: set the role variable kaspersky_kes_login instead"
    assert str(error.value) == expected
    with pytest.raises(AnsibleFilterError, match=r"^kaspersky_options: expected a mapping, got str$"):
        role_options("fast", settings, "kaspersky_options")
    with pytest.raises(AnsibleFilterError, match=r"^role_options: settings: expected a mapping"):
        role_options({}, ["kaspersky_kes_login"], "kaspersky_options")


def test_the_kaspersky_role_variables_are_options_the_ban_declares():
    """The role's own variables for options carry the names the ban file gives those options."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
    with open(os.path.join(root, "roles", "kaspersky", "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        variables = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    (ban,) = BANS
    windows = ban["platforms"]["windows"]["remove"]
    declared = {windows["vendor_tool"]["option"]} | {
        product["password"]["login_option"]
        for product in windows.get("products", [])
        if product.get("password", {}).get("login_option")
    }
    assert declared == {"kaspersky_kes_login", "kaspersky_removal_tool"}
    assert declared <= set(variables)


def test_sources_may_be_the_facts_mapping():
    sources = {
        "platform": "linux",
        "sources": [
            {"source": "dpkg", "state": "read", "records": 1, "reason": ""},
            {"source": "rpm", "state": "absent", "records": 0, "reason": ""},
        ],
    }
    plan = removal_plan(match(RECORDS, BANS), BANS, host="h", sources=sources, max_removals="5")
    # dpkg was read: an apt pin can work there; rpm is absent: no dnf exclude.
    assert [s["method"] for s in plan["steps"]] == ["dpkg", "apt_pin"]


def test_a_secret_comes_from_its_declared_environment_variable(monkeypatch):
    monkeypatch.delenv("INTERDICT_KASPERSKY_KES_PASSWORD", raising=False)
    record = {
        "name": "Kaspersky Endpoint Security for Windows",
        "identifier": "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}",
        "platform": "windows",
        "source": "registry",
        "windows_installer": True,
    }
    findings = match([record], BANS)
    # An empty value (a role default) does not mask the variable an AWX credential injects.
    assert "KLPASSWD" not in str(removal_plan(findings, BANS, secrets={"kaspersky_kes_password": ""})["steps"])
    monkeypatch.setenv("INTERDICT_KASPERSKY_KES_PASSWORD", "from-awx")
    plan = removal_plan(findings, BANS, secrets={"kaspersky_kes_password": ""})
    assert "KLPASSWD=<secret:kaspersky_kes_password>" in plan["steps"][0]["command"]
    assert "from-awx" not in str(plan)


def test_bad_exceptions_become_one_filter_error():
    with pytest.raises(AnsibleFilterError, match=r"removal_plan: exceptions\[0\]: missing 'approver'"):
        removal_plan([], BANS, exceptions=[{"hosts": "*", "reason": "r", "expires": "2030-01-01"}])


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(AnsibleFilterError, match="list of findings"):
        removal_plan("kesl", BANS)
    with pytest.raises(AnsibleFilterError, match=r"removal_plan: bans\[0\]: ban \(no id\): \(top level\): missing"):
        removal_plan([], [{"title": "no id"}])
    with pytest.raises(AnsibleFilterError, match="plan from removal_plan"):
        host_result("not a plan", "h")


def test_host_result_of_a_failed_inventory_is_unknown():
    record = host_result(None, "web01", facts_error="Permission denied", bans=BANS)
    assert record["status"] == "unknown" and "Permission denied" in record["reason"]
    assert record["per_ban"] == {"kaspersky": "unknown"}


def test_host_result_ignores_a_skipped_apply():
    plan = removal_plan(match(RECORDS, BANS), BANS, host="h", sources=["dpkg"])
    record = host_result(plan, "h", actions={"skipped": True, "changed": False}, bans=BANS)
    assert record["status"] == "non_compliant" and record["actions"][0]["outcome"] == "planned"


def test_wide_exceptions_need_allow_wide_and_are_flagged():
    wide = {"hosts": "*", "approver": "CISO", "reason": "pilot", "expires": "2026-12-31"}
    with pytest.raises(AnsibleFilterError, match=r"exceptions\[0\]: covers every host; .* needs allow_wide: true"):
        removal_plan([], BANS, host="h", exceptions=[wide], now="2026-11-29")
    plan = removal_plan([], BANS, host="h", exceptions=[dict(wide, allow_wide=True)], now="2026-11-29")
    assert plan["exceptions"][0]["wide"] == "every host"
    # The report flags it: the host result carries why, and the HTML report shows it.
    record = host_result(plan, "h", bans=BANS)
    assert record["exceptions"][0]["wide"] == "every host"
    assert "<td>every host</td>" in _report_html.render_html(_report.merge_fleet([record]))
    with pytest.raises(AnsibleFilterError, match=r"exceptions\[0\]\.bans\[0\]: unknown ban 'kaspersk'"):
        removal_plan([], BANS, host="h", exceptions=[dict(wide, hosts="h", bans="kaspersk")], now="2026-11-29")
