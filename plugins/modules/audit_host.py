#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: audit_host
short_description: Audit or enforce the bans on one Linux or macOS host in one task
version_added: 0.3.0
description:
  - Runs M(interdict.bans.software_facts) on the host, then, on the controller, matches the inventory against
    O(bans), plans with the collection's one planner (exceptions, protected list, per-host cap, ordering) and
    builds the host result (see C(docs/host_result.schema.json)).
  - With O(mode=enforce) and outside check mode it also runs M(interdict.bans.software_apply) with the plan
    and, when that changed something, M(interdict.bans.software_facts) again to verify what is left.
    In check mode, or with O(mode=audit), the host is only read and the plan is the diff.
  - The result holds what a report needs (findings, evidence, counts), not the host's whole software list,
    unless O(return_software) asks for it.
  - An inventory that cannot be read makes the host V(unknown) (the result says why); the task does not fail.
author:
  - interdict.bans contributors (@interdict)
options:
  bans:
    description: Validated ban definitions, for example C(bans) of M(interdict.bans.audit_policy).
    type: list
    elements: dict
    required: true
  bans_seal:
    description:
      - The C(seal) M(interdict.bans.audit_policy) returned with O(bans). When it matches, the bans are not
        validated again on this host; without it (or when it does not match) they are.
    type: str
  mode:
    description: V(audit) reads only; V(enforce) removes, blocks and verifies (never in check mode).
    type: str
    choices: [audit, enforce]
    default: audit
  exceptions:
    description: Approved exceptions (see the C(interdict.bans.engine) role), checked by M(interdict.bans.audit_policy).
    type: list
    elements: dict
    default: []
  protected:
    description: Identifiers or name globs never removed even when matched.
    type: list
    elements: raw
    default: []
  max_removals:
    description: Most removals on one host; when more are planned none is done and the result says why.
    type: raw
  blocks:
    description: Plan install blocks (apt pins, dnf excludepkgs, flatpak masks).
    type: bool
    default: true
  allow_reboot:
    description: Let removals that need a reboot proceed. Nothing here reboots.
    type: bool
    default: false
  options:
    description: Non-secret options the bans name.
    type: dict
    default: {}
  secrets:
    description: Values of the secrets the bans declare; only which of them are set enters the plan.
    type: dict
    default: {}
  today:
    description: The date (YYYY-MM-DD) exceptions are judged against; today (UTC) when empty.
    type: str
    default: ""
  run:
    description: The run the result belongs to, C({id, started}).
    type: dict
    default: {}
  return_software:
    description: Also return the host's whole software list (large; off so job events stay small).
    type: bool
    default: false
  scope:
    description:
      - A selector (a JMESPath test of the host's view); a host outside it is reported C(out_of_scope) and nothing
        is planned or changed on it. Every host when empty.
    type: str
    default: ""
  host_info:
    description: What selectors see of the host besides its name and platform (C(groups), C(os_version), C(attributes)).
    type: dict
    default: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  action:
    support: full
    description: Matching, planning and the host result run on the controller.
  check_mode:
    support: full
  diff_mode:
    support: full
    description: The plan is the diff (file contents before and after, commands as prepared text).
  platform:
    platforms: posix
seealso:
  - module: interdict.bans.audit_policy
  - module: interdict.bans.fleet_report
"""

EXAMPLES = r"""
- name: Load the bans and check the exceptions once
  interdict.bans.audit_policy:
    bans: [deepseek]
  run_once: true
  register: policy

- name: Audit each host
  interdict.bans.audit_host:
    bans: "{{ policy.bans }}"
    bans_seal: "{{ policy.seal }}"
  register: audit

- name: Write every host result in one pass
  interdict.bans.fleet_report:
    report_dir: /var/lib/interdict/report
    host_results: "{{ ansible_play_hosts | map('extract', hostvars, ['audit', 'host_result']) | list }}"
  run_once: true
"""

RETURN = r"""
host_result:
  description: The host result record (status, findings, actions, blocks, exceptions, evidence).
  returned: always
  type: dict
  sample: {host: web01, status: compliant, bans: [deepseek], findings: []}
bans_validated:
  description: V(once per play) when O(bans_seal) vouched for the bans, else V(on this host).
  returned: always
  type: str
check_mode:
  description: True when nothing ran on the host (audit or check mode).
  returned: always
  type: bool
reboot_pending:
  description: A removal asks for a reboot (enforce only).
  returned: when the plan was applied
  type: bool
software:
  description: The software records of the host (after verification when there was one).
  returned: when O(return_software=true) and the inventory could be read
  type: list
  elements: dict
msg:
  description: The host and its status.
  returned: always
  type: str
"""
