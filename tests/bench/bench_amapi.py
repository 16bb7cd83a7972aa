# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Android Management inventory at enterprise scale: the collection's way beside a naive crawl, same run.

No real AMAPI enterprise is reachable here; the enterprise is the loopback simulator
(tests/integration/mdm_simulator/amapi.py) in its own process, 20 ms latency per call.
The collection reads ``devices.list`` (100 devices a page, application reports included)
and each policy once. The naive crawl lists the devices, then asks ``devices.get`` for
each one (what a script that treats every phone as a host does), at the same concurrency
cap; it is run on a sample and extrapolated linearly to the fleet, and printed as such.
Set BENCH_AMAPI_DEVICES (default 50000) for a smaller run in CI.
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

from ansible_collections.interdict.bans.plugins.module_utils import amapi  # noqa: E402
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans  # noqa: E402
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog  # noqa: E402

DEVICES = int(os.environ.get("BENCH_AMAPI_DEVICES", sized("50000", "300")))
NAIVE_SAMPLE = int(os.environ.get("BENCH_AMAPI_NAIVE_SAMPLE", sized("2000", "30")))
LATENCY_MS = 20
CONCURRENCY = 4
INFECTED = 0.02


def start_simulator(key_file):
    command = [sys.executable, "-m", "tests.integration.mdm_simulator.amapi", "--devices", str(DEVICES)]
    command += ["--latency-ms", str(LATENCY_MS), "--infected-rate", str(INFECTED), "--key-file", key_file]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return proc, json.loads(proc.stdout.readline())


def api_for(where, key_file):
    params = {"enterprise": where["enterprise"], "service_account_file": key_file, "api_url": where["url"]}
    return amapi.AndroidManagement.from_params({**params, "max_concurrency": CONCURRENCY})


def measure(function):
    tracemalloc.start()
    started = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return value, elapsed, peak


def naive_crawl(api, catalog, names):
    """``devices.get`` for every device, its reports matched one by one."""
    findings = []
    for name, device, _error in api.client.run_concurrently(lambda name: api.client.get_json(f"/v1/{name}"), names):
        for report in (device or {}).get("applicationReports") or ():
            findings.extend((name, m["ban"]) for m in catalog.match_record(amapi.software_record(report)))
    return findings


def main():
    print(
        f"Android Management inventory benchmark: {DEVICES} devices, {INFECTED:.0%} infected, "
        f"{LATENCY_MS} ms per call, concurrency {CONCURRENCY}"
    )
    print("(simulated enterprise on loopback: no real Android Management enterprise is reachable here)")
    catalog = CompiledCatalog(load_bans(["wechat", "tiktok", "kaspersky"]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        key_file = os.path.join(tmp, "key.json")
        started = time.perf_counter()
        proc, where = start_simulator(key_file)
        print(f"simulator ready in {time.perf_counter() - started:.1f} s")
        try:
            api = api_for(where, key_file)
            result, elapsed, peak = measure(lambda: amapi.inventory(api, catalog))
            assert result["complete"], result["problems"]
            rows.append(("interdict (devices.list + policies.get)", api.client.stats["requests"], elapsed, peak))
            found = len(result["findings"])

            api = api_for(where, key_file)
            names = [d["name"] for page in api.device_pages() for d in page]
            listing_calls = api.client.stats["requests"]
            sample = names[:NAIVE_SAMPLE]
            _found, elapsed, peak = measure(lambda: naive_crawl(api, catalog, sample))
            scale = len(names) / len(sample)
            calls = listing_calls + int((api.client.stats["requests"] - listing_calls) * scale)
            label = f"naive devices.get crawl, {len(sample)} measured, x{scale:.1f}"
            rows.append((label, calls, elapsed * scale, peak))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"findings: {found} banned apps on {len({f['device_id'] for f in result['findings']})} devices")
    print(f"{'method':52} {'API calls':>10} {'wall s':>9} {'peak MiB':>9}")
    for name, calls, elapsed, peak in rows:
        print(f"{name:52} {calls:>10} {elapsed:>9.1f} {peak / 2**20:>9.1f}")
    ours, naive = rows
    print(f"ratio naive/interdict: API calls x{naive[1] / ours[1]:.0f}, wall time x{naive[2] / ours[2]:.0f}")


if __name__ == "__main__":
    main()
