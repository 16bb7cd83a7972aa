"""Benchmark: what an audit costs per host beyond reading its inventory.

On N inventory hosts that all are this machine (local connection, 5 forks), in one run:

* facts:   a bare play of one interdict.bans.software_facts task per host (the floor: every
           audit has to read the inventory once);
* audit:   the interdict.bans.audit playbook (every bundled ban);
* enforce: the interdict.bans.enforce playbook with nothing to remove, with blocks off
           (they would write this machine's own apt configuration), so the plan is empty.

Prints wall times and their ratios to the facts play (targets: audit <= 1.5x, enforce <= 2x),
then the bytes of job events ansible-runner records for a one-host audit and for each further
audited host (what grows with the fleet; target <= 20 KiB), beside the same for the bare facts
play, and the largest events. Nothing is asserted on
time; the run fails only when a playbook fails. INTERDICT_BENCH_SIZE=small uses 2 hosts.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _collection import ROOT, sized

HOSTS = sized(50, 2)
FORKS = 5
BIN = Path(sys.executable).parent
PLAYBOOKS = Path(ROOT) / "playbooks"
FACTS_PLAY = """\
- name: Read the software inventory
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather the software inventory
      interdict.bans.software_facts:
"""


def inventory(path, hosts):
    lines = ["all:", "  vars:", "    ansible_connection: local", f"    ansible_python_interpreter: {sys.executable}"]
    lines += ["  hosts:"] + [f"    bench{i:03d}:" for i in range(hosts)]
    path.write_text("\n".join(lines) + "\n")
    return path


def environment(tmp):
    collections = f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages"
    return dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=collections,
        ANSIBLE_FORKS=str(FORKS),
        ANSIBLE_NOCOLOR="1",
        INTERDICT_REPORT_DIR=str(tmp / "report"),
        PATH=f"{BIN}:{os.environ.get('PATH', '')}",
    )


def wall(playbook, hosts_file, env, *extra):
    start = time.perf_counter()
    run = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(hosts_file), str(playbook), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-4000:] + run.stderr[-2000:])
        raise SystemExit(f"{playbook} failed with rc={run.returncode}")
    return seconds


def job_events(playbook, tmp, env, name, hosts=1):
    """Bytes and number of the job events ansible-runner records for a run over ``hosts`` hosts, and the largest."""
    import ansible_runner  # only this part needs it

    data = tmp / f"runner-{name}"
    (data / "inventory").mkdir(parents=True)
    inventory(data / "inventory" / "hosts.yml", hosts)
    runner_env = {key: env[key] for key in ("ANSIBLE_COLLECTIONS_PATH", "INTERDICT_REPORT_DIR", "PATH")}
    result = ansible_runner.run(
        private_data_dir=str(data), playbook=str(playbook), envvars=runner_env, quiet=True, ident=name
    )
    if result.rc != 0:
        raise SystemExit(f"ansible-runner: {playbook} failed with rc={result.rc}")
    files = sorted((data / "artifacts" / name / "job_events").glob("*.json"))
    sizes = []
    for file in files:
        event = json.loads(file.read_text())
        task = event.get("event_data", {}).get("task", "")
        sizes.append((file.stat().st_size, f"{event['event']} {task}".strip()))
    return sum(size for size, _what in sizes), len(files), sorted(sizes, reverse=True)[:3]


def main():
    with tempfile.TemporaryDirectory(prefix="interdict-bench-audit-") as name:
        tmp = Path(name)
        hosts_file = inventory(tmp / "hosts.yml", HOSTS)
        facts_play = tmp / "facts.yml"
        facts_play.write_text(FACTS_PLAY)
        env = environment(tmp)
        facts_s = wall(facts_play, hosts_file, env)
        audit_s = wall(PLAYBOOKS / "audit.yml", hosts_file, env)
        enforce_s = wall(PLAYBOOKS / "enforce.yml", hosts_file, env, "-e", "interdict_enable_blocks=false")
        facts_bytes, facts_events, _largest = job_events(facts_play, tmp, env, "facts")
        audit_bytes, audit_events, largest = job_events(PLAYBOOKS / "audit.yml", tmp, env, "audit")
        audit3_bytes, _events, _largest = job_events(PLAYBOOKS / "audit.yml", tmp, env, "audit3", hosts=3)
        facts3_bytes, _events, _largest = job_events(facts_play, tmp, env, "facts3", hosts=3)
    print(f"{HOSTS} hosts (local connection, this machine), forks={FORKS}, one run:")
    print(f"  bare software_facts play: {facts_s:6.1f} s")
    print(f"  audit playbook:           {audit_s:6.1f} s  ({audit_s / facts_s:.2f}x the facts play; target <= 1.5x)")
    print(
        f"  enforce, nothing to remove (blocks off): {enforce_s:6.1f} s  "
        f"({enforce_s / facts_s:.2f}x the facts play; target <= 2x)"
    )
    print("job events recorded by ansible-runner (default settings):")
    print(f"  one-host run, bare software_facts play: {facts_bytes / 1024:6.1f} KiB in {facts_events} events")
    print(f"  one-host run, audit playbook:           {audit_bytes / 1024:6.1f} KiB in {audit_events} events")
    for size, what in largest:
        print(f"    largest: {size / 1024:5.1f} KiB  {what}")
    audit_more, facts_more = (audit3_bytes - audit_bytes) / 2048, (facts3_bytes - facts_bytes) / 2048
    print(
        f"  each further host (3-host run less the one-host run, halved): audit {audit_more:.1f} KiB, "
        f"bare facts play {facts_more:.1f} KiB (target <= 20 KiB per audited host)"
    )


if __name__ == "__main__":
    main()
