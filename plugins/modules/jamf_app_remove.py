#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: jamf_app_remove
short_description: Remove banned managed apps from iPhones and iPads through Jamf Pro
version_added: 0.3.0
description:
  - Carries out the removal orders the P(interdict.bans.mdm_plans#filter) filter planned for Jamf Pro devices - for
    each banned mobile device app object, the devices whose plans remove it are added to the exclusions of the app's
    scope, and Jamf Pro removes the managed app from them at their next check-in.
  - Reads the app object before it writes, and adds only devices not yet excluded, so a second run changes nothing.
  - Only an app Jamf manages can be removed. A banned app the user installed on an unsupervised device, and any app
    on a Mac (Jamf Pro has no API to uninstall one), is reported by the planner as not enforceable with the reason;
    see M(interdict.bans.jamf_app_block) for restricted software on Macs.
  - An order the planner refused is reported V(failed) with its reason and not carried out. An app id that is not a
    banned mobile device app of this server is left alone and reported in RV(unknown).
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.jamf
attributes:
  check_mode:
    support: full
    description: Reads, and reports what it would change.
  diff_mode:
    support: full
    description: The scope exclusions of each app before and after.
options:
  bans:
    description: Ban definitions, as returned by the C(interdict.bans.catalog) lookup.
    type: list
    elements: dict
    required: true
  removals:
    description:
      - The C(uninstall) orders of the P(interdict.bans.mdm_plans#filter) filter (C(app_id), C(device_ids),
        C(refused)).
    type: list
    elements: dict
    default: []
notes:
  - Needs the API role privileges C(Read Mobile Device Apps) and C(Update Mobile Device Apps).
  - That excluding a device from a managed app's scope removes the app is Jamf's documented managed-app behaviour,
    confirmed here only against the simulator.
"""

EXAMPLES = r"""
- name: Plan
  ansible.builtin.set_fact:
    fleet: "{{ jamf | interdict.bans.mdm_plans(bans, mode='enforce', platforms=['ios', 'macos']) }}"

- name: Remove the banned managed apps the plans remove
  interdict.bans.jamf_app_remove:
    bans: "{{ bans }}"
    removals: "{{ fleet.uninstall }}"
"""

RETURN = r"""
apps:
  description:
    - One entry per order - C(id), C(name), C(outcome) (V(pending), V(planned) or V(failed)), C(msg), C(changes).
  returned: always
  type: list
  elements: dict
  sample: [{id: "1", name: WeChat, outcome: pending, msg: "...", changes: ["exclude mobile device 7 from the scope"]}]
unknown:
  description: Ordered app ids that are not banned mobile device apps of this server (left alone).
  returned: always
  type: list
  elements: str
  sample: []
api_calls:
  description: Counters of the HTTP client.
  returned: always
  type: dict
  sample: {requests: 6}
"""

from ansible_collections.interdict.bans.plugins.module_utils.jamf import JamfProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    mdm = MDMModule(
        JamfProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "removals": {"type": "list", "elements": "dict", "default": []},
        },
    )
    catalog = CompiledCatalog(mdm.bans)
    result, failure = mdm.run(mdm.provider.apply, catalog, "remove", mdm.params["removals"], mdm.check_mode)
    mdm.exit(result, failure)


if __name__ == "__main__":
    main()
