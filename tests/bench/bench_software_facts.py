"""Benchmark: software_facts reads dpkg with one process, against one process per package.

Both run in the same process on this machine's real dpkg database: the module's way (one
`dpkg-query -W` for every package, then parse_dpkg) and the naive way a per-package facts
script takes (`dpkg-query -W <package>` once per package, on a slice of the packages because
it is slow). Rates are packages per second. The parser alone is then timed on 50,000 and 500,000
lines in the real dpkg-query format, to show it stays linear (a tenth of each under
INTERDICT_BENCH_SIZE=small).
"""

import shutil
import subprocess
import sys
import time

from _collection import sized

from ansible_collections.interdict.bans.plugins.module_utils.facts_linux import DPKG_FORMAT, parse_dpkg

NAIVE_PACKAGES = sized(100, 10)
PARSE_LINES = sized((50_000, 500_000), (5_000, 50_000))


def one_call():
    output = subprocess.run(["dpkg-query", "-W", "-f=" + DPKG_FORMAT], capture_output=True, text=True, check=True)
    return parse_dpkg(output.stdout)


def one_call_per_package(names):
    records = []
    for name in names:
        output = subprocess.run(
            ["dpkg-query", "-W", "-f=" + DPKG_FORMAT, name], capture_output=True, text=True, check=True
        )
        records.extend(parse_dpkg(output.stdout))
    return records


def rate(count, seconds):
    return count / seconds if seconds else float("inf")


def main():
    if not shutil.which("dpkg-query"):
        print("SKIPPED: dpkg-query is not installed on this machine; the benchmark needs a real dpkg database")
        return 0
    start = time.perf_counter()
    records = one_call()
    batched = rate(len(records), time.perf_counter() - start)

    names = [record["identifier"] for record in records[:NAIVE_PACKAGES]]
    start = time.perf_counter()
    naive_records = one_call_per_package(names)
    naive = rate(len(naive_records), time.perf_counter() - start)
    assert [r["identifier"] for r in naive_records] == names, "both ways must read the same packages"

    print(f"dpkg packages on this machine: {len(records)}")
    print(f"one dpkg-query for all packages: {batched:,.0f} packages/s")
    print(f"one dpkg-query per package ({len(names)} packages): {naive:,.0f} packages/s")
    print(f"ratio: {batched / naive:,.1f}x")

    line = "kesl\tamd64\t12.1.0.1297\tinstall ok installed\tAO Kaspersky Lab <support@kaspersky.com>"
    for count in PARSE_LINES:
        text = "\n".join(line.replace("\t", "%d\t" % i, 1) for i in range(count))
        start = time.perf_counter()
        parsed = len(parse_dpkg(text))
        seconds = time.perf_counter() - start
        print(f"parse_dpkg, {count:,} lines: {rate(parsed, seconds):,.0f} records/s ({seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
