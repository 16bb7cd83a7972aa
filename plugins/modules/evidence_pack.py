#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: evidence_pack
short_description: Archive the fleet report, run history, ban files and exceptions into one dated zip for auditors
version_added: 0.2.0
description:
  - Runs on the controller, in the controller process (an action plugin; no module is sent anywhere).
  - Writes C(<dest>/interdict-evidence-<run>-<UTC time>.zip) holding the fleet report (C(fleet.html),
    C(fleet.csv), C(fleet.json)), every kept run summary (C(runs/*.json)), the ban files the run used,
    C(exceptions.json) (every exception with its approver, reason and expiry), C(MANIFEST.json) and
    C(SHA256SUMS) (checked with C(sha256sum -c SHA256SUMS) in the unpacked folder).
  - A ban file is packed only when its definition's SHA-256 equals the one the run's host results recorded,
    so the pack holds exactly what was enforced. A ban whose file is not found is listed under
    RV(missing_bans) and warned about.
  - A pack is never overwritten; each call makes a new one (so the task always reports C(changed)).
    In check mode nothing is written and RV(path) is the pack that would be.
author:
  - interdict.bans contributors (@interdict)
options:
  report_dir:
    description:
      - Directory of the fleet report (as given to P(interdict.bans.fleet_report#module)).
      - When empty, the same default as P(interdict.bans.fleet_report#module) chooses (E(INTERDICT_REPORT_DIR), or
        the AWX/AAP report directory in a job); never the current directory.
    type: path
    default: ""
  dest:
    description: Directory for the pack. Default C(<report_dir>/evidence).
    type: path
  ban_paths:
    description: The ban files or folders the run used besides the bundled ones (the engine's C(engine_ban_paths)).
    type: list
    elements: path
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  action:
    support: full
    description: The action plugin does the work on the controller.
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: interdict.bans.fleet_report
"""

EXAMPLES = r"""
- name: Pack the evidence of the last run
  interdict.bans.evidence_pack:
    report_dir: /var/lib/interdict/report
  register: pack

- name: Show where it is
  ansible.builtin.debug:
    msg: "{{ pack.path }}"
"""

RETURN = r"""
path:
  description: The evidence pack written (or that would be, in check mode).
  returned: always
  type: str
  sample: /var/lib/interdict/report/evidence/interdict-evidence-4711-20261129T120000Z.zip
files:
  description: Files in the pack, the manifest and checksum list included.
  returned: always
  type: int
  sample: 12
bans:
  description: Each ban of the run with the file packed for it and its SHA-256s.
  returned: always
  type: list
  elements: dict
  sample: [{id: deepseek, file: /srv/bans/deepseek.yml, sha256: 9f2c..., definition_sha256: 3a92...}]
missing_bans:
  description: Bans whose definition as used by the run was not found among the ban files.
  returned: always
  type: list
  elements: str
  sample: []
catalog_version:
  description: Short fingerprint of the ban definitions the run used (as in the report's header).
  returned: always
  type: str
  sample: 5c0ffee12345
"""
