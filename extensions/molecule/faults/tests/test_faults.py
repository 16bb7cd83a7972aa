# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults on the target: each injected for real in its own container (converge.yml), enforce run four
times; the reports of every run (report/run<N>) and the containers afterwards.

| container | fault | run 1 | later runs |
|---|---|---|---|
| lockwait | dpkg frontend lock held 20 s | waits (default 60 s), removes | compliant |
| locktimeout | lock held beyond lock_timeout=5 | fails the step naming the holder | removes; compliant |
| prerm | a banned package's prerm exits 1 | failed with the reason; pin written | same; fixed: removed |
| cut | container stopped before the agent's removal | unknown, no result | removes the agent |
| readonly | /etc/apt/preferences.d read-only | block fails, no partial file | pinned, compliant |
| adminpin | an administrator's different pin under our name | block fails, file kept | same, file kept |
| adoptpin | an administrator's identical pin | adopted, file kept | same |
"""

import labcheck
import testinfra

KESL_GUI = "kaspersky:remove:dpkg:kesl-gui"
KESL = "kaspersky:remove:dpkg:kesl"
AGENT = "kaspersky:remove:dpkg:klnagent64"
ENGINE = "kaspersky:remove:dpkg:kaspersky-scan-engine"
PIN_STEP = "kaspersky:block:apt_pin"
PIN = "/etc/apt/preferences.d/interdict-kaspersky.pref"
KASPERSKY = ("kesl", "kesl-gui", "klnagent64")


def container(name):
    return testinfra.get_host(f"podman://interdict-faults-{name}")


def result(name, run):
    results = labcheck.run_results(f"interdict-faults-{name}", run)
    assert set(results) == {"kaspersky"}, (name, run, sorted(results))
    return results["kaspersky"]


def outcomes(record):
    return {action["step"]: action["outcome"] for action in record["actions"]}


def assert_removed_and_pinned(host, packages=KASPERSKY):
    for package in packages:
        assert labcheck.package_state(host, package) == "", package
    for package in ("ticktick", "wemeet"):
        assert labcheck.package_state(host, package) == "installed", package
    assert labcheck.pin_files(host) == ["interdict-kaspersky.pref"]
    assert "Pin-Priority: -1" in host.file(PIN).content_string


def assert_compliant_and_untouched(name, run):
    record = result(name, run)
    assert (record["status"], record["actions"], record["findings"]) == ("compliant", [], []), record["reason"]


# --------------------------------------------------------------------------- busy package manager


def test_a_lock_held_for_20_s_is_waited_for_then_the_removal_runs():
    first = result("lockwait", 1)
    assert first["status"] == "remediated", first["reason"]
    waited = [a for a in first["actions"] if a["msg"].startswith("waited ")]
    assert [a["step"] for a in waited] == [KESL_GUI], first["actions"]
    msg = waited[0]["msg"]
    assert "dpkg frontend lock /var/lib/dpkg/lock-frontend is held by pid " in msg, msg
    assert "(python3 /usr/local/bin/hold-dpkg-lock 20 AnsiballZ_software_apply)" in msg, msg
    # The holder lets go 20 s after the module started, so the module waited, and less than that.
    seconds = int(msg.split()[1])
    assert 1 <= seconds <= 20, msg
    assert all(outcome == "ok" for outcome in outcomes(first).values()), first["actions"]
    assert_compliant_and_untouched("lockwait", 2)
    assert_removed_and_pinned(container("lockwait"))


def test_a_lock_held_beyond_the_timeout_fails_the_step_naming_the_holder():
    first = result("locktimeout", 1)
    assert first["status"] == "failed", first["reason"]
    gui = labcheck.action_of(first, KESL_GUI)
    assert gui["outcome"] == "failed", gui
    assert gui["msg"].startswith("gave up after 5 s: dpkg frontend lock /var/lib/dpkg/lock-frontend is held by pid ")
    assert "(python3 /usr/local/bin/hold-dpkg-lock 900)" in gui["msg"] and gui["msg"].endswith("not run")
    assert "gave up after 5 s" in first["reason"]
    # What waits for the failed removal is skipped with the reason; the block does not wait for it.
    assert labcheck.action_of(first, KESL) == {**labcheck.action_of(first, KESL), "outcome": "skipped"}
    assert labcheck.action_of(first, KESL)["msg"] == f"not run: {KESL_GUI} did not succeed"
    assert labcheck.action_of(first, AGENT)["outcome"] == "skipped"
    assert labcheck.action_of(first, PIN_STEP)["outcome"] == "ok"
    assert container("locktimeout").file("/var/tmp/faults-run1.pins").content_string.split() == [
        "interdict-kaspersky.pref"
    ]
    second = result("locktimeout", 2)
    assert second["status"] == "remediated", second["reason"]
    assert labcheck.finding_identifiers(second["findings"]) == sorted(KASPERSKY)
    assert_compliant_and_untouched("locktimeout", 3)
    assert_removed_and_pinned(container("locktimeout"))


# --------------------------------------------------------------------------- a maintainer script that fails


def test_a_failing_prerm_is_reported_with_its_output_the_pin_still_written_and_the_agent_waits():
    host = container("prerm")
    for run in (1, 2):
        record = result("prerm", run)
        assert record["status"] == "failed", (run, record["reason"])
        engine = labcheck.action_of(record, ENGINE)
        assert engine["outcome"] == "failed" and engine["rc"] == 1, engine
        assert engine["msg"].startswith("exit code 1: "), engine
        assert "kaspersky-scan-engine: removal is password-protected" in engine["msg"], engine
        assert "password-protected" in record["reason"]
        agent = labcheck.action_of(record, AGENT)
        assert agent == {**agent, "outcome": "skipped", "msg": f"not run: {ENGINE} did not succeed"}
    first, second = result("prerm", 1), result("prerm", 2)
    assert labcheck.action_of(first, PIN_STEP)["outcome"] == "ok"
    # Run 2: the pin is in place (no step), nothing is removed twice.
    assert labcheck.action_of(second, PIN_STEP) is None
    assert [b["state"] for b in second["blocks"]] == ["present"]
    assert sorted(outcomes(second)) == [ENGINE, AGENT]
    assert labcheck.finding_identifiers(second["findings"]) == ["kaspersky-scan-engine", "klnagent64"]
    third = result("prerm", 3)
    assert third["status"] == "remediated", third["reason"]
    assert outcomes(third) == {ENGINE: "ok", AGENT: "ok"}
    assert_compliant_and_untouched("prerm", 4)
    assert_removed_and_pinned(host, (*KASPERSKY, "kaspersky-scan-engine"))
    order = labcheck.removal_order(host)
    # Tried twice while protected, then once more; every other package removed once.
    assert order.count("kaspersky-scan-engine") == 3 and order.count("klnagent64") == 1, order
    assert order.index("kesl") < order.index("kaspersky-scan-engine") < order.index("klnagent64"), order


# --------------------------------------------------------------------------- a run cut off half-way


def test_a_host_stopped_half_way_is_unknown_and_the_next_run_finishes_the_job():
    assert labcheck.run_results("interdict-faults-cut", 1) == {}
    entry = labcheck.run_fleet_host("interdict-faults-cut", 1)
    assert (entry["status"], entry["reason"]) == ("unknown", "no result: host unreachable or not run")
    assert entry["per_ban"] == {"kaspersky": "unknown"}
    host = container("cut")
    second = result("cut", 2)
    # What run 1 left: Endpoint Security gone, its Network Agent still installed.
    # ... and no pin yet: the block step comes after the removals.
    assert labcheck.finding_identifiers(second["findings"]) == ["klnagent64"]
    assert second["status"] == "remediated", second["reason"]
    assert outcomes(second) == {AGENT: "ok", PIN_STEP: "ok"}, second["actions"]
    assert_compliant_and_untouched("cut", 3)
    assert_removed_and_pinned(host)
    assert labcheck.removal_order(host) == ["kesl-gui", "kesl", "klnagent64"]


# --------------------------------------------------------------------------- files


def test_a_read_only_pin_directory_fails_the_block_with_no_partial_file():
    first = result("readonly", 1)
    assert first["status"] == "failed", first["reason"]
    pin = labcheck.action_of(first, PIN_STEP)
    assert pin["outcome"] == "failed"
    assert pin["msg"] == f"cannot write {PIN}: Read-only file system; nothing written"
    assert all(outcomes(first)[step] == "ok" for step in (KESL_GUI, KESL, AGENT)), first["actions"]
    host = container("readonly")
    assert host.file("/var/tmp/faults-run1.pins").content_string.split() == []
    second = result("readonly", 2)
    assert second["status"] == "compliant" and outcomes(second) == {PIN_STEP: "ok"}, second["reason"]
    assert_compliant_and_untouched("readonly", 3)
    assert_removed_and_pinned(host)
    assert host.run("ls -A /etc/apt/preferences.d").stdout.split() == ["interdict-kaspersky.pref"]


def pin_unchanged(host):
    inode, digest = host.file("/var/tmp/faults-pin.before").content_string.splitlines()
    assert host.run("stat -c %%i %s", PIN).stdout.strip() == inode
    assert host.run("sha256sum %s", PIN).stdout.strip() == digest


def test_an_administrators_different_pin_is_never_overwritten_and_the_block_fails_clearly():
    for run in (1, 2, 3, 4):
        record = result("adminpin", run)
        assert record["status"] == "failed", (run, record["reason"])
        pin = labcheck.action_of(record, PIN_STEP)
        assert pin["outcome"] == "failed", pin
        assert pin["msg"].startswith(f"{PIN} already exists with other content and was not written by interdict.bans")
    host = container("adminpin")
    pin_unchanged(host)
    assert host.file(PIN).content_string.startswith("# Site policy (ticket OPS-2211)")
    assert host.run("ls -A /etc/apt/preferences.d").stdout.split() == ["interdict-kaspersky.pref"]
    for package in KASPERSKY:
        assert labcheck.package_state(host, package) == "", package


def test_an_administrators_identical_pin_is_adopted_as_it_is():
    first = result("adoptpin", 1)
    assert first["status"] == "remediated", first["reason"]
    assert labcheck.action_of(first, PIN_STEP) is None
    assert [(b["method"], b["state"]) for b in first["blocks"]] == [("apt_pin", "present")]
    for run in (2, 3, 4):
        assert_compliant_and_untouched("adoptpin", run)
    host = container("adoptpin")
    pin_unchanged(host)
    assert_removed_and_pinned(host)


# --------------------------------------------------------------------------- healthy hosts


def test_a_second_run_on_healthy_hosts_changes_nothing():
    for name in ("lockwait", "locktimeout", "prerm", "cut", "readonly", "adoptpin"):
        assert_compliant_and_untouched(name, 4)
    for name in ("lockwait", "locktimeout", "prerm", "cut", "readonly", "adminpin", "adoptpin"):
        host = container(name)
        now = host.run(
            "cat /var/log/interdict-lab/maintscripts.log; ls -l --time-style=+%s.%N /etc/apt/preferences.d"
        ).stdout
        assert now == host.file("/var/tmp/faults-run3.state").content_string, name
