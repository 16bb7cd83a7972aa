"""Benchmark: the compiled matcher against a naive loop over every rule.

1,000,000 generated records are matched against a generated 200-ban catalog.
The naive baseline (tests/naive_matching.py: every rule of every ban tried on
every record) runs in the same process on a slice of the same records, because
it is two orders of magnitude slower; both rates are records per second.
Memory: peak traced memory while matching lazily 100,000 and 1,000,000
records; flat means the same.
"""

import random
import time
import tracemalloc

import _collection  # noqa: F401  pylint: disable=unused-import

from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from tests.naive_matching import naive_match

RECORDS = 1_000_000
NAIVE_RECORDS = 20_000
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


def generated_records(bans, count, seed=7):
    r = random.Random(seed)
    banned = [(b["platforms"]["windows"]["identifiers"][0]["value"], b["title"]) for b in bans]
    for i in range(count):
        platform = PLATFORMS[i % 5]
        if r.random() < 0.01:
            ident, name = r.choice(banned)
            if r.random() < 0.5:
                ident = f"{{{r.getrandbits(64):016X}}}"
            yield {
                "name": name,
                "version": "1.0",
                "publisher": "",
                "platform": platform,
                "source": "bench",
                "identifier": ident,
            }
        else:
            yield {
                "name": f"{r.choice(('Acme', 'Contoso', 'Fabrikam'))} {r.getrandbits(32):x} Suite",
                "version": "2.3",
                "publisher": "Contoso Ltd.",
                "platform": platform,
                "source": "bench",
                "identifier": f"com.contoso.app{r.getrandbits(40):x}",
            }


def count(iterable):
    return sum(1 for _finding in iterable)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_memory(catalog, bans, records):
    tracemalloc.start()
    found = count(catalog.match(generated_records(bans, records)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return found, peak


def main():
    bans = generated_catalog()
    catalog, compile_s = timed(lambda: CompiledCatalog(bans))
    found, engine_s = timed(lambda: count(catalog.match(generated_records(bans, RECORDS))))
    sample = list(generated_records(bans, NAIVE_RECORDS))
    naive, naive_s = timed(lambda: naive_match(sample, bans))
    engine_sample = count(catalog.match(sample))
    assert engine_sample == len(naive), "engine and naive baseline disagree"
    engine_rate, naive_rate = RECORDS / engine_s, NAIVE_RECORDS / naive_s
    print(f"catalog: {BANS} bans x {len(PLATFORMS)} platforms, compiled in {compile_s * 1000:.0f} ms")
    print(
        f"compiled engine: {RECORDS:,} records in {engine_s:.2f} s = {engine_rate:,.0f} records/s ({found:,} findings)"
    )
    print(f"naive loop:      {NAIVE_RECORDS:,} records in {naive_s:.2f} s = {naive_rate:,.0f} records/s")
    print(f"ratio (engine / naive records per second): {engine_rate / naive_rate:.1f}x")
    _found_small, small_peak = peak_memory(catalog, bans, RECORDS // 10)
    _found_large, large_peak = peak_memory(catalog, bans, RECORDS)
    print(
        f"peak traced memory, lazy match: {RECORDS // 10:,} records {small_peak / 1024:.0f} KiB, "
        f"{RECORDS:,} records {large_peak / 1024:.0f} KiB (ratio {large_peak / small_peak:.2f})"
    )


if __name__ == "__main__":
    main()
