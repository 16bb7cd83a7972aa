#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: software_apply
short_description: Execute a removal and block plan on a Linux or macOS host
version_added: 0.1.0
description:
  - Executes the steps of a plan made on the controller by the P(interdict.bans.removal_plan#filter) filter,
    in the order given, in one module run. It decides nothing; every command, file content, exit-code meaning,
    retry and dependency is in the plan.
  - A command step runs its exact argv (never through a shell). When the step has a C(probe) argv that exits
    non-zero, the target is already gone and the step's outcome is V(absent) without running the command.
    The command's exit code means what the step's C(exit_codes) table says (V(ok), V(absent),
    V(reboot_pending)); a code not in the table is V(failed).
  - A step with C(retry) (C(codes), C(attempts), C(delay)) runs again after C(delay) seconds while its exit code
    is one of C(codes), at most C(attempts) times in all.
  - A command step with C(locks) waits, at most C(lock_timeout) seconds (default 60, as
    M(ansible.builtin.apt)'s C(lock_timeout)), until no other process holds those package manager locks (for
    example dpkg's frontend lock). A lock marked C(hold) is kept by the module while the command runs, and the
    lock's C(env) variable is set for the command, as apt does for dpkg. When the time is up the step
    V(failed) with the lock holder's pid and command, and the command is not run.
  - A file step (C(path) + C(content), for example an apt preferences pin) writes the file only when its content
    differs, through a temporary file and a rename, so a full or read-only filesystem leaves no partial file.
    With C(managed_marker), an existing file of that name is replaced only when it starts with the marker
    (a file this collection wrote); a file with other content is never overwritten and the step is V(failed);
    a file with exactly the content is adopted as it is.
  - A value step (C(path), C(section), C(option), C(values), for example dnf C(excludepkgs))
    adds the missing values to that option and leaves everything else in the file as it is.
  - A line step (C(path), C(lines), optional C(header), for example the flatpak filter's C(deny) lines) appends
    the lines the file lacks; a new file starts with C(header). Nothing else in the file changes.
  - A step with C(depends_on) runs only when every step it names ended V(ok), V(absent) or V(reboot_pending);
    otherwise it is V(skipped). This is how "Endpoint Security before Network Agent, and not the agent when the
    first failed" is kept. A step with C(fallback_for) runs only when one of the steps it names failed.
    A step with C(blocked) is not run and is V(failed) with that reason.
  - In check mode the action plugin returns the plan as the diff without contacting the host; with no steps
    it returns at once, also without contacting the host.
author:
  - interdict.bans contributors (@interdict)
options:
  steps:
    description:
      - Plan steps, as returned in C(steps) by the P(interdict.bans.removal_plan#filter) filter.
      - Each step has C(id) and C(method), and either C(command) (argv list, with optional C(probe) argv,
        C(environment) mapping, C(exit_codes) table, C(retry), C(locks) and C(lock_timeout)), or C(path) +
        C(content) (+ C(mode), C(managed_marker)),
        or C(path) + C(section) + C(option) + C(values), or C(path) + C(lines) (+ C(header)).
        C(depends_on), C(fallback_for) and C(blocked)
        say whether it runs.
      - A step of any other shape (a command given as one string, a relative path, an id or path with a control
        character) is refused with one message naming the step and field, before any step runs.
    type: list
    elements: dict
    required: true
  fail_on_step_failure:
    description:
      - Fail the task when a step fails. The engine role sets V(false) and reports the failure in the host
        result instead, so the result of every host is written.
    type: bool
    default: true
notes:
  - Steps that stand for Windows or MDM actions are not executed here; see the Windows and MDM modules.
  - See C(docs/enforcement.md) for what each block stops and what it does not.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  action:
    support: full
    description: An action plugin answers check mode and empty plans on the controller.
  async:
    support: none
    description: Steps run in order in one module run; not an async task.
  check_mode:
    support: full
    details: The action plugin returns the plan as the diff without a remote call.
  diff_mode:
    support: full
  platform:
    platforms: posix
seealso:
  - plugin: interdict.bans.removal_plan
    plugin_type: filter
  - module: interdict.bans.software_facts
"""

EXAMPLES = r"""
- name: Plan the removal of what the ban matched
  ansible.builtin.set_fact:
    plan: "{{ findings | interdict.bans.removal_plan(bans, host=inventory_hostname, mode='enforce') }}"

- name: Remove and block as planned
  interdict.bans.software_apply:
    steps: "{{ plan.steps }}"
    fail_on_step_failure: false
  register: applied
"""

RETURN = r"""
actions:
  description: One entry per step, in the order run.
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: The step id.
      type: str
    ban:
      description: The ban the step belongs to.
      type: str
    kind:
      description: V(remove), V(residue) or V(block).
      type: str
    method:
      description: How the step works (V(dpkg), V(apt_pin), ...).
      type: str
    outcome:
      description:
        - V(ok) done; V(absent) already gone or already in place; V(reboot_pending) done, reboot needed;
          V(failed); V(skipped) not run because a step it depends on did not succeed, or a fallback that was
          not needed; V(planned) check mode.
      type: str
    changed:
      description: Whether this step changed the host.
      type: bool
    rc:
      description: Exit code of the command, when one ran.
      type: int
    msg:
      description: Why, in a few words, or the end of the command's error output.
      type: str
  sample:
    - step: "deepseek:remove:dpkg:deepseek-desktop"
      ban: deepseek
      kind: remove
      method: dpkg
      outcome: ok
      changed: true
      rc: 0
      msg: ""
failed_steps:
  description: Ids of the steps that failed.
  returned: always
  type: list
  elements: str
  sample: []
reboot_pending:
  description: Whether a step reported that a reboot is needed. The module never reboots.
  returned: always
  type: bool
  sample: false
"""

import errno
import fcntl
import os
import re
import struct
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils.block_files import (
    BlockFileError,
    add_lines,
    add_values,
    replace_file,
)
from ansible_collections.interdict.bans.plugins.module_utils.contract import GOOD_OUTCOMES, outcome_of, step_error

# A plan's retry is bounded here too: a step data error must not hold a host for hours.
MAX_ATTEMPTS = 20
MAX_DELAY = 600
# Package manager locks: how long a step waits when the plan does not say, at most how long, how often it looks.
LOCK_TIMEOUT = 60
MAX_LOCK_TIMEOUT = 3600
LOCK_POLL = 0.5
# struct flock as fcntl(2) takes it (short, short, off_t, off_t, pid_t; off_t is 64-bit in Python's build).
_FLOCK = "hhqqi"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class LockBusy(Exception):
    """A lock another process holds: the lock (from the step) and the holder's pid (None when unknown)."""

    def __init__(self, lock, pid):
        super().__init__(lock.get("path"))
        self.lock = lock
        self.pid = pid
        # Read now: by the time the step reports, the holder may be gone.
        self.command = command_of(pid) if pid else ""


def lock_holder(fd):
    """The pid of the process that holds a conflicting lock on ``fd``, or None (F_GETLK)."""
    try:
        data = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        kind, _whence, _start, _length, pid = struct.unpack(_FLOCK, data)
    except (OSError, struct.error):
        return None
    return pid if kind != fcntl.F_UNLCK and pid > 0 else None


def command_of(pid):
    """A process's command line, bounded and on one line (host data)."""
    try:
        with open("/proc/%d/cmdline" % int(pid), "rb") as handle:
            raw = handle.read(4096)
    except (OSError, ValueError, TypeError):
        return ""
    return _CONTROL.sub(" ", raw.replace(b"\0", b" ").decode("utf-8", "replace")).strip()[:200]


def describe_holder(busy):
    name = busy.lock.get("name") or "lock"
    if busy.pid is None:
        return "%s %s is held by another process" % (name, busy.lock.get("path"))
    command = " (%s)" % busy.command if busy.command else ""
    return "%s %s is held by pid %d%s" % (name, busy.lock.get("path"), busy.pid, command)


def take_lock(lock):
    """Take ``lock`` without waiting: an fd that holds it, None when there is nothing to lock; LockBusy if held.

    A lock to hold is created when missing (as dpkg and apt do); a lock only to wait for that does not exist
    is free. A lock that cannot be opened (not root) is not waited for: the command then meets it itself.
    """
    flags = os.O_RDWR | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT if lock.get("hold") else 0)
    try:
        fd = os.open(str(lock["path"]), flags, 0o640)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        pid = lock_holder(fd) if exc.errno in (errno.EACCES, errno.EAGAIN) else None
        os.close(fd)
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            raise LockBusy(lock, pid) from None
        raise
    return fd


def acquire_locks(locks, timeout, clock=time.monotonic, sleep=time.sleep):
    """Wait until every lock is free, at most ``timeout`` seconds.

    Returns (fds held, environment for the command, seconds waited, the last LockBusy seen or None);
    raises LockBusy when the time is up. Locks not to hold are released at once.
    """
    start = clock()
    busy_seen = None
    while True:
        held, environ = [], {}
        try:
            for lock in locks:
                fd = take_lock(lock)
                if fd is None:
                    continue
                if lock.get("hold"):
                    held.append(fd)
                    if lock.get("env"):
                        environ[str(lock["env"])] = "1"
                else:
                    os.close(fd)
            return held, environ, clock() - start, busy_seen
        except LockBusy as busy:
            for fd in held:
                os.close(fd)
            busy_seen = busy
            left = start + timeout - clock()
            if left <= 0:
                raise
            sleep(min(LOCK_POLL, left))


def lock_timeout(step):
    value = step.get("lock_timeout")
    if value is None:
        return LOCK_TIMEOUT
    value = float(value)
    if not 0 <= value <= MAX_LOCK_TIMEOUT:
        raise ValueError("lock_timeout %s is not between 0 and %d seconds" % (value, MAX_LOCK_TIMEOUT))
    return value


def _tail(text, limit=400):
    text = (text or "").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def _gate(step, outcomes):
    """Why a step does not run (its action), or None when it runs."""
    if step.get("blocked"):
        return {"outcome": "failed", "changed": False, "msg": str(step["blocked"])}
    waiting = [dep for dep in step.get("depends_on") or () if outcomes.get(dep) not in GOOD_OUTCOMES]
    if waiting:
        return {"outcome": "skipped", "changed": False, "msg": "not run: %s did not succeed" % waiting[0]}
    primaries = step.get("fallback_for") or ()
    if primaries and not any(outcomes.get(primary) == "failed" for primary in primaries):
        return {"outcome": "skipped", "changed": False, "msg": "not needed: %s did not fail" % ", ".join(primaries)}
    return None


class Applier:
    def __init__(self, module):
        self.module = module
        self.diffs = []

    def run(self, steps):
        actions, outcomes = [], {}
        for step in steps:
            if self.module.check_mode:
                # Nothing runs, so nothing can fail or succeed: every step that could run is planned.
                planned = {"outcome": "planned", "changed": True, "msg": ""}
                action = _gate({"blocked": step.get("blocked")}, {}) or planned
            else:
                action = _gate(step, outcomes)
            if action is None:
                try:
                    action = self.execute(step)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    action = {"outcome": "failed", "changed": False, "msg": "%s: %s" % (type(exc).__name__, exc)}
            head = {"step": step.get("id", "?")}
            head.update((key, step[key]) for key in ("ban", "kind", "method") if step.get(key))
            head.update(action)
            outcomes[head["step"]] = head["outcome"]
            actions.append(head)
        return actions

    def execute(self, step):
        if step.get("path") and step.get("content") is not None:
            return self.write_file(step)
        if step.get("path") and step.get("option") and step.get("values"):
            return self.ensure_option(step)
        if step.get("path") and step.get("lines"):
            return self.ensure_lines(step)
        if step.get("command"):
            return self.run_command(step)
        raise ValueError("step %r has neither command, content, values nor lines" % step.get("id"))

    def write_file(self, step):
        path, content = step["path"], step["content"]
        try:
            before = replace_file(
                path, content, int(str(step.get("mode") or "0644"), 8), managed_marker=step.get("managed_marker")
            )
        except BlockFileError as exc:
            return {"outcome": "failed", "changed": False, "msg": str(exc)}
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return {
                "outcome": "failed",
                "changed": False,
                "msg": "cannot write %s: %s; nothing written" % (path, reason),
            }
        if before == content:
            return {"outcome": "absent", "changed": False, "msg": "%s already in place" % path}
        self.diffs.append({"before_header": path, "after_header": path, "before": before or "", "after": content})
        return {"outcome": "ok", "changed": True, "msg": "wrote %s" % path}

    def ensure_option(self, step):
        path = step["path"]
        before, after = add_values(path, step.get("section") or "main", step["option"], step["values"])
        if after == before:
            return {"outcome": "absent", "changed": False, "msg": "%s in %s already has them" % (step["option"], path)}
        self.diffs.append({"before_header": path, "after_header": path, "before": before, "after": after})
        return {"outcome": "ok", "changed": True, "msg": "updated %s in %s" % (step["option"], path)}

    def ensure_lines(self, step):
        path = step["path"]
        try:
            before, after = add_lines(path, step["lines"], str(step.get("header") or ""))
        except BlockFileError as exc:
            return {"outcome": "failed", "changed": False, "msg": str(exc)}
        if after == before:
            return {"outcome": "absent", "changed": False, "msg": "%s already has them" % path}
        self.diffs.append({"before_header": path, "after_header": path, "before": before, "after": after})
        return {"outcome": "ok", "changed": True, "msg": "updated %s" % path}

    def run_command(self, step):
        environ = {"LC_ALL": "C"}
        environ.update((str(k), str(v)) for k, v in (step.get("environment") or {}).items())
        argv = [str(arg) for arg in step["command"]]
        if step.get("probe"):
            rc, _out, _err = self.module.run_command(
                [str(a) for a in step["probe"]], environ_update=environ, handle_exceptions=False
            )
            if rc != 0:
                return {"outcome": "absent", "changed": False, "rc": rc, "msg": "already gone"}
        retry = step.get("retry") or {}
        codes = {int(code) for code in retry.get("codes") or ()}
        attempts = max(1, min(int(retry.get("attempts") or 1), MAX_ATTEMPTS))
        delay = max(0.0, min(float(retry.get("delay") or 0), MAX_DELAY))
        timeout = lock_timeout(step)
        locks = [lock for lock in step.get("locks") or () if isinstance(lock, dict) and lock.get("path")]
        try:
            held, lock_environ, waited, busy = acquire_locks(locks, timeout)
        except LockBusy as still:
            return {
                "outcome": "failed",
                "changed": False,
                "msg": "gave up after %g s: %s; not run" % (timeout, describe_holder(still)),
            }
        waited_msg = "waited %d s: %s" % (round(waited), describe_holder(busy)) if busy is not None else ""
        environ.update(lock_environ)
        self.diffs.append({"prepared": " ".join(argv) + "\n"})
        try:
            for attempt in range(1, attempts + 1):
                rc, out, err = self.module.run_command(argv, environ_update=environ, handle_exceptions=False)
                if rc not in codes or attempt == attempts:
                    break
                time.sleep(delay)
        finally:
            for fd in held:
                os.close(fd)
        outcome = outcome_of(step, rc)
        message = _tail(err) or _tail(out)
        if outcome == "failed":
            # The reason first (the exit code), then the end of what the command said.
            message = "exit code %s: %s" % (rc, message) if message else "exit code %s" % rc
        if attempt > 1:
            message = "after %d attempts: %s" % (attempt, message) if message else "after %d attempts" % attempt
        if waited_msg:
            message = "%s; %s" % (waited_msg, message) if message else waited_msg
        if outcome == "failed":
            return {"outcome": "failed", "changed": False, "rc": rc, "msg": message}
        changed = outcome in ("ok", "reboot_pending")
        return {"outcome": outcome, "changed": changed, "rc": rc, "msg": waited_msg if outcome == "ok" else message}


def main():
    module = AnsibleModule(
        argument_spec={
            "steps": {"type": "list", "elements": "dict", "required": True},
            "fail_on_step_failure": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    for index, step in enumerate(module.params["steps"]):
        error = step_error(step, index)
        if error:
            module.fail_json(msg=error)
    applier = Applier(module)
    actions = applier.run(module.params["steps"])
    failed = [action["step"] for action in actions if action["outcome"] == "failed"]
    result = {
        "changed": any(action["changed"] for action in actions),
        "actions": actions,
        "failed_steps": failed,
        "reboot_pending": any(action["outcome"] == "reboot_pending" for action in actions),
    }
    if module._diff and applier.diffs:
        result["diff"] = applier.diffs
    if failed and module.params["fail_on_step_failure"]:
        module.fail_json(msg="%d step(s) failed: %s" % (len(failed), ", ".join(failed)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
