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
      - "A file whose ban id equals a bundled one replaces the bundled definition only when it says
        C(replaces: <id>); otherwise the lookup fails."
      - The paths in the controller's environment variable E(INTERDICT_BAN_PATHS) (separated by C(:) or C(,))
        are always added to these, also when a role passes its own (possibly empty) list.
    type: list
    elements: path
    default: []
notes:
  - Validation needs the Python library C(jsonschema) on the controller.
  - Every ban file is checked before it is used (see "Limits" in docs/catalog.md). It must be a regular file
    of at most 256 KiB of UTF-8, YAML without anchors, aliases or tags, nested at most 12 levels, with no
    control characters; its patterns must compile as the matcher runs them and be unable to backtrack
    catastrophically; no pattern or identifier may match common software (C(data/corpus)) unless the entry
    says C(allow_broad).
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
import re

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, load_bans
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import type_name

ENV_PATHS = "INTERDICT_BAN_PATHS"


def env_paths(environ=None):
    """The ban paths in INTERDICT_BAN_PATHS (``:`` or ``,`` separated, blanks ignored)."""
    value = (os.environ if environ is None else environ).get(ENV_PATHS) or ""
    return [part.strip() for part in re.split(r"[:,]", value) if part.strip()]


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        unknown = sorted(set(kwargs) - {"ban_paths"})
        if unknown:
            raise AnsibleLookupError(f"catalog: unknown option {str(unknown[0])[:64]!r} (the only option is ban_paths)")
        given = kwargs.get("ban_paths")
        if given is not None and not isinstance(given, (list, tuple, str)):
            raise AnsibleLookupError(f"catalog: ban_paths: expected a list of paths, got {type_name(given)}")
        names = []
        for index, term in enumerate(terms or ()):
            if not isinstance(term, str) or not term:
                raise AnsibleLookupError(f"catalog: terms[{index}]: expected a ban id (string), got {type_name(term)}")
            names.append(str(term))
        self.set_options(var_options=variables, direct=kwargs)
        basedir = self._loader.get_basedir() if self._loader else os.getcwd()
        paths = []
        for index, path in enumerate([*(self.get_option("ban_paths") or ()), *env_paths()]):
            if not isinstance(path, str) or not path or "\x00" in path:
                raise AnsibleLookupError(f"catalog: ban_paths[{index}]: expected a file or folder path")
            paths.append(path if os.path.isabs(path) else os.path.join(basedir, path))
        try:
            return load_bans(names=names or None, paths=paths)
        except BanError as exc:
            raise AnsibleLookupError(str(exc)) from None
