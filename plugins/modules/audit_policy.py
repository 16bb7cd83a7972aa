#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: audit_policy
short_description: Load the bans and check exceptions and planning options, once per play
version_added: 0.3.0
description:
  - Runs on the controller. Reads and validates the ban definitions like the P(interdict.bans.catalog#lookup)
    lookup, and checks the exceptions (approver, reason, expiry, known bans, C(allow_wide)), the protected list
    and the per-host cap, so bad input fails once, naming what and where, before any host is contacted.
  - Meant for C(run_once); its C(bans) feed M(interdict.bans.audit_host) on every host.
author:
  - interdict.bans contributors (@interdict)
options:
  bans:
    description: Ban ids; every bundled ban plus those in O(ban_paths) when empty.
    type: list
    elements: str
    default: []
  ban_paths:
    description:
      - Your own ban files or folders (relative to the playbook's folder). Paths in E(INTERDICT_BAN_PATHS)
        are always added.
    type: list
    elements: str
    default: []
  exceptions:
    description: Exceptions to check (see the C(interdict.bans.engine) role).
    type: list
    elements: raw
    default: []
  protected:
    description: Protected identifiers or name globs to check.
    type: list
    elements: raw
    default: []
  max_removals:
    description: Per-host cap to check (a whole number >= 0).
    type: raw
  today:
    description: The date (YYYY-MM-DD) exceptions are judged against; today (UTC) when empty.
    type: str
    default: ""
  options:
    description:
      - Planning options to check, among them the exception policy (C(exception_max_term_days),
        C(exception_wide_scope)) and the step builders' options.
    type: dict
    default: {}
  scope:
    description: A scope selector to check (a JMESPath test of a host's view, see the collection's selectors guide).
    type: str
    default: ""
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  action:
    support: full
    description: Runs in the controller process; nothing is sent to a host.
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: interdict.bans.audit_host
"""

EXAMPLES = r"""
- name: Load the bans and check the exceptions once
  interdict.bans.audit_policy:
    bans: [deepseek]
    ban_paths: [bans/deepseek.yml]
    exceptions: "{{ my_exceptions }}"
  run_once: true
  register: policy
"""

RETURN = r"""
bans:
  description: The validated ban definitions.
  returned: success
  type: list
  elements: dict
seal:
  description: A digest of O(bans) keyed by a secret of this controller process, for M(interdict.bans.audit_host).
  returned: success
  type: str
ban_ids:
  description: Their ids.
  returned: success
  type: list
  elements: str
  sample: [deepseek]
acceptable:
  description:
    - The host statuses that pass (the rest fail a host when the engine role's C(engine_fail_on_non_compliant) is
      set). The one list the collection decides this by; the fleet report counts the same statuses as compliant.
  returned: success
  type: list
  elements: str
  sample: [compliant, remediated, exempt]
"""
