# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Intune inventory at tenant scale: the collection's way beside a naive crawl, same run, same simulator.

No real Intune tenant is reachable here; the tenant is the loopback simulator
(tests/integration/mdm_simulator) in its own process, with 20 ms latency per call.
The naive crawl (every device's detectedApps, at the same concurrency cap) is run
on a sample of devices and extrapolated linearly to the fleet; it is printed as such.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _collection import sized  # noqa: E402  (also makes the collection importable)

from ansible_collections.interdict.bans.plugins.module_utils import intune_graph, intune_inventory  # noqa: E402
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans  # noqa: E402
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog  # noqa: E402
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_fleet  # noqa: E402

DEVICES = int(os.environ.get("BENCH_MDM_DEVICES", sized("100000", "500")))
NAIVE_SAMPLE = int(os.environ.get("BENCH_MDM_NAIVE_SAMPLE", sized("2000", "50")))
LATENCY_MS = 20
CONCURRENCY = 8
# A real tenant's detectedApps: apps x versions across every platform, thousands of entries.
TENANT_APPS = int(os.environ.get("BENCH_MDM_TENANT_APPS", sized("400", "40")))


def start_simulator(env_file):
    command = [sys.executable, "-m", "tests.integration.mdm_simulator", "--devices", str(DEVICES)]
    command += ["--latency-ms", str(LATENCY_MS), "--env-file", env_file, "--tenant-apps", str(TENANT_APPS)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    json.loads(proc.stdout.readline())
    settings = {}
    with open(env_file, encoding="utf-8") as handle:
        for line in handle:
            key, _sep, value = line.removeprefix("export ").strip().partition("=")
            settings[key] = value
    return proc, settings


def api_for(settings):
    return intune_graph.Intune(
        tenant_id=settings["INTUNE_TENANT_ID"],
        client_id=settings["INTUNE_CLIENT_ID"],
        client_secret=settings["INTUNE_CLIENT_SECRET"],
        graph_url=settings["INTUNE_GRAPH_URL"],
        login_url=settings["INTUNE_LOGIN_URL"],
        max_concurrency=CONCURRENCY,
    )


def measure(function):
    tracemalloc.start()
    started = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, elapsed, peak


def naive_crawl(api, catalog, device_ids):
    """Every device's detectedApps, matched one by one (what a script without a plan does)."""
    findings = []

    def read(device_id):
        return api.client.get_all(f"/v1.0/deviceManagement/managedDevices/{device_id}/detectedApps")

    for device_id, apps, _error in api.client.run_concurrently(read, device_ids):
        for app in apps or ():
            record = intune_inventory.software_record(
                app["displayName"],
                app["version"],
                app["publisher"],
                intune_graph.detected_app_platform(app["platform"]),
                "",
            )
            findings.extend((device_id, match["ban"]) for match in catalog.match_record(record))
    return findings


def main():
    print(f"Intune inventory benchmark: {DEVICES} devices, {LATENCY_MS} ms per call, concurrency {CONCURRENCY}")
    print("(simulated tenant on loopback: no real Intune tenant is reachable here)")
    bans = load_bans(["wechat", "tiktok", "kaspersky"])
    catalog = CompiledCatalog(bans)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc, settings = start_simulator(os.path.join(tmp, "env"))
        print(f"simulator ready in {time.perf_counter() - started:.1f} s")
        detected = len(api_for(settings).detected_apps())
        print(f"detectedApps: {detected} entries (apps x versions across all platforms)")
        try:
            rows = []
            inventories = {}
            for method in ("export", "detected_apps"):
                api = api_for(settings)
                result, elapsed, peak = measure(
                    lambda api=api, method=method: intune_inventory.inventory(api, catalog, method=method)
                )
                rows.append(
                    (f"interdict ({method})", api.client.stats["requests"], elapsed, peak, len(result["findings"]))
                )
                assert result["complete"], result["problems"]
                inventories[method] = result
            api = api_for(settings)
            devices = api.managed_devices(["ios", "android"])
            sample = [d["id"] for d in devices[:NAIVE_SAMPLE]]
            api.client.stats["requests"] = 0
            found, elapsed, peak = measure(lambda: naive_crawl(api, catalog, sample))
            scale = len(devices) / len(sample)
            rows.append(
                (
                    f"naive crawl, {len(sample)} devices measured, x{scale:.1f} extrapolated",
                    int(api.client.stats["requests"] * scale) + 100,
                    elapsed * scale,
                    peak,
                    int(len(found) * scale),
                )
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{'method':58} {'API calls':>10} {'wall s':>9} {'peak MiB':>9} {'findings':>9}")
    for name, calls, elapsed, peak, findings in rows:
        print(f"{name:58} {calls:>10} {elapsed:>9.1f} {peak / 2**20:>9.1f} {findings:>9}")
    naive = rows[-1]
    for name, calls, elapsed, _peak, _f in rows[:-1]:
        print(f"ratio naive/{name}: API calls x{naive[1] / calls:.0f}, wall time x{naive[2] / elapsed:.0f}")

    # Every device through the one planner, then one host result each: controller time, no API call.
    inventory = inventories["export"]
    fleet, plan_s, plan_peak = measure(lambda: _mdm_fleet.plan_fleet(inventory, bans, mode="enforce"))
    results, result_s, result_peak = measure(lambda: _mdm_fleet.fleet_results(fleet, bans))
    print(
        f"planning {len(fleet['devices'])} devices: {plan_s:.1f} s, peak {plan_peak / 2**20:.1f} MiB; "
        f"{len(results)} host results: {result_s:.1f} s, peak {result_peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
