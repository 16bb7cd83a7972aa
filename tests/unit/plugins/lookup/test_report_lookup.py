"""The report lookup, through Ansible's own plugin loader."""

import json

import pytest
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader

from ansible_collections.interdict.bans.plugins.plugin_utils import _report


@pytest.fixture
def report(tmp_path):
    loader = DataLoader()
    loader.set_basedir(str(tmp_path))
    return lookup_loader.get("interdict.bans.report", loader=loader, templar=None)


def write_fleet(folder):
    result = {
        "host": "IPH-1",
        "platform": "ios",
        "run_id": "r1",
        "timestamp": "2026-11-29T10:00:00Z",
        "mode": "audit",
        "bans": ["wechat"],
        "status": "non_compliant",
        "reason": "found",
        "per_ban": {"wechat": "non_compliant"},
        "sources": [{"source": "intune", "state": "read", "records": 1, "reason": ""}],
        "view": {"name": "IPH-1", "category": "Liaison office"},
    }
    _report.write_host_result(str(folder), result)
    _report.write_fleet(str(folder))


def test_each_term_is_answered_over_fleet_json(report, tmp_path):
    write_fleet(tmp_path)
    answers = report.run(["hosts[?view.category=='Liaison office'].host", "summary.hosts"], report_dir=str(tmp_path))
    assert answers == [["IPH-1"], 1]


def test_a_bad_query_names_its_position(report, tmp_path):
    write_fleet(tmp_path)
    with pytest.raises(AnsibleLookupError, match=r"report: query: not a JMESPath expression, .* at position 14"):
        report.run(["hosts[?status = 'x']"], report_dir=str(tmp_path))


def test_no_fleet_report_or_another_version_is_one_clear_error(report, tmp_path):
    with pytest.raises(AnsibleLookupError, match=r"fleet\.json: not a fleet report: unreadable"):
        report.run(["hosts"], report_dir=str(tmp_path))
    (tmp_path / "fleet.json").write_text(json.dumps({"hosts": []}))
    with pytest.raises(AnsibleLookupError, match="schema_version None, this collection reads 1"):
        report.run(["hosts"], report_dir=str(tmp_path))
