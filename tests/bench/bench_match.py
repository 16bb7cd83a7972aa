"""Benchmark: the compiled, memoised matcher against a naive loop over every rule.

Two fleets are matched against a generated 200-ban catalog:

* realistic: 10,000 hosts of 100 records each, their titles drawn from a Zipf-like
  distribution over 20,000 titles (a fleet repeats itself; banned titles among them);
* all-unique: every record a title never seen before (the memo never helps).

The naive baseline (tests/naive_matching.py: every rule of every ban tried on every
record) runs in the same process on a slice of the same records, because it is orders of
magnitude slower; rates are records per CPU second of this process (also per wall second for
the engine), and the engine must agree with the baseline.
Memory: peak traced memory while matching lazily 100,000 and 1,000,000 records of each
fleet; flat means about the same. INTERDICT_BENCH_SIZE=small runs a hundredth of it.
"""

import bisect
import itertools
import random
import time
import tracemalloc

from _collection import sized

from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from tests.naive_matching import naive_match

HOSTS = sized(10_000, 100)
PER_HOST = 100
RECORDS = HOSTS * PER_HOST
TITLES = 20_000
NAIVE_RECORDS = sized(20_000, 2_000)
BANS = 200
PLATFORMS = ("windows", "linux", "macos", "ios", "android")
rng = random.Random(20261128)


def word():
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9)))


def generated_catalog():
    bans = []
    for n in range(BANS):
        vendor, product = word().capitalize(), word().capitalize()
        spec = {
            "identifiers": [{"value": f"com.{vendor}.{product}{i}".lower(), "source": "generated"} for i in range(3)],
            "names": [
                {"pattern": f"{product}(?:\\s+(?:Pro|Lite|[0-9.]+))?", "source": "generated"},
                {"pattern": f"{vendor} {product}.*", "source": "generated"},
            ],
        }
        if n % 10 == 0:
            spec["publishers"] = [{"pattern": f"{vendor}(?: Ltd\\.?| Inc\\.?)?", "source": "generated"}]
        bans.append(
            {
                "id": f"ban{n}",
                "title": product,
                "description": "generated",
                "authorities": [{"name": "bench", "date": "2026-01-01", "reference": "bench"}],
                "platforms": {p: spec for p in PLATFORMS},
            }
        )
    return bans


def title_pool(bans, seed=3):
    """TITLES distinct (platform, name, publisher, identifier) titles; about 1% of them banned."""
    r = random.Random(seed)
    banned = [(b["platforms"]["windows"]["identifiers"][0]["value"], b["title"]) for b in bans]
    pool = []
    for i in range(TITLES):
        platform = PLATFORMS[i % 5]
        if i % 100 == 0:
            ident, name = r.choice(banned)
            pool.append((platform, name, "", ident if i % 200 else f"{{{r.getrandbits(64):016X}}}"))
        else:
            vendor = r.choice(("Acme", "Contoso", "Fabrikam"))
            pool.append((platform, f"{vendor} {i:x} Suite", "Contoso Ltd.", f"app{i}"))
    r.shuffle(pool)
    return pool


def realistic_records(pool, count, seed=7):
    """count records, a new dict each (as each host reports its own), titles drawn Zipf-like (s=1)."""
    r = random.Random(seed)
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(pool) + 1)))
    total = cumulative[-1]
    for _record in range(count):
        platform, name, publisher, ident = pool[bisect.bisect(cumulative, r.random() * total)]
        yield {
            "name": name,
            "version": "1.0",
            "publisher": publisher,
            "platform": platform,
            "source": "bench",
            "identifier": ident,
        }


def unique_records(bans, count, seed=11):
    """count records no two alike; about 1% banned titles under identifiers never seen before."""
    r = random.Random(seed)
    titles = [b["title"] for b in bans]
    for i in range(count):
        yield {
            "name": r.choice(titles) if i % 100 == 0 else f"Contoso {i:x} Suite",
            "version": "2.3",
            "publisher": "Contoso Ltd.",
            "platform": PLATFORMS[i % 5],
            "source": "bench",
            "identifier": f"com.contoso.app{i:x}",
        }


def count(iterable):
    return sum(1 for _finding in iterable)


def rate_of(bans, records):
    """Records per wall second and per CPU second, and findings, for a fresh catalog over a materialised list
    (generation not timed). On a shared machine the CPU-second rate is the one that does not move with load."""
    catalog = CompiledCatalog(bans)
    start, start_cpu = time.perf_counter(), time.process_time()
    found = count(catalog.match(records))
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return len(records) / wall, len(records) / cpu, found


def peak_memory(bans, make, records):
    catalog = CompiledCatalog(bans)
    tracemalloc.start()
    count(catalog.match(make(records)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    bans = generated_catalog()
    start = time.perf_counter()
    CompiledCatalog(bans)
    compile_s = time.perf_counter() - start
    pool = title_pool(bans)
    print(f"catalog: {BANS} bans x {len(PLATFORMS)} platforms, compiled in {compile_s * 1000:.0f} ms")
    print(f"realistic fleet: {HOSTS:,} hosts x {PER_HOST} records, titles Zipf-like over {TITLES:,}")
    fleets = {
        "realistic": lambda n: realistic_records(pool, n),
        "all-unique": lambda n: unique_records(bans, n),
    }
    for label, make in fleets.items():
        sample = list(make(NAIVE_RECORDS))
        start = time.process_time()
        naive = naive_match(sample, bans)
        naive_rate = len(sample) / (time.process_time() - start)
        assert count(CompiledCatalog(bans).match(sample)) == len(naive), f"{label}: engine and naive baseline disagree"
        records = list(make(RECORDS))
        wall_rate, engine_rate, found = rate_of(bans, records)
        del records
        print(
            f"{label:>10}: engine {engine_rate:>12,.0f} records per CPU s ({wall_rate:,.0f} per wall s; "
            f"{RECORDS:,} records, {found:,} findings); naive {naive_rate:>9,.0f} records per CPU s; "
            f"ratio {engine_rate / naive_rate:,.0f}x"
        )
    for label, make in fleets.items():
        small, large = RECORDS // 10, RECORDS
        small_peak, large_peak = peak_memory(bans, make, small), peak_memory(bans, make, large)
        print(
            f"{label:>10}: peak traced memory, lazy match: {small:,} records {small_peak / 1024:,.0f} KiB, "
            f"{large:,} records {large_peak / 1024:,.0f} KiB (ratio {large_peak / small_peak:.2f})"
        )


if __name__ == "__main__":
    main()
