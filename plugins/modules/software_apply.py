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
  - A file step (C(path) + C(content), for example an apt preferences pin) writes the file only when its content
    differs, atomically; a value step (C(path), C(section), C(option), C(values), for example dnf C(excludepkgs))
    adds the missing values to that option and leaves everything else in the file as it is.
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
        C(environment) mapping, C(exit_codes) table and C(retry)), or C(path) + C(content) (+ C(mode)),
        or C(path) + C(section) + C(option) + C(values). C(depends_on), C(fallback_for) and C(blocked)
        say whether it runs.
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

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils.block_files import add_values, replace_file
from ansible_collections.interdict.bans.plugins.module_utils.contract import GOOD_OUTCOMES, outcome_of

# A plan's retry is bounded here too: a step data error must not hold a host for hours.
MAX_ATTEMPTS = 20
MAX_DELAY = 600


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
        if step.get("command"):
            return self.run_command(step)
        raise ValueError("step %r has neither command, content nor values" % step.get("id"))

    def write_file(self, step):
        path, content = step["path"], step["content"]
        before = replace_file(path, content, int(str(step.get("mode") or "0644"), 8))
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
        self.diffs.append({"prepared": " ".join(argv) + "\n"})
        for attempt in range(1, attempts + 1):
            rc, out, err = self.module.run_command(argv, environ_update=environ, handle_exceptions=False)
            if rc not in codes or attempt == attempts:
                break
            time.sleep(delay)
        outcome = outcome_of(step, rc)
        message = _tail(err) or _tail(out)
        if attempt > 1:
            message = "after %d attempts: %s" % (attempt, message) if message else "after %d attempts" % attempt
        if outcome == "failed":
            return {"outcome": "failed", "changed": False, "rc": rc, "msg": message or "exit code %s" % rc}
        changed = outcome in ("ok", "reboot_pending")
        return {"outcome": outcome, "changed": changed, "rc": rc, "msg": "" if outcome == "ok" else message}


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
            module.fail_json(msg="steps[%d]: missing 'id'" % index)
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
