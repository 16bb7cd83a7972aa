# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix: a real tenant's bad habits, one at a time, against the loopback simulator.

No real Intune tenant is reachable here. Under every fault the outcome is
exactly the fault-free one, or a failed task, or ``complete: false`` with every
affected device unknown: never a green run with fewer devices or findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import intune_graph, intune_inventory
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError

sys.path.insert(0, os.path.dirname(__file__))
from mdm_simulator import Simulator
from test_mdm_intune import PLAYBOOK, ROOT, VENV_BIN, infected, results

CATALOG = CompiledCatalog(load_bans(["wechat", "tiktok", "kaspersky"]))
SIZE = {"devices": 700, "page_size": 100, "infected_rate": 0.08}

# Faults a real tenant shows when reading, and the earlier transport faults.
READ_FAULTS = {
    "or_first_clause_only": {"or_first_clause_only": True},
    "per_page_count": {"per_page_count": True},
    "self_next_link": {"self_next_link": True},
    "export_empty": {"export": "empty"},
    "export_corrupt": {"export": "corrupt"},
    "non_json_devices": {"non_json_routes": ["managedDevices"]},
    "non_json_detected_apps": {"non_json_routes": ["detectedApps"]},
    "non_json_export": {"non_json_routes": ["exportJobs"]},
    "non_json_app_objects": {"non_json_routes": ["mobileApps"]},
    "expired_secret": {"expired_secret": True},
    "truncated_pages": {"rate_truncate": 0.3},
    "ignore_filter": {"ignore_filter": True},
    "throttled": {"rate_429": 0.1, "retry_after": "1"},
    "throttled_no_header": {"rate_429_no_header": 0.1},
    "server_errors": {"rate_5xx": 0.08},
    "resets": {"rate_reset": 0.06},
    "token_expiry": {"token_ttl": 0.2},
    "listing_down": {"listing_status": 503},
}
# Faults for the writes (uninstall and block), with the tenant's state compared after a whole enforce run.
WRITE_FAULTS = {
    "lost_create_answers": {
        "lose_create_response": {"app_assignment": "reset", "configuration": 504, "configuration_assignment": 502},
        "accept_duplicate_targets": True,
    },
    "beta_only_android": {"beta_only_android": True},
    "throttled": {"rate_429": 0.08, "retry_after": "1"},
    "throttled_no_header": {"rate_429_no_header": 0.08},
    "server_errors": {"rate_5xx": 0.06, "accept_duplicate_targets": True},
    "resets": {"rate_reset": 0.05, "accept_duplicate_targets": True},
    "token_expiry": {"token_ttl": 0.3},
    "non_json_app_objects": {"non_json_routes": ["mobileApps"]},
    "expired_secret": {"expired_secret": True},
}


# Faults the client must absorb: the enforce run ends green and exact under each.
ABSORBED = {"lost_create_answers", "beta_only_android", "throttled", "throttled_no_header", "resets", "token_expiry"}


def api_for(sim, **options):
    options = {"poll_timeout": 20.0, "deadline": 120.0, **options}
    return intune_graph.Intune(**sim.module_args(), sleep=lambda s: time.sleep(min(s, 0.01)), **options)


def read(sim, method):
    return intune_inventory.inventory(api_for(sim), CATALOG, now=sim.fleet.now, method=method)


@pytest.fixture(scope="module")
def clean():
    with Simulator(**SIZE) as sim:
        return {method: read(sim, method) for method in ("export", "detected_apps")}


def device_ids(result):
    return sorted(d["id"] for d in result["devices"] if d["listed"])


@pytest.mark.parametrize("method", ["export", "detected_apps"])
@pytest.mark.parametrize("fault", sorted(READ_FAULTS))
def test_inventory_under_each_fault_is_exact_or_says_it_is_not(clean, fault, method):
    with Simulator(**SIZE, faults=READ_FAULTS[fault]) as sim:
        try:
            result = read(sim, method)
        except MDMError as error:
            # A failed task: it names the endpoint, never the secret.
            assert "http" in str(error) and sim.client_secret not in str(error)
            return
        if result["complete"] and not result["listing_error"]:
            assert device_ids(result) == device_ids(clean[method]), fault
            assert infected(result) == infected(clean[method]), fault
            return
        # Not complete: every device is unknown or non-compliant, and the tenant itself is in the report.
        records = results(result)
        assert "compliant" not in {r["status"] for r in records}, fault
        tenant = [r for r in records if r["host"] == f"intune:{sim.tenant_id}"]
        assert tenant and tenant[0]["status"] == "unknown", fault
        assert sim.client_secret not in json.dumps(result)


def test_or_first_clause_only_loses_no_device(clean):
    with Simulator(**SIZE, faults={"or_first_clause_only": True}) as sim:
        result = read(sim, "export")
        assert result["complete"] and device_ids(result) == device_ids(clean["export"])
        android = [d for d in result["devices"] if d["platform"] == "android"]
        assert android, "the Android devices are listed although an or-filter would have dropped them"
        assert infected(result) == infected(clean["export"])


def test_per_page_count_is_not_taken_as_the_total(clean):
    with Simulator(**SIZE, faults={"per_page_count": True}) as sim:
        result = read(sim, "detected_apps")
        assert result["complete"], result["problems"]
        assert device_ids(result) == device_ids(clean["detected_apps"])


def test_a_looping_next_link_ends_with_a_clear_error_and_keeps_the_pages_read():
    with Simulator(**SIZE, faults={"self_next_link": True}) as sim:
        result = read(sim, "export")
        assert result["listing_error"] and "points back to a page already read" in result["listing_error"]
        assert "deviceManagement/managedDevices" in result["listing_error"]
        kept = [d for d in result["devices"] if d["listed"]]
        assert kept, "the page read before the loop is kept"
        assert {d["sources"][0]["state"] for d in kept} == {"failed"}


def test_empty_export_falls_back_instead_of_calling_devices_clean(clean):
    with Simulator(**SIZE, faults={"export": "empty"}) as sim:
        result = read(sim, "export")
        assert result["method"] == "detected_apps"
        assert any("fewer rows than detectedApps counts" in p for p in result["problems"])
        assert infected(result) == infected(clean["export"])


def test_bad_answers_name_the_endpoint_and_status_never_a_signature():
    with Simulator(**SIZE, faults={"export": "corrupt"}) as sim:
        result = read(sim, "export")
        text = " ".join(result["problems"])
        assert "/_blob/reports/" in text and "not a zip" in text and "HTTP 200" in text
        assert "sig=" not in text and "?" not in text.split("/_blob/reports/")[1].split(":")[0]
        assert result["method"] == "detected_apps" and result["findings"]
    with Simulator(**SIZE, faults={"non_json_routes": ["managedDevices"]}) as sim:
        result = read(sim, "export")
        assert "GET http" in result["listing_error"] and "deviceManagement/managedDevices" in result["listing_error"]
        assert "HTTP 200: the answer is not JSON (text/html" in result["listing_error"]


def test_a_never_finishing_export_and_a_loop_end_within_the_deadline():
    with Simulator(**SIZE, faults={"export": "never"}) as sim:
        api = api_for(sim, poll_timeout=600.0, deadline=3.0)
        started = time.monotonic()
        with pytest.raises(MDMError, match="deadline of 3 s"):
            api.export_app_inventory(["WeChat"])
        assert time.monotonic() - started < 3.0 + 5.0
    with Simulator(devices=50, faults={"self_next_link": True}) as sim:
        api = api_for(sim, max_pages=5)
        with pytest.raises(MDMError, match="points back"):
            api.client.get_all("/v1.0/deviceManagement/detectedApps", {"$top": "2"})


def test_expired_secret_fails_naming_the_tenant_endpoint(tmp_path):
    with Simulator(devices=50, faults={"expired_secret": True}) as sim:
        with pytest.raises(MDMError) as error:
            api_for(sim).managed_devices()
        assert "AADSTS7000222" in str(error.value) and f"/{sim.tenant_id}/oauth2/v2.0/token" in str(error.value)
        assert sim.client_secret not in str(error.value)


# -- the writes -----------------------------------------------------------------------------------


def tenant_state(sim):
    """The tenant as the writes left it, without ids: what a fault must not change."""
    fleet = sim.fleet
    apps = {
        f"{app['@odata.type']}|{app['displayName']}": sorted(
            json.dumps([a["intent"], a["target"]], sort_keys=True) for a in app["assignments"].values()
        )
        for app in fleet.mobile_apps.values()
    }
    configs = sorted(
        json.dumps(
            {
                **{k: v for k, v in c.items() if k not in ("id", "version", "createdDateTime", "assignments")},
                "assignments": sorted(json.dumps(a["target"], sort_keys=True) for a in c["assignments"].values()),
            },
            sort_keys=True,
        )
        for c in fleet.configurations.values()
    )
    return {"apps": apps, "configs": configs}


def enforce(sim, tmp_path):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **sim.client_env(),
    )
    out = tmp_path / "result.json"
    command = [f"{VENV_BIN}/ansible-playbook", "-i", "localhost,", "-c", "local", PLAYBOOK]
    command += ["-e", f"result_file={out}", "-e", f"ansible_python_interpreter={sys.executable}"]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert sim.client_secret not in proc.stdout + proc.stderr
    return proc.returncode, (json.loads(out.read_text()) if proc.returncode == 0 else None)


@pytest.fixture(scope="module")
def clean_enforce(tmp_path_factory):
    with Simulator(devices=500, infected_rate=0.08, seed_exclusions=True) as sim:
        rc, result = enforce(sim, tmp_path_factory.mktemp("clean"))
        assert rc == 0
        return tenant_state(sim), infected(result["phones"])


@pytest.mark.parametrize("fault", sorted(WRITE_FAULTS))
def test_enforce_under_each_fault_is_exact_or_fails(clean_enforce, fault, tmp_path):
    state, findings = clean_enforce
    with Simulator(devices=500, infected_rate=0.08, seed_exclusions=True, faults=WRITE_FAULTS[fault]) as sim:
        rc, result = enforce(sim, tmp_path)
        assert rc == 0 or fault not in ABSORBED, f"{fault} should have been absorbed"
        if rc != 0:
            return  # a failed task: the run is red, never green with something missing
        assert infected(result["phones"]) == findings, fault
        assert tenant_state(sim) == state, fault
        # Enforce once more, without faults: nothing is left to change.
        sim.set_faults()
        rc, again = enforce(sim, tmp_path)
        assert rc == 0 and not again["uninstall"]["changed"] and not again["block"]["changed"], fault


def test_a_work_profile_device_with_a_banned_app_outside_the_profile_is_never_compliant():
    with Simulator(**SIZE, work_profile_devices=2) as sim:
        ids = sim.fleet.work_profile_ids
        assert ids, "the fleet has work-profile devices carrying a banned app outside the profile"
        hidden = {t["device_id"] for t in sim.fleet.truth() if not t["visible"] and t["device_id"] in ids}
        assert hidden == set(ids), "the banned app is outside the profile: Intune does not report it"
        result = read(sim, "export")
        devices = {d["id"]: d for d in result["devices"]}
        for device_id in ids:
            assert devices[device_id]["inventory"] == "managed_apps_only"
            (source,) = devices[device_id]["sources"]
            assert source["state"] == "partial" and "work profile" in source["reason"]
        records = {r["host"]: r for r in results(result)}
        for device_id in ids:
            record = records[devices[device_id]["host"]]
            assert record["status"] == "unknown" and "work profile" in record["reason"], record
