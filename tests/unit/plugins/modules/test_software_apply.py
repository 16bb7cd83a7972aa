# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""interdict.bans.software_apply run for real: the module as a process on real files and commands,
and the action plugin through the `ansible` command (check mode and empty plans never reach the host)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.block_files import pin_marker, render_apt_pin
from ansible_collections.interdict.bans.plugins.module_utils.contract import exit_codes

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
COLLECTIONS = os.path.join(REPO, ".collections")
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
SITE = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")


def run_module(tmp_path, steps, check=False, diff=True, fail_on_step_failure=False):
    args = {"steps": steps, "fail_on_step_failure": fail_on_step_failure, "_ansible_diff": diff}
    if check:
        args["_ansible_check_mode"] = True
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run(
        [sys.executable, "-m", "ansible_collections.interdict.bans.plugins.modules.software_apply", str(args_file)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": COLLECTIONS},
        check=False,
    )
    return json.loads(proc.stdout)


PIN = render_apt_pin("kaspersky", "Kaspersky", ["kesl"])


def pin_step(path, content=PIN):
    return {
        "id": "kaspersky:block:apt_pin",
        "ban": "kaspersky",
        "kind": "block",
        "method": "apt_pin",
        "path": str(path),
        "content": content,
        "mode": "0644",
        "exit_codes": exit_codes(),
    }


def test_a_pin_file_is_written_once_and_then_left_alone(tmp_path):
    pin = tmp_path / "interdict-kaspersky.pref"
    first = run_module(tmp_path, [pin_step(pin)])
    assert first["changed"] is True and first["actions"][0]["outcome"] == "ok"
    assert {k: first["actions"][0][k] for k in ("step", "ban", "kind", "method")} == {
        "step": "kaspersky:block:apt_pin",
        "ban": "kaspersky",
        "kind": "block",
        "method": "apt_pin",
    }
    assert pin.read_text() == PIN and oct(pin.stat().st_mode & 0o777) == "0o644"
    assert first["diff"][0]["before"] == "" and "Pin-Priority: -1" in first["diff"][0]["after"]
    second = run_module(tmp_path, [pin_step(pin)])
    assert second["changed"] is False and second["actions"][0]["outcome"] == "absent"
    assert "diff" not in second


def test_a_changed_pin_is_rewritten_with_before_and_after(tmp_path):
    pin = tmp_path / "interdict-kaspersky.pref"
    pin.write_text("Package: kesl\nPin: release *\nPin-Priority: 100\n")
    result = run_module(tmp_path, [pin_step(pin)])
    assert result["changed"] and "Pin-Priority: 100" in result["diff"][0]["before"]
    assert "Pin-Priority: -1" in pin.read_text()


def managed_pin_step(path, content=PIN):
    return dict(pin_step(path, content), managed_marker=pin_marker("kaspersky"))


def test_an_older_pin_of_this_collection_is_replaced(tmp_path):
    pin = tmp_path / "interdict-kaspersky.pref"
    pin.write_text(render_apt_pin("kaspersky", "Kaspersky", ["kesl", "klnagent"]))
    result = run_module(tmp_path, [managed_pin_step(pin)])
    assert result["actions"][0]["outcome"] == "ok" and pin.read_text() == PIN


def test_an_administrators_identical_file_is_adopted_and_a_different_one_never_overwritten(tmp_path):
    pin = tmp_path / "interdict-kaspersky.pref"
    pin.write_text(PIN)
    inode = pin.stat().st_ino
    adopted = run_module(tmp_path, [managed_pin_step(pin)])
    assert adopted["actions"][0]["outcome"] == "absent" and adopted["changed"] is False
    assert pin.stat().st_ino == inode
    own = "# site policy\nPackage: kesl\nPin: release *\nPin-Priority: -1\n"
    pin.write_text(own)
    for _run in range(2):
        result = run_module(tmp_path, [managed_pin_step(pin)])
        (action,) = result["actions"]
        assert action["outcome"] == "failed" and result["changed"] is False
        assert "was not written by interdict.bans: not overwritten" in action["msg"] and str(pin) in action["msg"]
        assert pin.read_text() == own
        assert sorted(os.listdir(tmp_path)) == ["args.json", "interdict-kaspersky.pref"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory mode")
def test_an_unwritable_directory_fails_the_step_with_no_partial_file(tmp_path):
    directory = tmp_path / "preferences.d"
    directory.mkdir(mode=0o555)
    result = run_module(tmp_path, [managed_pin_step(directory / "interdict-kaspersky.pref")])
    (action,) = result["actions"]
    assert action["outcome"] == "failed" and "nothing written" in action["msg"]
    assert os.listdir(directory) == []


def test_a_file_that_cannot_be_written_fails_the_step_clearly(tmp_path):
    # A path under a regular file: no directory to put the temporary file in, whoever runs the test.
    blocker = tmp_path / "preferences.d"
    blocker.write_text("")
    result = run_module(tmp_path, [managed_pin_step(blocker / "interdict-kaspersky.pref")])
    (action,) = result["actions"]
    assert action["outcome"] == "failed"
    assert action["msg"] == "cannot write %s: Not a directory; nothing written" % (blocker / "interdict-kaspersky.pref")


# --------------------------------------------------------------------------- package manager locks

HOLDER = (
    "import fcntl, os, sys, time\n"
    "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)\n"
    "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
    "print('held', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
)
# Exit 0 when the lock is free for it, 1 when someone else holds it; prints the variable the step set.
PROBE_LOCK = (
    "import fcntl, os, sys\n"
    "fd = os.open(sys.argv[1], os.O_RDWR)\n"
    "print(os.environ.get('DPKG_FRONTEND_LOCKED', ''))\n"
    "try:\n"
    "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
    "except OSError:\n"
    "    sys.exit(1)\n"
)


def hold_lock(path, seconds):
    """A real other process that holds an fcntl lock on path (as apt or unattended-upgrades would)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def locked_step(tmp_path, lock, command, timeout, **extra):
    return {
        "id": "kaspersky:remove:dpkg:kesl",
        "method": "dpkg",
        "command": command,
        "exit_codes": exit_codes(),
        "locks": [{"path": str(lock), "name": "dpkg frontend lock", "hold": True, "env": "DPKG_FRONTEND_LOCKED"}],
        "lock_timeout": timeout,
        **extra,
    }


def test_a_lock_held_beyond_the_timeout_fails_the_step_naming_the_holder(tmp_path):
    lock = tmp_path / "lock-frontend"
    marker = tmp_path / "ran"
    holder = hold_lock(lock, 60)
    try:
        result = run_module(tmp_path, [locked_step(tmp_path, lock, ["touch", str(marker)], 1)])
    finally:
        holder.kill()
        holder.wait()
    (action,) = result["actions"]
    assert action["outcome"] == "failed" and not marker.exists()
    assert action["msg"].startswith("gave up after 1 s: dpkg frontend lock %s is held by pid %d (" % (lock, holder.pid))
    assert "import fcntl" in action["msg"] and action["msg"].endswith("; not run")


def test_a_removal_waits_for_the_lock_and_holds_it_while_the_command_runs(tmp_path):
    lock = tmp_path / "lock-frontend"
    # Held long enough that the module is surely waiting before it is released, even on a loaded machine.
    holder = hold_lock(lock, 5)
    try:
        result = run_module(tmp_path, [locked_step(tmp_path, lock, [sys.executable, "-c", PROBE_LOCK, str(lock)], 30)])
    finally:
        holder.wait()
    (action,) = result["actions"]
    # rc 1: the command found the lock held (by the module, for it), and the variable set, as apt does for dpkg.
    assert action["rc"] == 1 and action["outcome"] == "failed"
    assert action["msg"].startswith("waited ") and "held by pid %d" % holder.pid in action["msg"]
    assert action["msg"].endswith("exit code 1: 1")


def test_a_free_lock_is_taken_at_once_and_released_after_the_command(tmp_path):
    lock = tmp_path / "lock-frontend"
    result = run_module(tmp_path, [locked_step(tmp_path, lock, ["true"], 0)])
    assert [(a["outcome"], a["msg"]) for a in result["actions"]] == [("ok", "")]
    free = subprocess.run([sys.executable, "-c", PROBE_LOCK, str(lock)], check=False, capture_output=True)
    assert free.returncode == 0


def test_a_lock_only_waited_for_is_not_created_and_not_held(tmp_path):
    lock = tmp_path / "rpm.lock"
    step = locked_step(tmp_path, lock, ["true"], 0)
    step["locks"] = [{"path": str(lock), "name": "rpm transaction lock"}]
    assert run_module(tmp_path, [step])["actions"][0]["outcome"] == "ok"
    assert not lock.exists()
    holder = hold_lock(lock, 60)
    try:
        result = run_module(tmp_path, [step])
    finally:
        holder.kill()
        holder.wait()
    assert result["actions"][0]["outcome"] == "failed"
    assert "rpm transaction lock %s is held by pid %d" % (lock, holder.pid) in result["actions"][0]["msg"]


def test_a_probe_that_finds_the_package_gone_never_waits_for_the_lock(tmp_path):
    lock = tmp_path / "lock-frontend"
    holder = hold_lock(lock, 60)
    try:
        step = locked_step(tmp_path, lock, ["true"], 30, probe=["false"])
        result = run_module(tmp_path, [step])
    finally:
        holder.kill()
        holder.wait()
    assert result["actions"][0]["outcome"] == "absent"


def test_a_lock_timeout_out_of_bounds_is_a_failed_step(tmp_path):
    step = locked_step(tmp_path, tmp_path / "lock", ["true"], 86400)
    (action,) = run_module(tmp_path, [step])["actions"]
    assert action["outcome"] == "failed" and "lock_timeout" in action["msg"]


def test_a_failed_removal_leaves_the_block_in_place_and_skips_what_waits_for_it(tmp_path):
    pin = tmp_path / "interdict-kaspersky.pref"
    steps = [
        {"id": "kesl", "method": "dpkg", "command": ["sh", "-c", "echo 'prerm: service will not stop' >&2; exit 1"]},
        {"id": "agent", "method": "dpkg", "command": ["true"], "depends_on": ["kesl"]},
        managed_pin_step(pin),
    ]
    result = run_module(tmp_path, steps)
    assert [(a["outcome"], a["msg"]) for a in result["actions"]] == [
        ("failed", "exit code 1: prerm: service will not stop"),
        ("skipped", "not run: kesl did not succeed"),
        ("ok", "wrote %s" % pin),
    ]
    assert pin.read_text() == PIN


def test_check_mode_in_the_module_runs_nothing(tmp_path):
    pin = tmp_path / "p.pref"
    result = run_module(tmp_path, [pin_step(pin)], check=True)
    assert result["actions"][0]["outcome"] == "planned" and not pin.exists()


def test_commands_run_in_order_and_a_failure_stops_what_depends_on_it(tmp_path):
    marker = tmp_path / "agent-removed"
    steps = [
        {"id": "kesl", "method": "dpkg", "command": ["sh", "-c", "echo 'dpkg: dependency problems' >&2; exit 2"]},
        {"id": "klnagent64", "method": "dpkg", "command": ["touch", str(marker)], "depends_on": ["kesl"]},
        {"id": "independent", "method": "dpkg", "command": ["true"]},
    ]
    result = run_module(tmp_path, steps)
    outcomes = [(a["step"], a["outcome"]) for a in result["actions"]]
    assert outcomes == [("kesl", "failed"), ("klnagent64", "skipped"), ("independent", "ok")]
    assert result["actions"][0]["rc"] == 2 and "dependency problems" in result["actions"][0]["msg"]
    assert not marker.exists()
    assert result["failed_steps"] == ["kesl"]


def test_a_step_runs_after_its_dependency_succeeded(tmp_path):
    marker = tmp_path / "agent-removed"
    steps = [
        {"id": "kesl", "method": "dpkg", "command": ["true"]},
        {"id": "klnagent64", "method": "dpkg", "command": ["touch", str(marker)], "depends_on": ["kesl"]},
    ]
    assert [a["outcome"] for a in run_module(tmp_path, steps)["actions"]] == ["ok", "ok"]
    assert marker.exists()


def test_a_probe_that_finds_nothing_means_absent_and_the_command_does_not_run(tmp_path):
    marker = tmp_path / "ran"
    step = {
        "id": "x",
        "method": "dpkg",
        "command": ["touch", str(marker)],
        "probe": ["test", "-e", str(tmp_path / "no")],
    }
    result = run_module(tmp_path, [step])
    assert result["actions"][0]["outcome"] == "absent" and result["changed"] is False
    assert not marker.exists()


def test_exit_codes_mean_what_the_steps_table_says(tmp_path):
    steps = [
        {"id": "reboot", "method": "x", "command": ["sh", "-c", "exit 3"], "exit_codes": exit_codes(reboot=(3,))},
        {"id": "gone", "method": "x", "command": ["sh", "-c", "exit 4"], "exit_codes": exit_codes(absent=(4,))},
        {"id": "other", "method": "x", "command": ["sh", "-c", "exit 5"], "exit_codes": exit_codes(absent=(4,))},
        {"id": "zero-is-no-success", "method": "x", "command": ["true"], "exit_codes": {"1": "ok"}},
        {"id": "no-table", "method": "x", "command": ["true"]},
    ]
    result = run_module(tmp_path, steps)
    outcomes = {a["step"]: (a["outcome"], a["changed"]) for a in result["actions"]}
    assert outcomes == {
        "reboot": ("reboot_pending", True),
        "gone": ("absent", False),
        "other": ("failed", False),
        "zero-is-no-success": ("failed", False),
        "no-table": ("ok", True),
    }
    assert result["reboot_pending"] is True
    assert result["failed_steps"] == ["other", "zero-is-no-success"]


def test_a_reboot_pending_dependency_lets_the_dependant_run(tmp_path):
    steps = [
        {"id": "kes", "method": "x", "command": ["sh", "-c", "exit 3"], "exit_codes": exit_codes(reboot=(3,))},
        {"id": "agent", "method": "x", "command": ["true"], "depends_on": ["kes"]},
    ]
    assert [a["outcome"] for a in run_module(tmp_path, steps)["actions"]] == ["reboot_pending", "ok"]


def test_a_retry_runs_again_on_its_codes_only(tmp_path):
    counter = tmp_path / "count"
    # Exits 75 (busy) twice, then 0: the third attempt succeeds.
    busy_twice = f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; [ $n -ge 3 ]  || exit 75"
    step = {"id": "busy", "method": "x", "command": ["sh", "-c", busy_twice],
            "retry": {"codes": [75], "attempts": 3, "delay": 0}}  # fmt: skip
    (action,) = run_module(tmp_path, [step])["actions"]
    assert (action["outcome"], action["rc"], counter.read_text().strip()) == ("ok", 0, "3")

    counter.unlink()
    step["retry"] = {"codes": [75], "attempts": 2, "delay": 0}
    (action,) = run_module(tmp_path, [step])["actions"]
    assert (action["outcome"], action["rc"], counter.read_text().strip()) == ("failed", 75, "2")
    assert action["msg"].startswith("after 2 attempts")

    counter.unlink()
    step["retry"] = {"codes": [1], "attempts": 5, "delay": 0}  # 75 is not worth a retry here
    (action,) = run_module(tmp_path, [step])["actions"]
    assert (action["outcome"], counter.read_text().strip()) == ("failed", "1")


def test_a_fallback_runs_only_when_its_primary_failed(tmp_path):
    marker = tmp_path / "fallback-ran"
    steps = [
        {"id": "vendor", "method": "x", "command": ["true"]},
        {"id": "fallback", "method": "x", "command": ["touch", str(marker)], "fallback_for": ["vendor"]},
    ]
    result = run_module(tmp_path, steps)
    assert [(a["outcome"], a["msg"]) for a in result["actions"]] == [
        ("ok", ""),
        ("skipped", "not needed: vendor did not fail"),
    ]
    assert not marker.exists() and result["failed_steps"] == []
    steps[0]["command"] = ["false"]
    result = run_module(tmp_path, steps)
    assert [a["outcome"] for a in result["actions"]] == ["failed", "ok"]
    assert marker.exists()


def test_a_blocked_step_fails_with_its_reason_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    why = "needs the secret kes_password, which has no value"
    steps = [
        {"id": "kes", "method": "x", "command": ["touch", str(marker)], "blocked": why},
        {"id": "agent", "method": "x", "command": ["true"], "depends_on": ["kes"]},
    ]
    result = run_module(tmp_path, steps)
    assert [(a["outcome"], a["msg"]) for a in result["actions"]] == [
        ("failed", why),
        ("skipped", "not run: kes did not succeed"),
    ]
    assert not marker.exists()
    check = run_module(tmp_path, steps, check=True)
    assert [a["outcome"] for a in check["actions"]] == ["failed", "planned"]


def test_the_environment_of_a_step_reaches_the_command(tmp_path):
    step = {"id": "env", "method": "dpkg", "command": ["sh", "-c", 'test "$DEBIAN_FRONTEND" = noninteractive'],
            "environment": {"DEBIAN_FRONTEND": "noninteractive"}}  # fmt: skip
    assert run_module(tmp_path, [step])["actions"][0]["outcome"] == "ok"


def test_a_command_that_does_not_exist_is_a_failed_step_not_a_crash(tmp_path):
    result = run_module(tmp_path, [{"id": "x", "method": "snap", "command": ["/nonexistent/snap", "remove", "x"]}])
    assert result["actions"][0]["outcome"] == "failed"


def test_fail_on_step_failure_fails_the_task_with_the_actions(tmp_path):
    result = run_module(tmp_path, [{"id": "x", "method": "x", "command": ["false"]}], fail_on_step_failure=True)
    assert result["failed"] is True and result["actions"][0]["outcome"] == "failed"
    assert result["msg"] == "1 step(s) failed: x"


def test_dnf_excludepkgs_is_extended_and_nothing_else_touched(tmp_path):
    conf = tmp_path / "dnf.conf"
    conf.write_text("# keep me\n[main]\ngpgcheck=1\nexcludepkgs=kernel*\n\n[other]\nx=1\n")
    step = {"id": "k", "method": "dnf_exclude", "path": str(conf), "section": "main", "option": "excludepkgs",
            "values": ["kesl", "klnagent64"], "exit_codes": exit_codes()}  # fmt: skip
    first = run_module(tmp_path, [step])
    assert first["changed"]
    assert conf.read_text() == "# keep me\n[main]\ngpgcheck=1\nexcludepkgs=kernel* kesl klnagent64\n\n[other]\nx=1\n"
    assert run_module(tmp_path, [step])["changed"] is False


def ansible_apply(tmp_path, steps, *extra):
    """Run the module through its action plugin against a host whose Python does not exist:
    if the action contacted the host, the task would fail."""
    inventory = tmp_path / "inventory"
    inventory.write_text("target ansible_connection=local ansible_python_interpreter=/nonexistent/python\n")
    args = json.dumps({"steps": steps})
    proc = subprocess.run(
        [ANSIBLE, "target", "-i", str(inventory), "-m", "interdict.bans.software_apply", "-a", args, "--diff", *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": f"{COLLECTIONS}:{SITE}", "ANSIBLE_NOCOLOR": "1"},
        check=False,
    )
    return proc


def test_check_mode_returns_the_plan_as_diff_without_a_remote_call(tmp_path):
    pin = tmp_path / "interdict-kaspersky.pref"
    steps = [
        pin_step(pin),
        {"id": "kaspersky:remove:dpkg:kesl", "method": "dpkg", "command": ["dpkg", "--purge", "kesl"]},
    ]
    proc = ansible_apply(tmp_path, steps, "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "+Pin-Priority: -1" in proc.stdout
    assert "[kaspersky:remove:dpkg:kesl] dpkg --purge kesl" in proc.stdout
    assert not pin.exists()


def test_no_steps_means_no_remote_call(tmp_path):
    proc = ansible_apply(tmp_path, [])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing to do" in proc.stdout


def test_with_steps_outside_check_mode_the_host_is_contacted(tmp_path):
    # The counterpart of the two tests above: the same call without --check does reach the (broken) host.
    proc = ansible_apply(tmp_path, [pin_step(tmp_path / "p.pref")])
    assert proc.returncode != 0


def test_a_line_step_appends_what_the_file_lacks_and_nothing_else(tmp_path):
    filter_file = tmp_path / "interdict-bans.filter"
    step = {"id": "f", "method": "flatpak_filter", "path": str(filter_file), "lines": ["deny com.tencent.WeChat"],
            "header": "# managed\n", "exit_codes": exit_codes()}  # fmt: skip
    first = run_module(tmp_path, [step])
    assert first["changed"] and filter_file.read_text() == "# managed\ndeny com.tencent.WeChat\n"
    assert first["diff"][0]["after"] == "# managed\ndeny com.tencent.WeChat\n"
    filter_file.write_text("# managed\ndeny com.tencent.WeChat\ndeny com.zhiliaoapp.musically")
    tiktok = dict(step, lines=["deny com.zhiliaoapp.musically", "deny com.ss.android.ugc.trill"])
    assert run_module(tmp_path, [tiktok])["changed"]
    assert filter_file.read_text() == (
        "# managed\ndeny com.tencent.WeChat\ndeny com.zhiliaoapp.musically\ndeny com.ss.android.ugc.trill\n"
    )
    again = run_module(tmp_path, [tiktok, step])
    assert again["changed"] is False and [a["outcome"] for a in again["actions"]] == ["absent", "absent"]
    bad = run_module(tmp_path, [dict(step, lines=["deny x\nallow *"])])
    # Refused before anything runs: a line is one line (the step's shape check, contract.step_error).
    assert bad["failed"] and "steps[0].lines: expected a list of text lines, each on one line" in bad["msg"]
    assert "allow" not in filter_file.read_text()
