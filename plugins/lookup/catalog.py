# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: catalog
author: interdict.bans contributors (@interdict)
version_added: 0.1.0
short_description: Validated ban definitions from the catalog
description:
  - Returns ban definitions (see the collection's C(docs/catalog.md)) after validating them.
  - With no terms, returns every bundled ban plus every ban in O(ban_paths).
  - A malformed ban file fails with one message naming the file, the ban and the field.
options:
  _terms:
    description: Ids of the bans to return, for example V(kaspersky), V(wechat), V(tiktok).
    type: list
    elements: str
    required: false
  ban_paths:
    description:
      - Your own ban files, or folders holding them (C(*.yml), C(*.yaml)), in the same schema as the bundled bans.
      - Relative paths are relative to the playbook's folder.
      - A file whose ban id equals a bundled one replaces the bundled definition.
    type: list
    elements: path
    default: []
    env:
      - name: INTERDICT_BAN_PATHS
notes:
  - Validation needs the Python library C(jsonschema) on the controller.
"""

EXAMPLES = r"""
- name: Every bundled ban
  ansible.builtin.set_fact:
    interdict_catalog: "{{ query('interdict.bans.catalog') }}"

- name: Two bans, plus our own DeepSeek ban
  ansible.builtin.set_fact:
    interdict_catalog: "{{ query('interdict.bans.catalog', 'kaspersky', 'deepseek', ban_paths=['bans/deepseek.yml']) }}"
"""

RETURN = r"""
_list:
  description: Validated ban definitions, in the order asked for (catalog order when no terms are given).
  type: list
  elements: dict
  contains:
    id:
      description: Ban id.
      type: str
    title:
      description: Human-readable title.
      type: str
    authorities:
      description: Who banned it, when, with a reference and a link.
      type: list
      elements: dict
    platforms:
      description: Matchers, and how to remove and block, per platform.
      type: dict
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, load_bans


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        basedir = self._loader.get_basedir() if self._loader else os.getcwd()
        paths = [path if os.path.isabs(path) else os.path.join(basedir, path) for path in self.get_option("ban_paths")]
        try:
            return load_bans(names=[str(term) for term in terms] or None, paths=paths)
        except BanError as exc:
            raise AnsibleLookupError(str(exc)) from None
