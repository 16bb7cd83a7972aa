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
    file present into C(fleet.json), C(fleet.csv) and one self-contained C(fleet.html) for a CIO's office and
    auditors.
  - The page has a header (mode, run id, start and end time, inventory size, catalog version, bans), the
    summary per status and per ban, progress over time per ban (inline SVG), what changed since the
    previous run (newly non-compliant, fixed, exceptions that expired), every host that could not be
    verified grouped by why and per platform, the authorities behind each ban, every exception with
    approver and expiry, a glossary, and every host in a table with search, filters and paging.
  - The page works offline and has no external assets. The summary reads without scripts; the host table
    is rendered from an embedded JSON block by a small inline script, allowed by a Content-Security-Policy
    hash and nothing else.
  - Every run's summary is kept as C(<report_dir>/runs/<run id>.json), written atomically; a run never
    overwrites another run's file.
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
    description:
      - Directory of the report on the controller, a path on one line (no control characters). Created when missing.
      - When empty, the environment variable E(INTERDICT_REPORT_DIR); when that is unset too and the task runs in an
        AWX/AAP job (C(awx_job_id) is set), C(/var/lib/interdict/report), which must then exist in the execution
        environment (see the collection's AWX guide). Otherwise the task fails, before writing anything; the
        report never lands in the current directory, which in an execution environment is gone with the job.
      - Merges take a lock (C(.fleet.lock), an C(fcntl) lock) in this directory, so concurrent jobs and the
        slices of a sliced job can share it; on a network file system the lock needs working NFS locking.
    type: path
    default: ""
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
  query:
    description:
      - A JMESPath query over the fleet report (the shape of C(fleet.json), C(docs/fleet.schema.json)); its answer
        is returned as RV(query_result). With O(render=false) it reads the C(fleet.json) already written.
      - See C(docs/selectors.md) for examples and the functions added to JMESPath
        (C(glob), C(days_until), C(days_since)). A query that does not parse fails before anything is written.
    type: str
    version_added: 0.2.0
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
  - plugin: interdict.bans.report
    plugin_type: lookup
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
report_dir:
  description: The report directory used (O(report_dir), or the one chosen when it was empty).
  returned: always
  type: str
  sample: /var/lib/interdict/report
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
    by_status: {compliant: 1, remediated: 1, exempt: 0, out_of_scope: 0, unknown: 1, non_compliant: 0, failed: 0}
    by_ban:
      deepseek: {compliant: 1, remediated: 1, exempt: 0, out_of_scope: 0, unknown: 1, non_compliant: 0, failed: 0}
    by_category: {unreachable: {"not known": 1}}
    compliant: 2
files:
  description: Paths of the fleet files and of this run's kept summary.
  returned: when O(render=true)
  type: dict
  sample: {json: /r/fleet.json, csv: /r/fleet.csv, html: /r/fleet.html, run: /r/runs/4711.json}
changes:
  description: What changed since the previous kept run, as counts (the lists are in C(fleet.json)).
  returned: when O(render=true)
  type: dict
  sample: {previous_run: "4710", newly_non_compliant: 2, remediated: 40, expired_exceptions: 1}
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
query_result:
  description: The answer of O(query) over the fleet report (any JSON value).
  returned: when O(query) is given
  type: raw
  sample: [IPH-000017, AND-000042]
"""
