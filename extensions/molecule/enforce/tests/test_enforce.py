# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enforce: banned packages purged in order, pinned out of apt, verified; look-alikes kept.

Runs after the first converge and again after the idempotence run, so the
report checks accept both the first run (remediated) and the second
(compliant, nothing left to do) but nothing else.
"""

import labcheck

testinfra_hosts = labcheck.podman_hosts()


def test_banned_packages_are_purged(host):
    for package in labcheck.lab_vars(host)["lab_banned_packages"]:
        # '' : dpkg keeps no record at all, so no conffile or state is left behind.
        assert labcheck.package_state(host, package) == "", package
        assert not host.file(labcheck.CONFFILES[package]).exists, package


def test_look_alikes_survive(host):
    for package in labcheck.lab_vars(host)["lab_look_alike_packages"]:
        assert labcheck.package_state(host, package) == "installed", package
        assert host.file(labcheck.CONFFILES[package]).exists, package
    removed = {package for package, script, _argument in labcheck.maintscript_calls(host) if script == "prerm"}
    assert not removed & set(labcheck.lab_vars(host)["lab_look_alike_packages"])


def test_services_stopped_by_the_packages_own_removal(host):
    calls = labcheck.maintscript_calls(host)
    for package in labcheck.SERVICES:
        assert not labcheck.service_running(host, package), package
        assert (package, "prerm", "remove") in calls, f"{package} was not removed through its own prerm"


def test_kaspersky_endpoint_security_goes_before_its_network_agent(host):
    order = labcheck.removal_order(host)
    assert order.index("kesl-gui") < order.index("kesl") < order.index("klnagent64"), order


def test_each_package_removed_once(host):
    order = labcheck.removal_order(host)
    assert sorted(order) == sorted(labcheck.lab_vars(host)["lab_banned_packages"]), order


def test_one_pin_file_per_ban(host):
    assert labcheck.pin_files(host) == ["interdict-kaspersky.pref", "interdict-wechat.pref"]
    pin = host.file("/etc/apt/preferences.d/interdict-kaspersky.pref").content_string
    assert "Pin-Priority: -1" in pin
    for package in ("kesl", "kesl-gui", "klnagent64"):
        assert package in pin, package


def test_apt_refuses_the_banned_packages_but_not_without_the_pin(host):
    for package in labcheck.lab_vars(host)["lab_banned_packages"]:
        # The control: the same request with apt's preferences ignored would install it.
        control = labcheck.apt_install(host, package, without_pins=True)
        assert control.rc == 0, (package, control.stdout, control.stderr)
        assert f"Inst {package} " in control.stdout, package
        refused = labcheck.apt_install(host, package, simulate=False)
        assert refused.rc != 0, (package, refused.stdout)
        assert labcheck.package_state(host, package) == "", package


def test_look_alikes_are_not_pinned(host):
    for package in labcheck.lab_vars(host)["lab_look_alike_packages"]:
        policy = host.run("apt-cache policy %s", package).stdout
        assert "-1" not in policy, policy


def test_host_results(host):
    lab = labcheck.lab_vars(host)
    results = labcheck.host_results(labcheck.hostname(host))
    assert set(results) == {"kaspersky", "wechat", "tiktok"}, sorted(results)
    assert results["tiktok"]["status"] == "compliant"
    for ban in ("kaspersky", "wechat"):
        result = results[ban]
        assert result["mode"] == "enforce"
        assert result["remaining"] == [], ban
        assert all(action["outcome"] != "failed" for action in result["actions"]), result["actions"]
        assert [block["state"] for block in result["blocks"]] == ["present"], (ban, result["blocks"])
        if result["findings"]:
            # The run that removed them: every finding a banned lab package, each removed.
            assert result["status"] == "remediated", (ban, result["reason"])
            expected = sorted(p for p in lab["lab_banned_packages"] if labcheck.BAN_OF[p] == ban)
            assert labcheck.finding_identifiers(result["findings"]) == expected
            removed = {a["step"] for a in result["actions"] if a["kind"] == "remove" and a["outcome"] == "ok"}
            assert len(removed) == len(expected), result["actions"]
        else:
            # The idempotence run: nothing found, nothing to do.
            assert result["status"] == "compliant", (ban, result["reason"])
            assert all(action["kind"] != "remove" for action in result["actions"]), result["actions"]


def test_fleet_report(host):
    entry = labcheck.fleet_host(labcheck.hostname(host))
    assert entry["status"] in ("remediated", "compliant")
    assert entry["remaining"] == []
