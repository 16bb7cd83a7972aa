# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks as AWX/AAP runs them: through ansible-runner, with what a job gets from AWX.

Each job has its own private data directory, the meta variables AWX adds (awx_job_id and, for the
slices of a sliced job, the awx_workflow_job_id they share), secrets in the environment as the
credential types inject them (extensions/awx/credential_types), and artifacts from set_stats passed
to the next job as AWX passes them between workflow nodes. No AWX server runs here: this is the
part of a job that runs in the execution environment, with the same runner AWX uses.

Hosts are this machine over a local connection (a read-only audit) under several names, plus one
unreachable host. A test ban matches the `dpkg` package, so hosts are non-compliant, except those an
exception covers (exempt) and the unreachable one (unknown).
"""

from __future__ import annotations

import datetime
import json
import shutil
import sys
from pathlib import Path

import jinja2
import pytest
import yaml
from mdm_simulator import Simulator

ansible_runner = pytest.importorskip("ansible_runner")

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "INTERDICT_KASPERSKY_KES_PASSWORD": "kes-Pw-7f3a9c1e-never-shown",
    "INTERDICT_KASPERSKY_KLNAGENT_PASSWORD": "agent-Pw-2b8d4e6f-never-shown",
}
BAN = """---
id: lintban
title: Test ban on a package every Debian host has
description: Test only.
authorities:
  - name: Test authority
    date: "2026-01-01"
    reference: test
    url: https://example.org/test
platforms:
  linux:
    identifiers:
      - value: dpkg
        source: package name
        allow_broad: true
        broad_reason: a test ban that must match on every Debian host
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs a Debian host (the test ban matches dpkg)"),
]


def inventory(names, unreachable=()):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {name: dict(local) for name in names}
    for name in unreachable:
        hosts[name] = {"ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_connection": "ssh"}
    return {"all": {"hosts": hosts}}


def exceptions():
    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    return [{"hosts": ["h1", "h3"], "bans": ["lintban"], "approver": "CISO", "reason": "test", "expires": expires}]


class Job:
    """One AWX-like job: its own private data directory, extra variables, environment and limit."""

    def __init__(self, tmp_path, name, playbook, hosts, extravars, limit=None):
        self.data_dir = tmp_path / "jobs" / name
        self.data_dir.mkdir(parents=True)
        envvars = {
            "ANSIBLE_COLLECTIONS_PATH": f"{ROOT / '.collections'}:{ROOT / '.venv/lib/python3.11/site-packages'}",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_TIMEOUT": "5",
            **SECRETS,
        }
        self.thread, self.runner = ansible_runner.run_async(
            private_data_dir=str(self.data_dir),
            playbook=str(ROOT / "playbooks" / playbook),
            inventory=hosts,
            extravars=extravars,
            envvars=envvars,
            limit=limit,
            ident=name,
            quiet=True,
        )

    def wait(self):
        self.thread.join(600)
        return self

    @property
    def events(self):
        return list(self.runner.events)

    @property
    def artifacts(self):
        """What AWX keeps as the job's artifacts: set_stats data of the playbook_on_stats event."""
        stats = [e for e in self.events if e["event"] == "playbook_on_stats"]
        return stats[-1]["event_data"].get("artifact_data", {}) if stats else {}

    def everything_written(self):
        """What AWX stores of a job: its events, stdout and artifacts (the artifacts directory's files).

        Not runner's own record of its command line and environment (artifacts/<ident>/command, and env/):
        AWX keeps those in the job's private data directory, removed after the job, and masks secret
        environment values it shows (the job's job_env).
        """
        chunks = [json.dumps(self.events)]
        for path in (self.data_dir / "artifacts").rglob("*"):
            if path.is_file() and path.name != "command":
                chunks.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(chunks)


def run(tmp_path, name, playbook, hosts, extravars, limit=None):
    job = Job(tmp_path, name, playbook, hosts, extravars, limit).wait()
    assert job.runner.rc in (0, 2, 4), job.runner.stdout.read()[-3000:]
    return job


def fleet(report_dir):
    data = json.loads((report_dir / "fleet.json").read_text(encoding="utf-8"))
    return {h["host"]: (h["status"], h["per_ban"]) for h in data["hosts"]}, data


def audit_vars(report_dir, ban_file, **more):
    return {
        "interdict_report_dir": str(report_dir),
        "interdict_bans": ["lintban"],
        "interdict_ban_paths": [str(ban_file)],
        "interdict_exceptions": exceptions(),
        **more,
    }


@pytest.fixture
def ban_file(tmp_path):
    path = tmp_path / "lintban.yml"
    path.write_text(BAN, encoding="utf-8")
    return path


def test_audit_and_report_jobs_publish_stats_keep_secrets_and_land_where_configured(tmp_path, ban_file):
    report_dir = tmp_path / "shared" / "report"
    hosts = inventory(["h0", "h1", "h2"])
    audit = run(tmp_path, "audit", "audit.yml", hosts, audit_vars(report_dir, ban_file, awx_job_id=41))

    assert audit.runner.status == "successful" and audit.runner.rc == 0
    # The hosts; the controller's play for the MDMs is skipped as a whole (no MDM has settings or a credential here).
    assert sorted(audit.runner.stats["ok"]) == ["h0", "h1", "h2"] and not audit.runner.stats["failures"]
    assert audit.runner.stats["skipped"].get("localhost") == 1
    assert audit.artifacts == {"interdict_run_id": "41"}
    assert (audit.data_dir / "artifacts" / "audit" / "job_events").is_dir()

    # The workflow hands the audit's artifacts to the report job as extra variables.
    report = run(tmp_path, "report", "report.yml", hosts, {"interdict_report_dir": str(report_dir), **audit.artifacts})
    assert report.runner.status == "successful"
    stats = report.artifacts
    assert stats["interdict_summary"]["hosts"] == 3 and stats["interdict_summary"]["run_id"] == "41"
    assert stats["interdict_summary"]["by_status"]["non_compliant"] == 2
    assert stats["interdict_summary"]["by_status"]["exempt"] == 1
    assert stats["interdict_not_compliant"] == ["h0", "h2"] and stats["interdict_not_compliant_count"] == 2
    statuses, _data = fleet(report_dir)
    assert {h: s for h, (s, _b) in statuses.items()} == {"h0": "non_compliant", "h1": "exempt", "h2": "non_compliant"}
    assert {p.name for p in report_dir.iterdir()} >= {"fleet.json", "fleet.csv", "fleet.html", "hosts"}
    assert not list(audit.data_dir.rglob("fleet.json")), "the report landed in the job's private directory"

    # A bounded list: at most interdict_stats_max_hosts names, the count says how many there are.
    bounded = run(
        tmp_path,
        "report-bounded",
        "report.yml",
        hosts,
        {"interdict_report_dir": str(report_dir), "interdict_stats_max_hosts": 1, **audit.artifacts},
    )
    assert bounded.artifacts["interdict_not_compliant"] == ["h0"]
    assert bounded.artifacts["interdict_not_compliant_count"] == 2

    # Notifications: the report job fails when asked to and a host is not compliant.
    failing = run(
        tmp_path,
        "report-gate",
        "report.yml",
        hosts,
        {"interdict_report_dir": str(report_dir), "interdict_fail_on_non_compliant": True, **audit.artifacts},
    )
    assert failing.runner.status == "failed"
    assert failing.artifacts["interdict_not_compliant_count"] == 2

    for job in (audit, report, bounded, failing):
        written = job.everything_written()
        for secret in SECRETS.values():
            assert secret not in written, f"a secret reached the events or artifacts of job {job.data_dir.name}"

    # What AWX stores per host for one audit: the measure a fleet of thousands multiplies.
    per_host, per_task = {}, {}
    for event in audit.events:
        data = event.get("event_data") or {}
        size = len(json.dumps(event))
        per_host[data.get("host") or "(play)"] = per_host.get(data.get("host") or "(play)", 0) + size
        if data.get("host") == "h0":
            per_task[data.get("task")] = per_task.get(data.get("task"), 0) + size
    print("\njob event bytes per host (audit, 1 ban):", json.dumps(per_host, sort_keys=True))
    print("largest tasks for h0:", sorted(per_task.items(), key=lambda item: -item[1])[:4])


def test_an_unset_report_directory_is_one_error_before_anything_runs(tmp_path, ban_file):
    hosts = inventory(["h0", "h1"])
    extravars = audit_vars(tmp_path / "unused", ban_file, awx_job_id=42)
    del extravars["interdict_report_dir"]
    job = Job(tmp_path, "no-dir", "audit.yml", hosts, extravars).wait()
    assert job.runner.status == "failed"
    failed = [e for e in job.events if e["event"] == "runner_on_failed"]
    assert len(failed) == 1
    assert "expose /var/lib/interdict/report" in failed[0]["event_data"]["res"]["msg"]
    ran = {e["event_data"].get("task") for e in job.events if e["event"] == "runner_on_ok"}
    assert not any("nventory" in (task or "") for task in ran), "something ran before the error"


def slices(names, count):
    """AWX's slicing: host i goes to slice i mod count."""
    return [names[index::count] for index in range(count)]


def test_three_concurrent_slices_then_the_report_equal_one_unsliced_run(tmp_path, ban_file):
    names = [f"h{i}" for i in range(6)]
    hosts = inventory(names[:-1], unreachable=names[-1:])

    whole_dir = tmp_path / "whole"
    run(tmp_path, "whole", "audit.yml", hosts, audit_vars(whole_dir, ban_file, awx_job_id=300))
    run(
        tmp_path,
        "whole-report",
        "report.yml",
        hosts,
        {"interdict_report_dir": str(whole_dir), "interdict_run_id": "300"},
    )
    expected, _whole = fleet(whole_dir)

    sliced_dir = tmp_path / "sliced"
    jobs = [
        Job(
            tmp_path,
            f"slice{number}",
            "audit.yml",
            hosts,
            audit_vars(sliced_dir, ban_file, awx_job_id=501 + number, awx_workflow_job_id=500),
            limit=",".join(part),
        )
        for number, part in enumerate(slices(names, 3))
    ]
    artifacts = {}
    for job in jobs:
        job.wait()
        artifacts.update(job.artifacts)  # how AWX combines a sliced job's artifacts for the next node
    assert artifacts == {"interdict_run_id": "500"}
    run(tmp_path, "sliced-report", "report.yml", hosts, {"interdict_report_dir": str(sliced_dir), **artifacts})
    got, data = fleet(sliced_dir)

    assert got == expected
    assert {s for s, _b in got.values()} == {"non_compliant", "exempt", "unknown"}
    assert got["h5"][0] == "unknown"
    assert data["run"]["id"] == "500" and not data["errors"]


def injected_env(credential_type_file, inputs):
    """The environment AWX builds from a credential type's injectors and a credential's inputs."""
    ctype = yaml.safe_load((ROOT / "extensions" / "awx" / "credential_types" / credential_type_file).read_text())
    values = {f["id"]: f.get("default", "") for f in ctype["inputs"]["fields"]} | inputs
    return {var: jinja2.Template(template).render(values) for var, template in ctype["injectors"]["env"].items()}


def test_the_shipped_intune_source_is_an_inventory_update_with_the_credential_injected(tmp_path):
    with Simulator(devices=60) as sim:
        simulated = sim.client_env()
        env = injected_env(
            "intune.yml",
            {
                "tenant_id": simulated["INTUNE_TENANT_ID"],
                "client_id": simulated["INTUNE_CLIENT_ID"],
                "client_secret": simulated["INTUNE_CLIENT_SECRET"],
                "graph_url": simulated["INTUNE_GRAPH_URL"],
                "login_url": simulated["INTUNE_LOGIN_URL"],
            },
        )
        assert env == simulated
        out, err = ansible_runner.interface.get_inventory(
            action="list",
            inventories=[str(ROOT / "extensions" / "awx" / "inventory" / "intune.yml")],
            response_format="json",
            private_data_dir=str(tmp_path / "inventory-update"),
            envvars={
                "ANSIBLE_COLLECTIONS_PATH": f"{ROOT / '.collections'}:{ROOT / '.venv/lib/python3.11/site-packages'}",
                "ANSIBLE_INVENTORY_ENABLED": "interdict.bans.intune",
                **env,
            },
            quiet=True,
        )
        phones = {d.name for d in sim.fleet.devices if d.os in ("ios", "android")}
    assert set(out["intune_devices"]["hosts"]) == phones, err
    assert sim.client_secret not in json.dumps(out) + str(err)
