"""Run the bad-input corpus (cases.py, calls.py) through the public entry points.

Every case gives exactly one clear error (the exact text in the corpus) or its documented safe
outcome; an exception of any other type (KeyError, TypeError, RecursionError, ...) fails the case as
a raw exception. The resource cases also run in a child process that measures their time and memory.
"""

import json
import os
import socket
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError, AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader

from ansible_collections.interdict.bans.plugins.filter.intune import intune_device_results
from ansible_collections.interdict.bans.plugins.filter.match import match
from ansible_collections.interdict.bans.plugins.filter.mdm import mdm_plans, mdm_results
from ansible_collections.interdict.bans.plugins.filter.plan import host_result, removal_plan
from ansible_collections.interdict.bans.plugins.module_utils.catalog import BUNDLED_DIR, load_bans
from ansible_collections.interdict.bans.plugins.plugin_utils import _report, _report_html

from .calls import CALLS, SAFE_CALLS, hostile_results
from .cases import BAN_CASES, GOOD_RESULT, RESOURCE, RESULT_CASES, SAFE_BAN_CASES, SPECIAL_CASES

HERE = os.path.dirname(os.path.abspath(__file__))
CLEAR_ERRORS = (AnsibleLookupError, AnsibleFilterError)
# CPU time is the work a case costs, whatever else the machine is doing; wall time only has to show
# that nothing waits (a FIFO, a device file), so its bound is wide enough for a loaded CI machine.
CPU_LIMIT_S = 2.0
WAIT_LIMIT_S = 20.0
MEMORY_LIMIT_MB = 200

BANS = load_bans()
FINDINGS = match([{"identifier": "kesl", "name": "kesl", "platform": "linux", "source": "dpkg"}], BANS)
PLAN = removal_plan(FINDINGS, BANS, host="h")


def lookup(tmp_path):
    loader = DataLoader()
    loader.set_basedir(str(tmp_path))
    return lookup_loader.get("interdict.bans.catalog", loader=loader, templar=None)


def write_case(tmp_path, content, name="case.yml"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def make_special(tmp_path, kind):
    """The special file of a SPECIAL_CASES kind, named *.yml; returns (path given, path in the error)."""
    path = tmp_path / "special.yml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind == "devzero":
        os.symlink("/dev/zero", path)
    elif kind == "directory":
        path.mkdir()
        # Given as a folder it is expanded; inside a folder it is a file that is not regular.
        outer = tmp_path / "folder"
        outer.mkdir()
        os.rename(path, outer / "special.yml")
        return str(outer), str(outer / "special.yml")
    elif kind == "dangling":
        os.symlink(tmp_path / "nowhere", path)
    elif kind == "missing":
        pass
    return str(path), str(path)


def expect_one_error(call, expected):
    """Run ``call``; it must raise one clear error whose whole text is ``expected``."""
    message = None
    try:
        result = call()
    except CLEAR_ERRORS as exc:
        message = str(exc)
    except Exception as exc:  # any other type is the failure this corpus exists to catch
        pytest.fail(f"raw exception {type(exc).__name__}: {str(exc)[:300]}")
    else:
        pytest.fail(f"accepted silently, returned {str(result)[:200]}")
    assert message == expected
    assert "\n" not in message and "Traceback" not in message


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.is_file() and p.stat().st_mtime_ns) for p in folder.rglob("*"))


@pytest.mark.parametrize(("case", "content", "expected"), BAN_CASES, ids=[c[0] for c in BAN_CASES])
def test_ban_file(tmp_path, case, content, expected):
    path = write_case(tmp_path, content)
    before = snapshot(tmp_path)
    expect_one_error(
        lambda: lookup(tmp_path).run([], ban_paths=[str(path)]),
        expected.replace("{path}", str(path)).replace("{bundled}", BUNDLED_DIR),
    )
    assert snapshot(tmp_path) == before, "loading a ban file changed files"


@pytest.mark.parametrize(("case", "content", "check"), SAFE_BAN_CASES, ids=[c[0] for c in SAFE_BAN_CASES])
def test_ban_file_safe_outcome(tmp_path, case, content, check):
    path = write_case(tmp_path, content)
    assert check(lookup(tmp_path).run([], ban_paths=[str(path)]))


@pytest.mark.parametrize(("case", "kind", "expected"), SPECIAL_CASES, ids=[c[0] for c in SPECIAL_CASES])
def test_special_file(tmp_path, case, kind, expected):
    given, shown = make_special(tmp_path, kind)
    expect_one_error(lambda: lookup(tmp_path).run([], ban_paths=[given]), expected.replace("{path}", shown))


def resolve(value):
    """Put the shared bans (or the Kaspersky ban alone), findings and plan in place of their placeholders."""
    if value == "{BANS}":
        return BANS
    if value == "{KASPERSKY}":
        return [ban for ban in BANS if ban["id"] == "kaspersky"]
    if value == "{FINDINGS}":
        return FINDINGS
    if value == "{PLAN}":
        return PLAN
    if value == "{HOSTILE_RESULTS}":
        return hostile_results()
    if value == "{PHONES}":
        return {"provider": "intune", "devices": [{"id": "d1", "host": "p1", "platform": "ios"}], "findings": []}
    if isinstance(value, tuple):
        return tuple(resolve(item) for item in value)
    return value


def entry_point(name, tmp_path):
    return {
        "lookup": lambda *args, **kwargs: lookup(tmp_path).run(*args, **kwargs),
        "match": match,
        "removal_plan": removal_plan,
        "host_result": host_result,
        "result_filename": lambda results: [_report.result_filename(result) for result in results],
        "render_csv": _report.render_csv,
        "fleet_page": lambda results: _report_html.render_html(_report.merge_fleet(results)),
        "fleet_csv": lambda results: _report.render_csv(_report.merge_fleet(results)),
        "mdm_plans": mdm_plans,
        "mdm_results": mdm_results,
        "intune_device_results": intune_device_results,
    }[name]


@pytest.mark.parametrize(("case", "name", "args", "kwargs", "expected"), CALLS, ids=[c[0] for c in CALLS])
def test_call(tmp_path, case, name, args, kwargs, expected):
    function = entry_point(name, tmp_path)
    expect_one_error(lambda: function(*resolve(args), **kwargs), expected)


@pytest.mark.parametrize(("case", "name", "args", "kwargs", "check"), SAFE_CALLS, ids=[c[0] for c in SAFE_CALLS])
def test_call_safe_outcome(tmp_path, case, name, args, kwargs, check):
    assert check(entry_point(name, tmp_path)(*resolve(args), **kwargs))


@pytest.mark.parametrize(("case", "content", "expected"), RESULT_CASES, ids=[c[0] for c in RESULT_CASES])
def test_result_file(tmp_path, case, content, expected):
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    (hosts / "web01@kaspersky.json").write_text(json.dumps(GOOD_RESULT))
    (hosts / "bad@kaspersky.json").write_bytes(content)
    results, errors = _report.load_results(str(tmp_path))
    assert [result["host"] for result in results] == ["web01"], "one bad file must not stop the rest"
    assert errors == [{"file": "bad@kaspersky.json", "error": expected}]


def test_result_files_that_are_not_regular_or_have_hostile_names(tmp_path):
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    (hosts / "web01@kaspersky.json").write_text(json.dumps(GOOD_RESULT))
    os.mkfifo(hosts / "fifo@kaspersky.json")
    (hosts / "evil\n=1+1@x.json").write_text("[]")
    results, errors = _report.load_results(str(tmp_path))
    assert [result["host"] for result in results] == ["web01"]
    assert errors == [
        {"file": "evil\\x0a=1+1@x.json", "error": "not a host result: unreadable or not a JSON object"},
        {"file": "fifo@kaspersky.json", "error": "not a host result: not a regular file"},
    ]


def test_the_corpus_is_large_and_every_case_is_named_once():
    ids = [c[0] for c in BAN_CASES + SAFE_BAN_CASES + SPECIAL_CASES + CALLS + SAFE_CALLS + RESULT_CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)
    assert {c[0] for c in BAN_CASES + SPECIAL_CASES} >= RESOURCE


# ---------------------------------------------------------------- resource cases, measured


@pytest.mark.parametrize("case", sorted(RESOURCE))
def test_resource_case_fails_within_time_and_memory(tmp_path, case):
    """The child loads the case once and reports its own CPU and wall time and peak memory growth."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(os.path.dirname(HERE)))]))
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "probe.py"), case, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = {c[0]: c[-1] for c in BAN_CASES + SPECIAL_CASES}[case]
    assert report["clear"], report
    assert report["error"] == expected.replace("{path}", report["path"])
    assert report["cpu_seconds"] < CPU_LIMIT_S, report
    assert report["seconds"] < WAIT_LIMIT_S, report
    assert report["python_peak_mb"] < MEMORY_LIMIT_MB, report
    assert report["rss_growth_mb"] < MEMORY_LIMIT_MB, report
