"""The report directory is always chosen on purpose, and concurrent merges never lose another's hosts."""

import json
import multiprocessing
import os

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.contract import source_state
from ansible_collections.interdict.bans.plugins.plugin_utils import _report as reporting

RUN = {"id": "wf-42", "started": "2026-11-29T00:00:00Z"}


def clean_result(host):
    return reporting.host_result(
        host,
        plan={"findings": [], "steps": [], "blocks": [], "skipped": [], "exceptions": []},
        bans=[{"id": "kaspersky"}],
        sources=[source_state("dpkg", "read", 1)],
        run=RUN,
    )


def test_the_report_directory_given_wins():
    assert reporting.resolve_report_dir("/srv/r", {"INTERDICT_REPORT_DIR": "/env"}, under_awx=True) == "/srv/r"


def test_the_environment_comes_next():
    assert reporting.resolve_report_dir("", {"INTERDICT_REPORT_DIR": "/env"}, under_awx=False) == "/env"


def test_no_directory_outside_awx_is_one_clear_error_never_the_current_directory():
    with pytest.raises(ValueError, match="set interdict_report_dir"):
        reporting.resolve_report_dir("", {"PWD": os.getcwd()}, under_awx=False)


def test_in_awx_the_documented_path_must_be_visible(monkeypatch, tmp_path):
    monkeypatch.setattr(reporting, "AWX_REPORT_DIR", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"expose .*missing"):
        reporting.resolve_report_dir("", {}, under_awx=True)
    monkeypatch.setattr(reporting, "AWX_REPORT_DIR", str(tmp_path))
    assert reporting.resolve_report_dir("", {}, under_awx=True) == str(tmp_path)


def _hold_lock(report_dir, locked, release):
    with reporting.fleet_lock(report_dir):
        locked.set()
        release.wait(30)


def _merge(report_dir, hosts):
    for host in hosts:
        reporting.write_host_result(report_dir, clean_result(host))
        reporting.write_fleet(report_dir, hosts, run_id=RUN["id"])


def test_a_merge_waits_for_the_lock_another_process_holds(tmp_path):
    # fcntl locks belong to processes: Ansible runs each task in a forked worker, so processes are what matter.
    ctx = multiprocessing.get_context("fork")
    locked, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), locked, release))
    holder.start()
    assert locked.wait(30)
    merger = ctx.Process(target=_merge, args=(str(tmp_path), ["web01"]))
    merger.start()
    merger.join(1.0)
    assert merger.is_alive(), "the merge did not wait for the lock"
    assert not (tmp_path / "fleet.json").exists()
    release.set()
    holder.join(30)
    merger.join(30)
    assert merger.exitcode == 0
    assert [h["host"] for h in json.loads((tmp_path / "fleet.json").read_text())["hosts"]] == ["web01"]


def test_concurrent_slices_each_merging_keep_every_host(tmp_path):
    ctx = multiprocessing.get_context("fork")
    slices = [[f"s{n}-h{i:02d}" for i in range(12)] for n in range(3)]
    workers = [ctx.Process(target=_merge, args=(str(tmp_path), hosts)) for hosts in slices]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    fleet = json.loads((tmp_path / "fleet.json").read_text())
    # The last merge to finish read every slice's results: no slice dropped or staled another's hosts.
    assert sorted(h["host"] for h in fleet["hosts"]) == sorted(h for hosts in slices for h in hosts)
    assert {h["status"] for h in fleet["hosts"]} == {"compliant"}
