# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit: every banned package found and reported, nothing on the host changed."""

import labcheck

testinfra_hosts = labcheck.podman_hosts()


def test_every_lab_package_is_still_installed(host):
    lab = labcheck.lab_vars(host)
    for package in lab["lab_banned_packages"] + lab["lab_look_alike_packages"]:
        assert labcheck.package_state(host, package) == "installed", package
        assert host.file(labcheck.CONFFILES[package]).exists, package


def test_no_maintainer_script_ran_after_install(host):
    calls = labcheck.maintscript_calls(host)
    assert calls, "the lab packages' maintainer scripts never ran: was prepare skipped?"
    assert all(script == "postinst" for _package, script, _argument in calls), calls


def test_services_still_run(host):
    for package in labcheck.SERVICES:
        assert labcheck.service_running(host, package), package


def test_no_block_written(host):
    assert labcheck.pin_files(host) == []
    assert labcheck.apt_install(host, "kesl").rc == 0


def test_report_finds_every_banned_package(host):
    lab = labcheck.lab_vars(host)
    results = labcheck.host_results(labcheck.hostname(host))
    assert set(results) == {"kaspersky", "wechat", "tiktok"}, sorted(results)
    found = {}
    for ban, result in results.items():
        assert result["mode"] == "audit", ban
        for finding in result["findings"]:
            found[finding["software"]["identifier"]] = finding["ban"]
    expected = {package: labcheck.BAN_OF[package] for package in lab["lab_banned_packages"]}
    assert found == expected, "findings must be exactly the banned packages (look-alikes excluded)"


def test_report_says_non_compliant_and_only_planned(host):
    results = labcheck.host_results(labcheck.hostname(host))
    for ban in ("kaspersky", "wechat"):
        result = results[ban]
        assert result["status"] == "non_compliant", (ban, result["status"], result["reason"])
        assert result["actions"], f"{ban}: the audit must show the plan"
        assert {action["outcome"] for action in result["actions"]} == {"planned"}, ban
        assert result["blocks"] and all(block["state"] != "present" for block in result["blocks"]), ban
    # TikTok has no Linux client: nothing to find here, and the look-alike TickTick is not it.
    assert results["tiktok"]["status"] == "compliant"
    assert results["tiktok"]["findings"] == []


def test_fleet_report(host):
    entry = labcheck.fleet_host(labcheck.hostname(host))
    assert entry["status"] == "non_compliant"
    assert entry["per_ban"] == {"kaspersky": "non_compliant", "wechat": "non_compliant", "tiktok": "compliant"}
    for name in ("fleet.csv", "fleet.html"):
        assert (labcheck.report_dir() / name).stat().st_size > 0, name
