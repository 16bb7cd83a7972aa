#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: fleet_report
short_description: Write host results and merge them into the fleet report (JSON, CSV, HTML)
version_added: 0.1.0
description:
  - Runs on the controller, in the controller process (an action plugin; no module is sent anywhere).
    Writes the host result records it is given
    to C(<report_dir>/hosts/<host>@<bans>.json), one file per host and ban set, then merges every result
    file present into C(fleet.json), C(fleet.csv) and one self-contained C(fleet.html) (summary per ban and
    per status, an inline SVG chart, the authorities behind each ban, every exception with approver and
    expiry, findings and actions).
  - Several result files for one host merge to the worst status. A host in O(expected_hosts) without a
    result file is V(unknown), never compliant.
  - Only fresh evidence counts. A result that is neither from run O(run_id) nor gathered at or after
    O(fresh_since) counts as V(unknown) ("no result from this run"), whatever it said then.
  - Result files are checked against C(docs/host_result.schema.json); a file that does not conform is listed
    under C(errors) and does not count.
  - Because each host writes its own file and the merge reads whatever is present, the report is safe
    under C(serial) and AWX/AAP job slicing; run the merge again (for example with the
    C(interdict.bans.report) playbook) once every slice has finished.
  - Idempotent. A result whose content equals the file's except for its timestamp is not rewritten,
    and the fleet files are rewritten only when their content (without the generation time) changes.
author:
  - interdict.bans contributors (@interdict)
options:
  report_dir:
    description: Directory of the report, a path on one line (no control characters). Created when missing.
    type: path
    required: true
  host_results:
    description: Host result records from the P(interdict.bans.host_result#filter) filter, to write first.
    type: list
    elements: dict
    default: []
  expected_hosts:
    description: Hosts that should have a result (for example C(ansible_play_hosts_all)).
    type: list
    elements: str
    default: []
  render:
    description: Merge and write the fleet files. V(false) only writes O(host_results).
    type: bool
    default: true
  run_id:
    description:
      - The run whose results count as fresh. The engine role passes its run id (the AWX/AAP job id when
        there is one).
    type: str
  fresh_since:
    description:
      - Results gathered at or after this UTC time (ISO 8601, C(YYYY-MM-DDTHH:MM:SSZ)) count as fresh, from
        whatever run. With neither O(run_id) nor O(fresh_since), every result counts.
    type: str
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
  - plugin: interdict.bans.host_result
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Write this host's result
  interdict.bans.fleet_report:
    report_dir: /var/lib/interdict/report
    host_results: ["{{ result }}"]
    render: false

- name: Merge the fleet report
  interdict.bans.fleet_report:
    report_dir: /var/lib/interdict/report
    expected_hosts: "{{ ansible_play_hosts_all }}"
    fresh_since: "{{ run_started }}"
  run_once: true
"""

RETURN = r"""
written:
  description: Host result files written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/var/lib/interdict/report/hosts/web01@deepseek.json]
summary:
  description: Hosts per status and, per ban, hosts per status.
  returned: when O(render=true)
  type: dict
  sample:
    hosts: 3
    by_status: {compliant: 1, remediated: 1, exempt: 0, unknown: 1, non_compliant: 0, failed: 0}
    by_ban: {deepseek: {compliant: 1, remediated: 1, exempt: 0, unknown: 1, non_compliant: 0, failed: 0}}
    compliant: 2
files:
  description: Paths of the fleet files.
  returned: when O(render=true)
  type: dict
  sample: {json: /r/fleet.json, csv: /r/fleet.csv, html: /r/fleet.html}
errors:
  description: Result files that could not be read or do not conform to the host result schema.
  returned: when O(render=true)
  type: list
  elements: dict
  sample: [{file: "web09@deepseek.json", error: "not a host result: status: 'fine' is not one of [...]"}]
not_compliant:
  description: Hosts whose merged status is not V(compliant), V(remediated) or V(exempt).
  returned: when O(render=true)
  type: list
  elements: str
  sample: [web02]
"""
