# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After converge: the host with an active exception is untouched and exempt; the expired one is enforced."""

import labcheck

testinfra_hosts = labcheck.podman_hosts()
BANS = ("kaspersky", "wechat")
EXEMPT = "interdict-exceptions-exempt"
EXPIRED = "interdict-exceptions-expired"


def test_host_state(host):
    if labcheck.hostname(host) == EXEMPT:
        labcheck.assert_untouched(host)
    else:
        labcheck.assert_enforced(host, BANS)


def test_host_results(host):
    name = labcheck.hostname(host)
    results = labcheck.host_results(name)
    assert set(results) == set(BANS), sorted(results)
    for ban in BANS:
        result = results[ban]
        states = {(tuple(e["hosts"]), e["state"]) for e in result["exceptions"]}
        if name == EXEMPT:
            assert result["status"] == "exempt", (ban, result["status"], result["reason"])
            assert result["findings"], ban
            assert all(action["kind"] != "remove" for action in result["actions"]), result["actions"]
            assert ((EXEMPT,), "active") in states, states
            active = next(e for e in result["exceptions"] if e["hosts"] == [EXEMPT])
            assert active["approver"] == "Jane Roe (CISO)"
            assert active["expires"] > result["timestamp"][:10]
        else:
            # remediated by the converge, compliant after the idempotence run
            assert result["status"] in ("remediated", "compliant"), (ban, result["status"], result["reason"])
            assert result["remaining"] == []
            assert ((EXPIRED,), "expired") in states, states


def test_fleet_report_lists_every_exception_with_approver_and_expiry():
    fleet = labcheck.fleet()
    by_host = {entry["host"]: entry for entry in fleet["hosts"]}
    assert by_host[EXEMPT]["status"] == "exempt"
    assert by_host[EXPIRED]["status"] in ("remediated", "compliant")
    listed = {(tuple(e["hosts"]), e["approver"], e["expires"], e["state"]) for e in fleet["exceptions"]}
    assert ((EXPIRED,), "John Doe (IT director)", "2024-06-30", "expired") in listed, listed
    assert any(hosts == (EXEMPT,) and state == "active" for hosts, _approver, _expires, state in listed), listed
    html = (labcheck.report_dir() / "fleet.html").read_text(encoding="utf-8")
    assert "Jane Roe (CISO)" in html and "2024-06-30" in html
