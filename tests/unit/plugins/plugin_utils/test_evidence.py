"""The evidence pack: what it holds, its checksums, and that it never overwrites or packs a wrong ban file."""

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BUNDLED_DIR
from ansible_collections.interdict.bans.plugins.plugin_utils import _evidence
from tests.report_fleet import EXCEPTION, write_runs

CREATED = "2026-11-29T12:00:00Z"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    write_runs(str(folder), 40, runs=2)
    return folder


def unpack(path):
    with zipfile.ZipFile(path) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_the_pack_holds_report_runs_bans_and_exceptions_with_checksums(report, tmp_path):
    pack = _evidence.build_pack(str(report), str(tmp_path), created=CREATED)
    assert Path(pack["path"]).name == "interdict-evidence-run-2-20261129T120000Z.zip"
    files = unpack(pack["path"])
    assert {"report/fleet.html", "report/fleet.csv", "report/fleet.json", "runs/run-1.json", "runs/run-2.json"} <= set(
        files
    )
    assert {"bans/kaspersky.yml", "bans/tiktok.yml", "bans/wechat.yml", "exceptions.json", "MANIFEST.json"} <= set(
        files
    )
    # SHA256SUMS covers every other file, in sha256sum's own format.
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in sums.items())
    # Each ban file is the bundled file, byte for byte.
    manifest = json.loads(files["MANIFEST.json"])
    for ban in manifest["bans"]:
        original = (Path(BUNDLED_DIR) / f"{ban['id']}.yml").read_bytes()
        assert files[f"bans/{ban['id']}.yml"] == original and ban["sha256"] == hashlib.sha256(original).hexdigest()
    assert manifest["missing_bans"] == [] and manifest["run"]["id"] == "run-2"
    exceptions = json.loads(files["exceptions.json"])
    assert [(e["approver"], e["expires"]) for e in exceptions] == [(EXCEPTION["approver"], EXCEPTION["expires"])]


def test_a_pack_is_never_overwritten_and_check_mode_writes_nothing(report, tmp_path):
    planned = _evidence.build_pack(str(report), str(tmp_path / "dry"), created=CREATED, check_mode=True)
    assert not Path(planned["path"]).exists() and not (tmp_path / "dry").exists()
    first = _evidence.build_pack(str(report), str(tmp_path), created=CREATED)
    before = Path(first["path"]).read_bytes()
    with pytest.raises(_evidence.EvidenceError, match="never overwritten"):
        _evidence.build_pack(str(report), str(tmp_path), created=CREATED)
    assert Path(first["path"]).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(first["path"]).name]


def test_a_ban_file_that_is_not_the_definition_the_run_used_is_not_packed(report, tmp_path):
    changed = tmp_path / "report"
    changed.mkdir()
    fleet = json.loads((report / "fleet.json").read_text())
    fleet["run"]["catalog"]["wechat"] = "0" * 64
    (changed / "fleet.json").write_text(json.dumps(fleet))
    for name in ("fleet.html", "fleet.csv"):
        (changed / name).write_bytes((report / name).read_bytes())
    pack = _evidence.build_pack(str(changed), str(tmp_path / "out"), created=CREATED)
    assert pack["manifest"]["missing_bans"] == ["wechat"]
    assert "bans/wechat.yml" not in unpack(pack["path"])


def test_no_report_is_one_clear_error(tmp_path):
    with pytest.raises(_evidence.EvidenceError, match="no fleet report to pack"):
        _evidence.build_pack(str(tmp_path), created=CREATED)
