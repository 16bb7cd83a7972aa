# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jamf Pro inventory at scale: the collection's paged inventory beside a naive per-device crawl, same run.

No Jamf Pro server is reachable here; the server is the loopback simulator
(tests/integration/mdm_simulator/jamf.py) in its own process, with 20 ms latency
per call, 2% of devices carrying a banned app, at Jamf's 5 concurrent connections.
The naive crawl (list the devices, then one detail call per device) is run on a
sample of devices and extrapolated linearly to the fleet; it is printed as such.
BENCH_JAMF_DEVICES sets the fleet size (CI uses a small one).
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
sys.path.insert(0, os.path.join(ROOT, "tests"))
import conftest  # noqa: E402,F401  pylint: disable=unused-import
from _collection import sized  # noqa: E402  (INTERDICT_BENCH_SIZE=small: the CI size)

from ansible_collections.interdict.bans.plugins.module_utils import jamf  # noqa: E402
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans  # noqa: E402
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog  # noqa: E402

DEVICES = int(os.environ.get("BENCH_JAMF_DEVICES", sized("50000", "300")))
NAIVE_SAMPLE = int(os.environ.get("BENCH_JAMF_NAIVE_SAMPLE", sized("1000", "30")))
LATENCY_MS = 20


def start_simulator(env_file):
    command = [sys.executable, "-m", "tests.integration.mdm_simulator.jamf", "--devices", str(DEVICES)]
    command += ["--latency-ms", str(LATENCY_MS), "--env-file", env_file, "--infected-rate", "0.02"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    json.loads(proc.stdout.readline())
    settings = {}
    with open(env_file, encoding="utf-8") as handle:
        for line in handle:
            key, _sep, value = line.removeprefix("export ").strip().partition("=")
            settings[key] = value
    return proc, settings


def provider_for(settings):
    return jamf.JamfProvider(
        jamf.Jamf(settings["JAMF_URL"], settings["JAMF_CLIENT_ID"], settings["JAMF_CLIENT_SECRET"])
    )


def measure(function):
    tracemalloc.start()
    started = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, elapsed, peak


def naive_crawl(provider, catalog, sample):
    """List the devices, then one detail call per device (what a script without a plan does)."""
    client = provider.client
    ids = []
    for path, key, kind in ((jamf.COMPUTERS, "id", "computer"), (jamf.MOBILE_DEVICES, "mobileDeviceId", "mobile")):
        for page in client.iter_numbered_pages(path, {"section": ["GENERAL"]}, page_size=100, key=key):
            ids.extend((kind, record[key]) for record in page)
    chosen = ids[:: max(1, len(ids) // sample)][:sample]

    def read(item):
        kind, device_id = item
        path = (
            f"/api/v1/computers-inventory-detail/{device_id}"
            if kind == "computer"
            else (f"/api/v2/mobile-devices/{device_id}/detail")
        )
        return client.get_json(path)

    findings = []
    for (kind, _device_id), record, _error in client.run_concurrently(read, chosen):
        platform = "macos" if kind == "computer" else "ios"
        for app in (record or {}).get("applications") or ():
            findings += catalog.match_record(jamf.software_record(app, platform))
    return len(ids), len(chosen), len(findings)


def main():
    print(f"Jamf Pro inventory benchmark: {DEVICES} devices, 2% infected, {LATENCY_MS} ms per call, 5 connections")
    print("(simulated Jamf Pro server on loopback: no real Jamf Pro server is reachable here)")
    bans = load_bans(["wechat", "tiktok", "kaspersky"])
    catalog = CompiledCatalog(bans)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc, settings = start_simulator(os.path.join(tmp, "env"))
        print(f"simulator ready in {time.perf_counter() - started:.1f} s")
        try:
            provider = provider_for(settings)
            result, elapsed, peak = measure(lambda: provider.inventory(catalog))
            assert result["complete"], result["problems"]
            rows = [
                (
                    "interdict (paged inventory)",
                    provider.client.stats["requests"],
                    elapsed,
                    peak,
                    len(result["findings"]),
                )
            ]
            naive = provider_for(settings)
            (listed, sampled, found), elapsed, peak = measure(lambda: naive_crawl(naive, catalog, NAIVE_SAMPLE))
            scale = listed / sampled
            listing_calls = naive.client.stats["requests"] - sampled
            rows.append(
                (
                    f"naive crawl, {sampled} devices measured, x{scale:.1f} extrapolated",
                    int(listing_calls + sampled * scale),
                    elapsed * scale,
                    peak,
                    int(found * scale),
                )
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{'method':58} {'API calls':>10} {'wall s':>9} {'peak MiB':>9} {'findings':>9}")
    for name, calls, elapsed, peak, findings in rows:
        print(f"{name:58} {calls:>10} {elapsed:>9.1f} {peak / 2**20:>9.1f} {findings:>9}")
    ours, naive_row = rows
    print(f"ratio naive/interdict: API calls x{naive_row[1] / ours[1]:.0f}, wall time x{naive_row[2] / ours[2]:.1f}")
    # Planning every device is the same planner for every MDM: bench_mdm.py measures it.


if __name__ == "__main__":
    main()
