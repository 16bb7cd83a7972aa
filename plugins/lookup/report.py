# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: report
author: interdict.bans contributors (@interdict)
version_added: 0.2.0
short_description: Answer JMESPath queries over the fleet report
description:
  - Reads C(fleet.json) of a report directory and returns the answer of each JMESPath query given as a term.
  - The shape of C(fleet.json) is a versioned contract (C(schema_version), C(docs/fleet.schema.json)); a fleet
    report of another schema version is refused rather than answered wrongly.
  - Besides JMESPath's own functions, C(glob) (a case-insensitive shell glob), C(days_until) and C(days_since)
    (whole days from O(today) to a date, or since it) are available (see C(docs/selectors.md)).
  - A query that does not parse fails with the query and the position of the error.
options:
  _terms:
    description: JMESPath queries over the fleet report.
    type: list
    elements: str
    required: true
  report_dir:
    description:
      - Directory of the report (the one the roles and playbooks write).
      - Defaults to E(INTERDICT_REPORT_DIR), else C(interdict-report) in the current directory.
    type: path
  today:
    description: The date C(days_until) and C(days_since) count from (YYYY-MM-DD); today (UTC) when unset.
    type: str
notes:
  - Needs the Python library C(jmespath) on the controller (C(requirements.txt)).
"""

EXAMPLES = r"""
- name: Non-compliant devices of the liaison office
  ansible.builtin.debug:
    msg: >-
      {{ lookup('interdict.bans.report',
                "hosts[?status=='non_compliant' && view.category=='Liaison office'].host",
                report_dir='/srv/reports/bans') }}

- name: Active exceptions that expire within 30 days
  ansible.builtin.debug:
    msg: >-
      {{ lookup('interdict.bans.report',
                "exceptions[?state=='active' && days_until(expires) <= `30`].{reason: reason, expires: expires}",
                report_dir='/srv/reports/bans') }}
"""

RETURN = r"""
_list:
  description: The answer of each query, in the order of the terms (any JSON value).
  type: list
  elements: raw
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.interdict.bans.plugins.plugin_utils import _report, _selectors


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        report_dir = (
            self.get_option("report_dir")
            or os.environ.get("INTERDICT_REPORT_DIR")
            or os.path.join(os.getcwd(), "interdict-report")
        )
        today = self.get_option("today") or None
        for index, term in enumerate(terms):
            if not isinstance(term, str):
                raise AnsibleLookupError(f"report: terms[{index}]: expected a JMESPath query (string)")
        try:
            fleet = _report.read_fleet(report_dir)
            return [_report.query_fleet(fleet, term, today) for term in terms]
        except _selectors.SelectorError as exc:
            raise AnsibleLookupError(f"report: {exc}") from None
