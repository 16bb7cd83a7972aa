# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import PROVIDER_MODULES, providers_on
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_fleet, _planning
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import plain as _plain
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import type_name


def _bans(name, bans):
    if not isinstance(bans, list) or not all(isinstance(ban, dict) and "id" in ban for ban in bans):
        raise AnsibleFilterError(f"{name}: bans must be ban definitions from the interdict.bans.catalog lookup")
    return _plain(bans)


def _strings(name, key, value):
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterError(f"{name}: {key} must be a list of strings, got {value!r}")
    return [str(item) for item in value]


def _options(name, value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise AnsibleFilterError(f"{name}: options: expected a mapping, got {type_name(value)}")
    return _plain(value)


def _mappings(name, key, value, required=()):
    """An inventory or fleet list: absent, or a list of mappings with the required keys of the right type."""
    if value is None:
        return
    if not isinstance(value, list):
        raise AnsibleFilterError(f"{name}: input.{key}: expected a list, got {type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise AnsibleFilterError(f"{name}: input.{key}[{index}]: expected a mapping, got {type_name(item)}")
        for field, kind in required:
            if not isinstance(item.get(field), kind):
                what = "a mapping" if kind is dict else "a string"
                raise AnsibleFilterError(f"{name}: input.{key}[{index}].{field}: expected {what}")


def mdm_plans(
    inventory,
    bans,
    mode="audit",
    exceptions=None,
    protected=None,
    max_removals=None,
    now=None,
    blocks=True,
    expected_devices=None,
    target_group_ids=None,
    exclusion_group_ids=None,
    block_profiles=None,
    platforms=None,
    scope=None,
    options=None,
):
    """Every device of an MDM inventory result planned by the one planner, and where fleet-wide changes may go."""
    if inventory is not None and not isinstance(inventory, dict):
        raise AnsibleFilterError("mdm_plans: the input must be the registered result of an MDM inventory module")
    for key, required in (("devices", ()), ("findings", (("ban", str), ("software", dict)))):
        _mappings("mdm_plans", key, (inventory or {}).get(key), required)
    if block_profiles is not None and not isinstance(block_profiles, dict):
        raise AnsibleFilterError(f"mdm_plans: block_profiles: expected a mapping, got {type_name(block_profiles)}")
    try:
        return _mdm_fleet.plan_fleet(
            _plain(inventory or {}),
            _bans("mdm_plans", bans),
            mode=str(mode),
            exceptions=_plain(exceptions),
            protected=_plain(protected),
            max_removals=None if max_removals in (None, "") else max_removals,
            now=now or None,
            blocks=bool(blocks),
            expected_devices=_strings("mdm_plans", "expected_devices", expected_devices),
            target_group_ids=_strings("mdm_plans", "target_group_ids", target_group_ids),
            exclusion_group_ids=_strings("mdm_plans", "exclusion_group_ids", exclusion_group_ids),
            block_profiles=_plain(block_profiles) or {},
            platforms=tuple(_strings("mdm_plans", "platforms", platforms)) or _mdm_fleet.PHONES,
            scope=_plain(scope),
            options=_options("mdm_plans", options),
        )
    except (_planning.PlanError, ValueError) as exc:
        raise AnsibleFilterError(f"mdm_plans: {exc}") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"mdm_plans: malformed input ({type(exc).__name__}: {str(exc)[:100]})") from None


def mdm_results(fleet, bans, uninstall=None, block=None, run=None, check_mode=False):
    """One host result per device (and for the MDM when it could not be read) from mdm_plans and the MDM modules."""
    if not isinstance(fleet, dict) or "devices" not in fleet:
        raise AnsibleFilterError("mdm_results: the input must be the output of the interdict.bans.mdm_plans filter")
    _mappings("mdm_results", "devices", fleet["devices"], (("host", str),))
    return _mdm_fleet.fleet_results(
        _plain(fleet),
        _bans("mdm_results", bans),
        uninstall=_plain(uninstall) if isinstance(uninstall, dict) else None,
        block=_plain(block) if isinstance(block, dict) else None,
        run=_plain(run) if isinstance(run, dict) else None,
        check_mode=bool(check_mode),
    )


def mdm_job_results(runs, bans, run=None, check_mode=False):
    """One host result per device over every MDM of the job; a device two MDMs report is one result, both sources."""
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "fleet" in r for r in runs):
        raise AnsibleFilterError("mdm_job_results: the input must be a list of {fleet, uninstall, block}, one per MDM")
    plain_runs = [
        {
            "fleet": _plain(r["fleet"]),
            "uninstall": _plain(r.get("uninstall")) if isinstance(r.get("uninstall"), dict) else None,
            "block": _plain(r.get("block")) if isinstance(r.get("block"), dict) else None,
        }
        for r in runs
    ]
    return _mdm_fleet.merged_results(
        plain_runs,
        _bans("mdm_job_results", bans),
        run=_plain(run) if isinstance(run, dict) else None,
        check_mode=bool(check_mode),
    )


def mdm_providers(mdms, disabled=None):
    """The MDMs a job reaches: configured in ``mdms``, or whose credential is complete in the controller's
    environment; less ``disabled``."""
    if mdms not in (None, "") and not isinstance(mdms, dict):
        raise AnsibleFilterError(f"mdm_providers: mdms: expected a mapping, got {type_name(mdms)}")
    for name, value in (mdms or {}).items():
        if name not in PROVIDER_MODULES:
            raise AnsibleFilterError(f"mdm_providers: mdms.{name}: expected one of {', '.join(PROVIDER_MODULES)}")
        if value not in (None, "") and not isinstance(value, dict):
            raise AnsibleFilterError(f"mdm_providers: mdms.{name}: expected a mapping, got {type_name(value)}")
    return providers_on(mdms or {}, os.environ, _strings("mdm_providers", "disabled", disabled))


class FilterModule:
    def filters(self):
        return {
            "mdm_plans": mdm_plans,
            "mdm_results": mdm_results,
            "mdm_job_results": mdm_job_results,
            "mdm_providers": mdm_providers,
        }
