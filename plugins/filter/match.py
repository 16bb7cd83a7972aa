# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, validate_ban
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import type_name

# Record fields matching reads: each a string when present (numbers are read as text).
RECORD_TEXT_FIELDS = ("platform", "name", "publisher", "signer", "identifier")


def check_records(records, name="match"):
    """Raise AnsibleFilterError naming the record and field when software records are malformed."""
    if not isinstance(records, list):
        raise AnsibleFilterError(f"{name}: the input must be a list of software records (dictionaries)")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise AnsibleFilterError(f"{name}: records[{index}]: expected a software record (a mapping)")
        for field in RECORD_TEXT_FIELDS:
            value = record.get(field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
                raise AnsibleFilterError(f"{name}: records[{index}].{field}: expected a string, got {type_name(value)}")


def check_bans(bans, name="match"):
    """Raise AnsibleFilterError naming the ban and field when ban definitions are malformed."""
    if not isinstance(bans, list) or not bans:
        raise AnsibleFilterError(
            f"{name}: bans must be a list of ban definitions from the interdict.bans.catalog lookup"
        )
    for index, ban in enumerate(bans):
        try:
            validate_ban(ban, f"bans[{index}]")
        except BanError as exc:
            raise AnsibleFilterError(f"{name}: {exc}") from None


def match(records, bans):
    """Findings {ban, software, rule} for software records against ban definitions."""
    check_records(records)
    check_bans(bans)
    return list(CompiledCatalog(bans).match(records))


class FilterModule:
    def filters(self):
        return {"match": match}
