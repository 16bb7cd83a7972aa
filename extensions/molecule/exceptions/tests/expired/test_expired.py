# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After the side effect: the exception ended yesterday, so the formerly exempt host is enforced too."""

import labcheck

testinfra_hosts = labcheck.podman_hosts()
BANS = ("kaspersky", "wechat")
EXEMPT = "interdict-exceptions-exempt"


def test_every_host_is_enforced(host):
    labcheck.assert_enforced(host, BANS)


def test_kaspersky_order_on_the_formerly_exempt_host(host):
    order = labcheck.removal_order(host)
    assert order.index("kesl-gui") < order.index("kesl") < order.index("klnagent64"), order


def test_formerly_exempt_host_is_remediated(host):
    if labcheck.hostname(host) != EXEMPT:
        return
    results = labcheck.host_results(EXEMPT)
    for ban in BANS:
        result = results[ban]
        assert result["status"] == "remediated", (ban, result["status"], result["reason"])
        states = {(tuple(e["hosts"]), e["state"]) for e in result["exceptions"]}
        assert ((EXEMPT,), "expired") in states, states
    assert labcheck.fleet_host(EXEMPT)["status"] == "remediated"
