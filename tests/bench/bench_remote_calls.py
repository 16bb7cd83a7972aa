# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remote calls per host and wall time: the ban roles against a naive role, on real containers.

Starts a handful of lab containers carrying the banned packages (tests/lab/lab.py),
then, in one run:

* audit:   the interdict.bans.audit playbook (every ban in one engine pass), the three ban
           roles in audit mode (one engine pass each), and the naive role (tests/bench/naive_role:
           package_facts, one apt task per banned package, one copy per pin file) under --check;
* enforce: the same three on fresh containers each time.

Module executions on the targets and low-level commands sent to them are counted per host
by a callback (tests/lab/callback_plugins/remote_calls.py) from the real runs; wall time is
the whole ansible-playbook run over all containers at once. Prints ratios naive/roles; asserts
nothing about time. Exits non-zero only when a run fails or leaves banned packages behind,
because then the numbers would compare different work.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parents[1]
LAB_DIR = ROOT / "tests" / "lab"
sys.path.insert(0, str(LAB_DIR))
sys.path.insert(0, str(LAB_DIR / "callback_plugins"))

# Both live in tests/lab. Import sorting is off: "lab" is also the name of a folder the demo
# creates at the repository root, which would make their order depend on whether it exists.
# isort: off
import lab  # noqa: E402
from _collection import sized  # noqa: E402
from remote_calls import read_counts  # noqa: E402

# isort: on

PLAYBOOKS = {"audit": ROOT / "playbooks" / "audit.yml", "enforce": ROOT / "playbooks" / "enforce.yml"}
ROLES_PLAYBOOK = BENCH_DIR / "remote_calls_roles.yml"
WAYS = ("playbook", "roles", "naive")
NAIVE_PLAYBOOK = BENCH_DIR / "remote_calls_naive.yml"


def run_playbook(playbook, inventory, env, extra_args=()):
    """Run one playbook over every lab host; return (seconds, counts per host)."""
    with tempfile.TemporaryDirectory(prefix="interdict-bench-") as tmp:
        log = Path(tmp) / "calls.log"
        run_env = dict(
            env,
            ANSIBLE_CALLBACK_PLUGINS=str(LAB_DIR / "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="remote_calls",
            INTERDICT_REMOTE_CALLS_LOG=str(log),
            INTERDICT_REPORT_DIR=str(Path(tmp) / "report"),
        )
        argv = [lab.tool("ansible-playbook"), "-i", str(inventory), str(playbook), *extra_args]
        start = time.perf_counter()
        result = subprocess.run(argv, env=run_env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-2000:])
            raise SystemExit(f"{playbook.name} {' '.join(extra_args)} failed with rc={result.returncode}")
        return seconds, read_counts(log)


def banned_left(hosts, env):
    """Banned lab packages dpkg still knows of, per host."""
    left = {}
    for host in hosts:
        result = subprocess.run(
            ["podman", "exec", host, "dpkg-query", "-W", "-f=${Package}\n", *lab.build_debs.BANNED],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        left[host] = result.stdout.split()
    return left


def per_host(counts, hosts, key):
    values = [counts.get(host, {}).get(key, 0) for host in hosts]
    return statistics.mean(values), min(values), max(values)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=sized(3, 1), help="lab containers (%(default)s)")
    args = parser.parse_args(argv)
    hosts = [f"interdict-bench-{i}" for i in range(1, args.hosts + 1)]
    with tempfile.TemporaryDirectory(prefix="interdict-bench-inv-") as tmp:
        inventory = Path(tmp) / "inventory.yml"
        env = lab.up(hosts, inventory)
        env = dict(env, ANSIBLE_FORKS=str(len(hosts)))
        try:
            runs = {}
            runs["audit", "playbook"] = run_playbook(PLAYBOOKS["audit"], inventory, env)
            runs["audit", "roles"] = run_playbook(ROLES_PLAYBOOK, inventory, env, ["-e", "bench_mode=audit"])
            runs["audit", "naive"] = run_playbook(NAIVE_PLAYBOOK, inventory, env, ["--check"])
            if any(banned_left(hosts, env)[h] != list(lab.build_debs.BANNED) for h in hosts):
                raise SystemExit("an audit changed the hosts")
            runs["enforce", "playbook"] = run_playbook(PLAYBOOKS["enforce"], inventory, env)
            left_playbook = banned_left(hosts, env)
            lab.up(hosts, inventory)  # fresh containers with the banned packages again
            runs["enforce", "roles"] = run_playbook(ROLES_PLAYBOOK, inventory, env, ["-e", "bench_mode=enforce"])
            left_roles = banned_left(hosts, env)
            lab.up(hosts, inventory)  # fresh containers with the banned packages again
            runs["enforce", "naive"] = run_playbook(NAIVE_PLAYBOOK, inventory, env)
            left_naive = banned_left(hosts, env)
        finally:
            lab.down(hosts, inventory)
    for name, left in (("playbook", left_playbook), ("roles", left_roles), ("naive", left_naive)):
        if any(left.values()):
            raise SystemExit(f"enforce with the {name} left banned packages: {left}")

    print(f"remote calls per host and wall time, {len(hosts)} Debian containers, forks={len(hosts)}")
    print("playbook: interdict.bans.audit/enforce, every ban in one pass; roles: one role per ban")
    print(f"{'':26}{'playbook':>10}{'roles':>10}{'naive':>10}{'naive/playbook':>16}{'naive/roles':>13}")
    for mode in ("audit", "enforce"):
        for key, label in (("modules", "module runs/host"), ("commands", "commands/host")):
            stats = {way: per_host(runs[mode, way][1], hosts, key) for way in WAYS}
            means = {way: stats[way][0] for way in WAYS}
            spread = "" if all(low == high for _mean, low, high in stats.values()) else "  (varies per host)"
            ratios = [means["naive"] / means[way] if means[way] else float("inf") for way in ("playbook", "roles")]
            print(
                f"{mode:8}{label:>18}"
                + "".join(f"{means[way]:10.1f}" for way in WAYS)
                + f"{ratios[0]:15.2f}x{ratios[1]:12.2f}x{spread}"
            )
        seconds = {way: runs[mode, way][0] for way in WAYS}
        print(
            f"{mode:8}{'wall s, all hosts':>18}"
            + "".join(f"{seconds[way]:10.1f}" for way in WAYS)
            + f"{seconds['naive'] / seconds['playbook']:15.2f}x{seconds['naive'] / seconds['roles']:12.2f}x"
        )
    print("module runs per host, by module:")
    for (mode, who), (_seconds, counts) in sorted(runs.items()):
        by_module = counts.get(hosts[0], {}).get("by_module", {})
        print(f"  {mode:8}{who:6} " + ", ".join(f"{name} {n}" for name, n in sorted(by_module.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
