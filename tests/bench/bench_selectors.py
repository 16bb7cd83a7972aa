"""Benchmark: selectors over 100,000 generated devices beside plain Python predicates doing the same tests.

Each selector is compiled once (``_selectors.compile_selector`` caches per distinct expression) and
evaluated by ``_selectors.matches`` against each device's view, as the planner does; the baseline is a
hand-written Python function that makes the same decision on the same views, in the same run. Both are
printed in microseconds per device, with the ratio. The answers of the two are compared, so a selector
and its baseline cannot drift apart unseen. Compiling the expression anew for every device (no cache)
(parse and the checks of the rule) is measured on a slice, to show what compiling once saves.

Sizes: ``--small`` (2,000 devices, for CI) or ``BENCH_SELECTORS_DEVICES``; 100,000 by default.
"""

import os
import random
import sys
import time

from _collection import SMALL

from ansible_collections.interdict.bans.plugins.plugin_utils import _selectors

DEVICES = 2_000 if SMALL or "--small" in sys.argv else int(os.environ.get("BENCH_SELECTORS_DEVICES", "100000"))
UNCACHED_SLICE = min(DEVICES, 2_000)
NOW = "2026-11-29"
CATEGORIES = ("Head office", "Liaison office", "Field office", "")
rng = random.Random(20261129)


def devices(count):
    views = []
    for index in range(count):
        platform = rng.choice(("ios", "android", "windows", "macos", "linux"))
        views.append(
            _selectors.view(
                f"DEV-{index:06d}",
                platform=platform,
                os_version=rng.choice(("18.1.1", "14", "10.0.22631", "15.1")),
                ownership=rng.choice(("company", "personal")),
                supervised=rng.random() < 0.5 if platform == "ios" else None,
                enrollment=rng.choice(("userEnrollment", "appleBulkWithUser", "androidEnterpriseFullyManaged")),
                user=f"user{index % 5000:04d}@contoso.example",
                category=CATEGORIES[index % len(CATEGORIES)],
                groups=rng.sample(("lab", "liaison", "laptops", "kiosk", "vip"), rng.randint(0, 3)),
                mdm="intune" if platform in ("ios", "android") else "",
                last_seen=f"2026-{rng.randint(8, 11):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
            )
        )
    return views


def _days_since(value):
    import datetime

    return (datetime.date.fromisoformat(NOW) - datetime.date.fromisoformat(value[:10])).days


# (selector, the same test in plain Python)
CASES = [
    ("ownership == 'personal'", lambda v: v["ownership"] == "personal"),
    (
        "category == 'Liaison office' && (platform == 'ios' || platform == 'android')",
        lambda v: v["category"] == "Liaison office" and v["platform"] in ("ios", "android"),
    ),
    ("contains(groups, 'lab') && platform == 'android'", lambda v: "lab" in v["groups"] and v["platform"] == "android"),
    (
        "glob(name, 'dev-00*') || supervised == `true`",
        lambda v: v["name"].lower().startswith("dev-00") or v["supervised"] is True,
    ),
    ("days_since(last_seen) > `60`", lambda v: _days_since(v["last_seen"]) > 60),
]


def per_device(seconds, count):
    return seconds / count * 1e6


def main():
    views = devices(DEVICES)
    print(f"{DEVICES:,} generated device views; each selector compiled once, evaluated per device")
    print(f"{'selector':<82} {'selector us/dev':>15} {'python us/dev':>14} {'ratio':>7} {'matched':>8}")
    for expression, predicate in CASES:
        _selectors.compile_selector(expression, "scope")
        start = time.perf_counter()
        answers = [_selectors.matches(expression, view, "scope", NOW) for view in views]
        selector_time = time.perf_counter() - start
        start = time.perf_counter()
        expected = [predicate(view) for view in views]
        python_time = time.perf_counter() - start
        if answers != expected:
            raise SystemExit(f"the selector and its Python baseline disagree: {expression}")
        ratio = selector_time / python_time
        print(
            f"{expression:<82} {per_device(selector_time, DEVICES):>15.2f} "
            f"{per_device(python_time, DEVICES):>14.2f} {ratio:>6.1f}x {sum(answers):>8,}"
        )
    from jmespath.parser import Parser

    expression = CASES[1][0]
    start = time.perf_counter()
    for view in views[:UNCACHED_SLICE]:
        Parser.purge()  # jmespath keeps parsed expressions too: without both caches, each device pays the parse
        _selectors._compile_selector.__wrapped__(expression, "scope").search(view)
    uncached = per_device(time.perf_counter() - start, UNCACHED_SLICE)
    start = time.perf_counter()
    for view in views[:UNCACHED_SLICE]:
        _selectors.matches(expression, view, "scope", NOW)
    cached = per_device(time.perf_counter() - start, UNCACHED_SLICE)
    print(
        f"parsed and checked anew per device (no cache, {UNCACHED_SLICE:,} devices): {uncached:.2f} us/dev, "
        f"compiled once: {cached:.2f} us/dev ({uncached / cached:.1f}x)"
    )


if __name__ == "__main__":
    main()
