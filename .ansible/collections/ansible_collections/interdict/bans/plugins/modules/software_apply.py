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
    in the order given, in one module run. It decides nothing; every command and every file content is in the plan.
  - A command step runs its exact argv (never through a shell). When the step has a C(probe) argv that exits
    non-zero, the target is already gone and the step's outcome is V(absent) without running the command.
  - A file step (C(path) + C(content), for example an apt preferences pin) writes the file only when its content
    differs, atomically; a value step (C(path), C(section), C(option), C(values), for example dnf C(excludepkgs))
    adds the missing values to that option and leaves everything else in the file as it is.
  - A step with C(depends_on) runs only when every step it names ended V(ok) or V(absent); otherwise it is
    V(skipped). This is how "Endpoint Security before Network Agent, and not the agent when the first failed"
    is kept.
  - In check mode the action plugin returns the plan as the diff without contacting the host; with no steps
    it returns at once, also without contacting the host.
author:
  - interdict.bans contributors (@interdict)
options:
  steps:
    description:
      - Plan steps, as returned in C(steps) by the P(interdict.bans.removal_plan#filter) filter.
      - Each step has C(id) and C(method), and either C(command) (argv list, with optional C(probe) argv,
        C(environment) mapping, C(success_codes), C(absent_codes), C(reboot_codes)), or C(path) + C(content)
        (+ C(mode)), or C(path) + C(section) + C(option) + C(values).
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
    outcome:
      description:
        - V(ok) done; V(absent) already gone or already in place; V(reboot_pending) done, reboot needed;
          V(failed); V(skipped) not run because a step it depends on did not succeed; V(planned) check mode.
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
    - step: "kaspersky:remove:dpkg:kesl"
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

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

_GOOD = ("ok", "absent", "reboot_pending")


def _tail(text, limit=400):
    text = (text or "").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def ensure_values(text, section, option, values):
    """Return ``text`` with ``values`` present in ``option`` of ``[section]``; everything else kept."""
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = end = None
    for index, line in enumerate(lines):
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            if start is not None:
                end = index
                break
            if header.group(1).strip() == section:
                start = index
    if start is None:
        lines += (["\n"] if lines else []) + [f"[{section}]\n", f"{option}={' '.join(values)}\n"]
        return "".join(lines)
    end = len(lines) if end is None else end
    # dnf reads `exclude` as the older spelling of `excludepkgs`: extend whichever is there.
    names = (option, "exclude") if option == "excludepkgs" else (option,)
    for index in range(start + 1, end):
        found = re.match(r"^(\s*)(%s)(\s*=\s*)(.*?)\s*$" % "|".join(map(re.escape, names)), lines[index])
        if found:
            present = [value for value in re.split(r"[,\s]+", found.group(4)) if value]
            missing = [value for value in values if value not in present]
            if not missing:
                return "".join(lines)
            lines[index] = f"{found.group(1)}{found.group(2)}{found.group(3)}{' '.join(present + missing)}\n"
            return "".join(lines)
    insert_at = end
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    lines.insert(insert_at, f"{option}={' '.join(values)}\n")
    return "".join(lines)


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _write(path, content, mode):
    directory = os.path.dirname(path)
    fd, temp = tempfile.mkstemp(prefix=".interdict-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


class Applier:
    def __init__(self, module):
        self.module = module
        self.diffs = []

    def run(self, steps):
        actions, outcomes = [], {}
        for step in steps:
            waiting = [dep for dep in step.get("depends_on") or () if outcomes.get(dep) not in _GOOD]
            if waiting:
                action = {"outcome": "skipped", "changed": False, "msg": f"not run: {waiting[0]} did not succeed"}
            elif self.module.check_mode:
                action = {"outcome": "planned", "changed": True, "msg": ""}
            else:
                try:
                    action = self.execute(step)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    action = {"outcome": "failed", "changed": False, "msg": f"{type(exc).__name__}: {exc}"}
            action = {"step": step.get("id", "?"), **action}
            outcomes[action["step"]] = action["outcome"]
            actions.append(action)
        return actions

    def execute(self, step):
        if step.get("path") and step.get("content") is not None:
            return self.write_file(step)
        if step.get("path") and step.get("option") and step.get("values"):
            return self.ensure_option(step)
        if step.get("command"):
            return self.run_command(step)
        raise ValueError(f"step {step.get('id')!r} has neither command, content nor values")

    def write_file(self, step):
        path, content = step["path"], step["content"]
        before = _read(path)
        if before == content:
            return {"outcome": "absent", "changed": False, "msg": f"{path} already in place"}
        self.diffs.append({"before_header": path, "after_header": path, "before": before or "", "after": content})
        _write(path, content, int(str(step.get("mode") or "0644"), 8))
        return {"outcome": "ok", "changed": True, "msg": f"wrote {path}"}

    def ensure_option(self, step):
        path = step["path"]
        before = _read(path) or ""
        after = ensure_values(before, step.get("section") or "main", step["option"], list(step["values"]))
        if after == before:
            return {"outcome": "absent", "changed": False, "msg": f"{step['option']} in {path} already has them"}
        self.diffs.append({"before_header": path, "after_header": path, "before": before, "after": after})
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
        _write(path, after, mode)
        return {"outcome": "ok", "changed": True, "msg": f"updated {step['option']} in {path}"}

    def run_command(self, step):
        environ = {"LC_ALL": "C", **{str(k): str(v) for k, v in (step.get("environment") or {}).items()}}
        argv = [str(arg) for arg in step["command"]]
        if step.get("probe"):
            rc, _out, _err = self.module.run_command(
                [str(a) for a in step["probe"]], environ_update=environ, handle_exceptions=False
            )
            if rc != 0:
                return {"outcome": "absent", "changed": False, "rc": rc, "msg": "already gone"}
        rc, out, err = self.module.run_command(argv, environ_update=environ, handle_exceptions=False)
        self.diffs.append({"prepared": " ".join(argv) + "\n"})
        message = _tail(err) or _tail(out)
        if rc in (step.get("reboot_codes") or ()):
            return {"outcome": "reboot_pending", "changed": True, "rc": rc, "msg": message}
        if rc in (step.get("success_codes") or [0]):
            return {"outcome": "ok", "changed": True, "rc": rc, "msg": ""}
        if rc in (step.get("absent_codes") or ()):
            return {"outcome": "absent", "changed": False, "rc": rc, "msg": message}
        return {"outcome": "failed", "changed": False, "rc": rc, "msg": message or f"exit code {rc}"}


def main():
    module = AnsibleModule(
        argument_spec={
            "steps": {"type": "list", "elements": "dict", "required": True},
            "fail_on_step_failure": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    for index, step in enumerate(module.params["steps"]):
        if not step.get("id"):
            module.fail_json(msg=f"steps[{index}]: missing 'id'")
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
        module.fail_json(msg=f"{len(failed)} step(s) failed: {', '.join(failed)}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
