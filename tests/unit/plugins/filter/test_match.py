"""The match filter: the playbook face of the matching engine."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.filter.match import match
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans

BANS = load_bans()


def test_match_returns_findings():
    records = [
        {"name": "TikTok", "platform": "android", "source": "mdm", "identifier": "com.zhiliaoapp.musically"},
        {"name": "TickTick", "platform": "android", "source": "mdm", "identifier": "com.ticktick.task"},
    ]
    assert [(f["ban"], f["software"]["name"]) for f in match(records, BANS)] == [("tiktok", "TikTok")]


@pytest.mark.parametrize(
    ("records", "bans", "message"),
    [
        ("WeChat", BANS, "the input must be a list of software records"),
        ([{"name": "WeChat"}], "wechat", "bans must be a list of ban definitions"),
        ([{"name": "WeChat", "platform": "ios"}], [{"id": "x"}], r"match: bans\[0\]: ban 'x': \(top level\): missing"),
        ([{"name": ["WeChat"], "platform": "ios"}], BANS, r"match: records\[0\]\.name: expected a string, got list"),
        (["WeChat"], BANS, r"match: records\[0\]: expected a software record"),
    ],
)
def test_bad_input_is_one_clear_error(records, bans, message):
    with pytest.raises(AnsibleFilterError, match=message):
        match(records, bans)


def test_a_long_host_value_is_cut_before_matching():
    record = {"name": "Kaspersky " + "x" * 10000, "platform": "windows", "source": "registry"}
    (finding,) = [f for f in match([record], BANS) if f["ban"] == "kaspersky"]
    assert len(finding["software"]["name"]) == 256
    assert len(record["name"]) == 10010
