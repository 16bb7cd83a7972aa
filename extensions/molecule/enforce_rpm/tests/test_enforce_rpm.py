# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rpm/dnf for real: banned rpms erased in order, excluded from dnf, verified; the look-alike kept.

Runs after the first converge and again after the idempotence run.

| container | fault | every run |
|---|---|---|
| interdict-enforce_rpm | none | removed in order, dnf refuses them; then compliant |
| interdict-enforce_rpm-lock | rpm transaction lock held beyond lock_timeout=5 | failed, naming the holder; blocked |
| interdict-enforce_rpm-preun | a banned rpm's %preun refuses | failed with the reason and output; blocked |
"""

import labcheck
import testinfra

HEALTHY = "interdict-enforce_rpm"
LOCK = "interdict-enforce_rpm-lock"
PREUN = "interdict-enforce_rpm-preun"
KESL_GUI = "kaspersky:remove:rpm:kesl-gui"
KESL = "kaspersky:remove:rpm:kesl"
AGENT = "kaspersky:remove:rpm:klnagent64"
ENGINE = "kaspersky:remove:rpm:kaspersky-scan-engine"
EXCLUDE_STEP = "kaspersky:block:dnf_exclude"
BLOCKED = {"kesl", "kesl-gui", "klnagent64", "klnagent"}

testinfra_hosts = labcheck.podman_hosts()


def result(name):
    results = labcheck.host_results(name)
    assert set(results) == {"kaspersky"}, (name, sorted(results))
    return results["kaspersky"]


def test_look_alike_survives(host):
    for package in labcheck.lab_vars(host)["lab_look_alike_rpms"]:
        assert labcheck.rpm_installed(host, package), package
        assert (package, "preun", "0") not in labcheck.rpm_scriptlet_calls(host)


def test_dnf_excludes_the_banned_packages_on_every_host(host):
    # Faults or not: the block does not wait for the removals.
    assert labcheck.dnf_excludes(host) >= BLOCKED
    assert "keslint" not in labcheck.dnf_excludes(host)
    assert [block["method"] for block in result(labcheck.hostname(host))["blocks"]] == ["apt_pin", "dnf_exclude"]
    assert all(block["state"] == "present" for block in result(labcheck.hostname(host))["blocks"])


def test_dnf_refuses_the_banned_package_and_installs_it_without_the_block(host):
    # The control: the same install into an identical empty root, with the block ignored, succeeds.
    control = labcheck.dnf_install(host, "kesl-gui", installroot="/var/tmp/control", disable_excludes=True)
    assert control.rc == 0, control.stderr
    assert host.run("rpm --root /var/tmp/control --query kesl-gui kesl").rc == 0
    refused = labcheck.dnf_install(host, "kesl-gui", installroot="/var/tmp/refused")
    assert refused.rc != 0, refused.stdout
    assert "Unable to find a match: kesl-gui" in refused.stderr, refused.stderr
    look_alike = labcheck.dnf_install(host, "keslint", installroot="/var/tmp/refused")
    assert look_alike.rc == 0, look_alike.stderr
    if labcheck.hostname(host) == HEALTHY:
        on_host = labcheck.dnf_install(host, "kesl")
        assert on_host.rc != 0 and "Unable to find a match: kesl" in on_host.stderr, on_host.stderr
        assert not labcheck.rpm_installed(host, "kesl")


def test_healthy_host_removed_in_order_through_the_packages_own_scriptlets():
    host = testinfra.get_host(f"podman://{HEALTHY}")
    for package in ("kesl", "kesl-gui", "klnagent64"):
        assert not labcheck.rpm_installed(host, package), package
    order = labcheck.rpm_removal_order(host)
    assert order == ["kesl-gui", "kesl", "klnagent64"], order
    assert not host.file("/var/lib/interdict-lab/services/kesl.active").exists
    assert not host.file("/var/lib/interdict-lab/services/klnagent64.active").exists
    record = result(HEALTHY)
    assert record["remaining"] == []
    if record["findings"]:
        assert record["status"] == "remediated", record["reason"]
        assert labcheck.finding_identifiers(record["findings"]) == ["kesl", "kesl-gui", "klnagent64"]
        assert {a["step"]: a["outcome"] for a in record["actions"] if a["kind"] == "remove"} == {
            KESL_GUI: "ok",
            KESL: "ok",
            AGENT: "ok",
        }
    else:
        # The idempotence run: nothing found, nothing to do.
        assert (record["status"], record["actions"]) == ("compliant", []), record["reason"]
    assert labcheck.fleet_host(HEALTHY)["status"] in ("remediated", "compliant")


def test_a_held_rpm_lock_fails_the_removal_naming_the_holder():
    host = testinfra.get_host(f"podman://{LOCK}")
    record = result(LOCK)
    assert record["status"] == "failed", record["reason"]
    gui = labcheck.action_of(record, KESL_GUI)
    assert gui["outcome"] == "failed", gui
    assert gui["msg"].startswith("gave up after 5 s: rpm transaction lock /var/lib/rpm/.rpm.lock is held by pid "), gui
    assert "(python3 /usr/local/bin/hold-rpm-lock 1800)" in gui["msg"] and gui["msg"].endswith("not run"), gui
    assert "gave up after 5 s" in record["reason"]
    assert labcheck.action_of(record, KESL)["outcome"] == "skipped"
    assert labcheck.action_of(record, AGENT)["outcome"] == "skipped"
    for package in ("kesl", "kesl-gui", "klnagent64", "keslint"):
        assert labcheck.rpm_installed(host, package), package
    assert labcheck.rpm_removal_order(host) == []


def test_a_failing_preun_is_reported_with_its_output_and_the_rest_still_removed():
    host = testinfra.get_host(f"podman://{PREUN}")
    record = result(PREUN)
    assert record["status"] == "failed", record["reason"]
    engine = labcheck.action_of(record, ENGINE)
    assert engine["outcome"] == "failed" and engine["rc"] == 1, engine
    assert engine["msg"].startswith("exit code 1: "), engine
    assert "kaspersky-scan-engine: removal is password-protected" in engine["msg"], engine
    assert "kaspersky-scan-engine-2.1.0-1.noarch: erase failed" in engine["msg"], engine
    assert "password-protected" in record["reason"]
    assert labcheck.rpm_installed(host, "kaspersky-scan-engine")
    for package in ("kesl", "kesl-gui"):
        assert not labcheck.rpm_installed(host, package), package
    # The agent goes last, after every other Kaspersky package: it waits for the one that failed.
    agent = labcheck.action_of(record, AGENT)
    assert agent == {**agent, "outcome": "skipped", "msg": f"not run: {ENGINE} did not succeed"}
    assert labcheck.rpm_installed(host, "klnagent64")
