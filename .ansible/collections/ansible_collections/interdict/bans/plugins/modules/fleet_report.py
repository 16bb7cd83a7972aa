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
  - Runs on the controller (use C(delegate_to) V(localhost)). Writes the host result records it is given
    to C(<report_dir>/hosts/<host>@<bans>.json), one file per host and ban set, then merges every result
    file present into C(fleet.json), C(fleet.csv) and one self-contained C(fleet.html) (summary per ban and
    per status, an inline SVG chart, the authorities behind each ban, every exception with approver and
    expiry, findings and actions).
  - Several result files for one host merge to the worst status. A host in O(expected_hosts) without a
    result file is V(unknown), never compliant.
  - Because each host writes its own file and the merge reads whatever is present, the report is safe
    under C(serial) and AWX/AAP job slicing; run the merge again (for example with the
    C(interdict.bans.report) playbook) once every slice has finished.
  - Idempotent. A result whose content equals the file's except for its timestamp is not rewritten,
    and the fleet files are rewritten only when their content (without the generation time) changes.
author:
  - interdict.bans contributors (@interdict)
options:
  report_dir:
    description: Directory of the report. Created when missing.
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
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
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
  delegate_to: localhost

- name: Merge the fleet report
  interdict.bans.fleet_report:
    report_dir: /var/lib/interdict/report
    expected_hosts: "{{ ansible_play_hosts_all }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
written:
  description: Host result files written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/var/lib/interdict/report/hosts/web01@kaspersky.json]
summary:
  description: Hosts per status and, per ban, hosts per status.
  returned: when O(render=true)
  type: dict
  sample:
    hosts: 3
    by_status: {compliant: 1, remediated: 1, exempt: 0, unknown: 1, non_compliant: 0, failed: 0}
    by_ban: {kaspersky: {compliant: 1, remediated: 1, exempt: 0, unknown: 1, non_compliant: 0, failed: 0}}
    compliant: 2
files:
  description: Paths of the fleet files.
  returned: when O(render=true)
  type: dict
  sample: {json: /r/fleet.json, csv: /r/fleet.csv, html: /r/fleet.html}
not_compliant:
  description: Hosts whose merged status is not V(compliant), V(remediated) or V(exempt).
  returned: when O(render=true)
  type: list
  elements: str
  sample: [web02]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils import reporting

ACCEPTABLE = ("compliant", "remediated", "exempt")


def main():
    module = AnsibleModule(
        argument_spec={
            "report_dir": {"type": "path", "required": True},
            "host_results": {"type": "list", "elements": "dict", "default": []},
            "expected_hosts": {"type": "list", "elements": "str", "default": []},
            "render": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    report_dir = module.params["report_dir"]
    changed = False
    written = []
    for index, result in enumerate(module.params["host_results"]):
        if not result.get("host") or result.get("status") not in reporting.SEVERITY:
            module.fail_json(msg=f"host_results[{index}]: not a host result (needs 'host' and a known 'status')")
        try:
            path, result_changed = reporting.write_host_result(report_dir, result, check_mode=module.check_mode)
        except OSError as exc:
            module.fail_json(msg=f"cannot write the host result under {report_dir}: {exc}")
        if result_changed:
            changed = True
            written.append(path)
    output = {"written": written}
    if module.params["render"]:
        try:
            fleet, fleet_changed = reporting.write_fleet(
                report_dir, module.params["expected_hosts"], check_mode=module.check_mode
            )
        except OSError as exc:
            module.fail_json(msg=f"cannot write the fleet report under {report_dir}: {exc}")
        changed = changed or fleet_changed
        output.update(
            summary=fleet["summary"],
            files={kind: os.path.join(report_dir, f"fleet.{kind}") for kind in ("json", "csv", "html")},
            not_compliant=[host["host"] for host in fleet["hosts"] if host["status"] not in ACCEPTABLE],
        )
    module.exit_json(changed=changed, **output)


if __name__ == "__main__":
    main()
