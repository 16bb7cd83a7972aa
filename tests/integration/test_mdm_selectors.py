# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selectors on phones: one office's phones excepted by attribute, personal devices out of scope.

Runs the WeChat ban role in enforce against the loopback Intune simulator (no real Intune tenant is
reachable here). The office is the devices' Intune device category (managedDevice.deviceCategoryDisplayName).
"""

from __future__ import annotations

from mdm_simulator import Simulator
from mdm_simulator.fleet import DEVICE_CATEGORIES
from test_mdm_roles import EXCEPTION, device_results, run_role

from ansible_collections.interdict.bans.plugins.plugin_utils import _report

OFFICE = "Liaison office"
WHERE = f"category == '{OFFICE}' && (platform == 'ios' || platform == 'android')"
SCOPE = "ownership != 'personal'"


def category(device):
    return DEVICE_CATEGORIES[device.index % len(DEVICE_CATEGORIES)]


def test_office_phones_excepted_by_attribute_and_personal_devices_out_of_scope(tmp_path):
    with Simulator(devices=600, infected_rate=0.15) as sim:
        phones = [d for d in sim.fleet.devices if d.os in ("ios", "android")]
        personal = {d.name for d in phones if d.ownership == "personal"}
        office = {d.name for d in phones if category(d) == OFFICE and d.ownership == "company"}
        # The groups that hold them keep them out of the tenant-wide uninstall (exclusion_group_ids).
        groups = [
            sim.fleet.add_group("Liaison office phones", [d.id for d in phones if d.name in office]),
            sim.fleet.add_group("Personal phones", [d.id for d in phones if d.name in personal]),
        ]
        before = sim.fleet.truth()
        kept = {(t["device_name"], t["app"]) for t in before if t["device_name"] in office | personal}
        removable = [
            t for t in before if t["managed"] and t["app"] == "WeChat" and t["device_name"] not in office | personal
        ]
        assert kept and removable and any(t["managed"] for t in before if t["device_name"] in office | personal)

        extra = {
            "exceptions": [dict(EXCEPTION, where=WHERE, bans=["wechat"])],
            "scope": SCOPE,
            "intune": {"exclusion_group_ids": groups},
        }
        _proc, fleet = run_role(sim, tmp_path / "enforce", "enforce", extra=extra)
        results = device_results(tmp_path / "enforce")

        # Personal devices: out of scope, with the selector as the reason, never compliant, never changed.
        for name in personal:
            record = results[name]
            assert record["status"] == "out_of_scope" and SCOPE in record["reason"], record
            assert not record["actions"], record["actions"]
        # The office's company phones: WeChat found and exempt, under the exception with its where.
        holders = {t["device_name"] for t in before if t["app"] == "WeChat" and t["visible"] and not t["stale"]}
        excepted = office & holders
        assert excepted
        for name in excepted:
            record = results[name]
            assert record["status"] == "exempt", record
            assert record["exceptions"][0]["where"] == WHERE and record["exceptions"][0]["approver"] == "CISO"
            assert not [a for a in record["actions"] if a["kind"] == "remove"]
        # The rest of the fleet is enforced as usual.
        others = {t["device_name"] for t in removable if t["visible"] and not t["stale"]}
        assert others and all(results[name]["status"] == "non_compliant" for name in others)

        # The report answers for both, by query.
        out = _report.query_fleet(fleet, "hosts[?status=='out_of_scope'].host")
        assert set(out) == personal & {h["host"] for h in fleet["hosts"]}
        exempt = _report.query_fleet(fleet, f"hosts[?status=='exempt' && view.category=='{OFFICE}'].host")
        assert set(exempt) == excepted
        assert _report.query_fleet(fleet, "exceptions[].where") == [WHERE]

        # Devices check in: the others lose their Intune-installed WeChat; the office's and personal ones keep all.
        sim.fleet.sync()
        after = {(t["device_name"], t["app"]) for t in sim.fleet.truth()}
        assert kept <= after, sorted(kept - after)[:5]
        assert not [t for t in removable if (t["device_name"], "WeChat") in after]
