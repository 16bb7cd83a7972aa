# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A generated fleet for the report's browser tests and benchmark: real host results, many hosts, several runs.

Every record comes from the collection's own ``host_result`` over plans from its own planner (a few plan
shapes, reused across hosts), so the report under test is the one a real run writes. Each run fixes more
hosts than the one before, so the trend and the changes have something to show. A few hosts carry
hostile names (markup, quotes, new lines, a right-to-left override).
"""

from __future__ import annotations

import random

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import source_state
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _report

HOSTILE = [
    "</script><script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "quote\"and'apostrophe",
    "new\nline",
    "rtl\u202egnp.exe",
    "=cmd|' /C calc'!A0",
]
BANS = load_bans(["kaspersky", "wechat", "tiktok"])
PLATFORMS = ("linux", "windows", "macos", "ios", "android")
EXCEPTION = {
    "hosts": ["lab-00007"],
    "bans": ["kaspersky"],
    "approver": "CISO office (ticket SEC-1)",
    "reason": "malware research lab",
    "expires": "2026-12-31",
}


def _plans(evil_name, today):
    """The plan shapes the fleet reuses: clean, Kaspersky found, hostile software found, exempt."""
    records = [
        {"name": "kesl", "identifier": "kesl", "platform": "linux", "source": "dpkg"},
        {"name": evil_name, "identifier": "kesl", "platform": "linux", "source": "dpkg", "publisher": "Kaspersky"},
    ]
    found = match(records[:1], BANS)
    hostile = match(records[1:], BANS)
    plan = _planning.removal_plan
    return {
        "clean": plan([], BANS, host="h", sources=["dpkg"], now=today),
        "found": plan(found, BANS, host="h", sources=["dpkg"], now=today),
        "hostile": plan(hostile, BANS, host="h", sources=["dpkg"], now=today),
        "exempt": plan(found, BANS, host="lab-00007", sources=["dpkg"], exceptions=[EXCEPTION], now=today),
    }


def host_names(count):
    names = [f"lab-{index:05d}" for index in range(count - len(HOSTILE))]
    return names + HOSTILE[: max(0, min(len(HOSTILE), count))]


def fleet_results(count, run_index, runs=3, seed=7):
    """(results, expected hosts) of run ``run_index`` (0-based) of ``runs``, for ``count`` hosts."""
    day = f"2026-11-{27 + run_index:02d}"
    today = day if run_index < runs - 1 else "2027-01-02"  # the exception expires before the last run
    plans = _plans(HOSTILE[0], today)
    run = {"id": f"run-{run_index + 1}", "started": f"{day}T01:00:00Z"}
    rng = random.Random(seed)
    results = []
    hosts = host_names(count)
    for index, host in enumerate(hosts):
        roll = rng.random()
        platform = PLATFORMS[index % len(PLATFORMS)]
        sources = [source_state("dpkg", "read", 100)]
        extra = {}
        if platform in ("ios", "android"):
            ownership = "personal" if index % 7 else "corporate"
            extra = {"source": "mdm", "mdm": {"provider": "intune", "ownership": ownership}}
        # Each run fixes a share of the hosts that had banned software.
        fixed = roll < 0.10 * run_index
        kind = "found" if roll < 0.12 and not fixed else "clean"
        if host in HOSTILE:
            kind = "hostile"
        elif host == "lab-00007":
            kind = "exempt"
        if roll > 0.985:
            continue  # unreachable: expected, but wrote no result
        if roll > 0.96:
            sources = [source_state("dpkg", "failed", 0, "dpkg-query exited 2")]
        if kind == "clean" and fixed:
            results.append(_fixed(host, plans["found"], run, platform, sources, extra))
            continue
        results.append(
            _report.host_result(
                host,
                plan=plans[kind],
                mode="audit",
                platform=platform,
                bans=BANS,
                sources=sources,
                run=run,
                extra=extra,
                timestamp=f"{day}T02:{index % 60:02d}:00Z",
            )
        )
    return results, hosts


def _fixed(host, plan, run, platform, sources, extra):
    actions = [{"step": step["id"], "outcome": "ok", "rc": 0, "msg": ""} for step in plan["steps"]]
    return _report.host_result(
        host,
        plan=plan,
        actions=actions,
        remaining=[],
        verified=True,
        mode="enforce",
        platform=platform,
        bans=BANS,
        sources=sources,
        run=run,
        extra=extra,
        timestamp=f"{run['started'][:10]}T03:00:00Z",
    )


def write_runs(report_dir, count, runs=3):
    """Write ``runs`` runs of ``count`` hosts into ``report_dir`` the way the engine does; return the last fleet."""
    fleet = None
    for run_index in range(runs):
        results, hosts = fleet_results(count, run_index, runs)
        for result in results:
            _report.write_host_result(report_dir, result)
        fleet, _changed = _report.write_fleet(report_dir, hosts, run_id=f"run-{run_index + 1}")
    return fleet
