# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog


def match(records, bans):
    """Findings {ban, software, rule} for software records against ban definitions."""
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise AnsibleFilterError("match: the input must be a list of software records (dictionaries)")
    if not isinstance(bans, list) or not all(isinstance(ban, dict) and "id" in ban for ban in bans):
        raise AnsibleFilterError("match: bans must be a list of ban definitions from the interdict.bans.catalog lookup")
    try:
        return list(CompiledCatalog(bans).match(records))
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(
            f"match: a ban definition is malformed ({exc!r}); load bans with the catalog lookup"
        ) from None


class FilterModule:
    def filters(self):
        return {"match": match}
