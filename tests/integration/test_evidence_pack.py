# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evidence pack by FQCN after a real audit: `ansible-playbook interdict.bans.evidence_pack`.

The audit is a read-only run against this machine over a local connection; the pack must hold the very
ban files the run used (their definitions' SHA-256 equal the ones the host results recorded).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


def playbook(tmp_path, name, *args):
    inventory = tmp_path / "inventory.yml"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"hosts": {"lab-a": host}}}))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT / '.collections'}:{ROOT / '.venv/lib/python3.11/site-packages'}",
        ANSIBLE_NOCOLOR="1",
    )
    cmd = [PLAYBOOK, f"interdict.bans.{name}", "-i", str(inventory), "-e", f"interdict_report_dir={tmp_path / 'r'}"]
    proc = subprocess.run(
        [*cmd, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_the_evidence_pack_playbook_packs_what_the_audit_used(tmp_path):
    playbook(tmp_path, "audit", "-e", "interdict_run_id=audit-1")
    out = playbook(tmp_path, "evidence_pack", "-e", f"interdict_evidence_dir={tmp_path / 'evidence'}")
    packs = list((tmp_path / "evidence").glob("interdict-evidence-audit-1-*.zip"))
    assert len(packs) == 1 and str(packs[0]) in out
    with zipfile.ZipFile(packs[0]) as archive:
        files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["MANIFEST.json"])
    assert manifest["missing_bans"] == [] and manifest["run"]["id"] == "audit-1"
    assert sorted(b["id"] for b in manifest["bans"]) == ["kaspersky", "tiktok", "wechat"]
    for ban in manifest["bans"]:
        assert hashlib.sha256(files[f"bans/{ban['id']}.yml"]).hexdigest() == ban["sha256"]
    assert "runs/audit-1.json" in files and "report/fleet.html" in files
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[name]).hexdigest() == digest
