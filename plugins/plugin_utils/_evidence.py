# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evidence pack: one dated zip an auditor can file (controller only).

It holds the fleet report (HTML, CSV, JSON), every kept run summary, the ban files the run used, each
proved by its definition's SHA-256 against the one the host results recorded, the exceptions with their
approvers, a manifest and a ``SHA256SUMS`` file that ``sha256sum -c`` checks.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
import zipfile

from ansible_collections.interdict.bans.plugins.module_utils import catalog
from ansible_collections.interdict.bans.plugins.plugin_utils import _report

REPORT_FILES = ("fleet.html", "fleet.csv", "fleet.json")
MAX_FILE_BYTES = 256 * 1024 * 1024


class EvidenceError(ValueError):
    """Why no pack could be made: one clear sentence naming what and where."""


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _read(path):
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    return data


def ban_files_used(fleet, ban_paths=()):
    """[(ban id, file path, definition sha256)] of the ban files whose definition the run recorded.

    A ban whose recorded definition no file given matches is returned with an empty path: the pack then
    says it is missing instead of filing a file the run did not use.
    """
    recorded = (fleet.get("run") or {}).get("catalog") or {}
    by_digest = {}
    for path in catalog.ban_files([catalog.BUNDLED_DIR, *ban_paths]):
        ban = catalog.validate_ban(catalog.parse_ban_text(catalog.read_ban_file(path), path), path)
        by_digest.setdefault(_report.ban_digest(ban), path)
    return [(ban_id, by_digest.get(digest, ""), digest) for ban_id, digest in sorted(recorded.items())]


def pack_name(fleet, created):
    return f"interdict-evidence-{_report.run_key(fleet)}-{created.replace('-', '').replace(':', '')}"


def build_pack(report_dir, dest=None, ban_paths=(), created=None, check_mode=False):
    """Write the evidence pack of ``report_dir`` into ``dest``; return ``{path, manifest}``."""
    fleet_path = os.path.join(report_dir, "fleet.json")
    fleet, why = _report._read_result(fleet_path)
    if fleet is None:
        raise EvidenceError(f"{fleet_path}: no fleet report to pack ({why}); run the audit or report playbook first")
    created = created or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: UP017
    name = pack_name(fleet, created)
    dest = dest or os.path.join(report_dir, "evidence")
    path = os.path.join(dest, f"{name}.zip")
    if os.path.exists(path):
        raise EvidenceError(f"{path}: an evidence pack of this name already exists; it is never overwritten")

    entries = []  # (name in the zip, bytes)
    for file_name in REPORT_FILES:
        source = os.path.join(report_dir, file_name)
        if not os.path.isfile(source):
            raise EvidenceError(f"{source}: missing; render the fleet report first")
        entries.append((f"report/{file_name}", _read(source)))
    runs_dir = os.path.join(report_dir, _report.RUNS_DIR)
    for file_name in sorted(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else ():
        if file_name.endswith(".json") and not file_name.startswith("."):
            entries.append((f"runs/{file_name}", _read(os.path.join(runs_dir, file_name))))
    bans = []
    for ban_id, source, digest in ban_files_used(fleet, ban_paths):
        entry = {"id": ban_id, "definition_sha256": digest, "file": source}
        if source:
            data = _read(source)
            entry["sha256"] = _sha256(data)
            entries.append((f"bans/{ban_id}.yml", data))
        bans.append(entry)
    exceptions = [
        {key: e.get(key) for key in ("hosts", "bans", "approver", "reason", "expires", "state", "applied_to")}
        for e in fleet.get("exceptions") or ()
    ]
    entries.append(("exceptions.json", (json.dumps(exceptions, indent=2, ensure_ascii=False) + "\n").encode()))

    manifest = {
        "created": created,
        "report_dir": os.path.abspath(report_dir),
        "run": fleet.get("run") or {},
        "catalog_version": _report.catalog_version(fleet),
        "summary": {key: (fleet.get("summary") or {}).get(key) for key in ("hosts", "by_status", "compliant")},
        "bans": bans,
        "missing_bans": [entry["id"] for entry in bans if not entry["file"]],
        "exceptions": len(exceptions),
        "files": [{"path": arcname, "sha256": _sha256(data), "bytes": len(data)} for arcname, data in entries],
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    entries.append(("MANIFEST.json", manifest_bytes))
    sums = "".join(f"{_sha256(data)}  {arcname}\n" for arcname, data in entries)
    entries.append(("SHA256SUMS", sums.encode()))
    if check_mode:
        return {"path": path, "manifest": manifest}

    os.makedirs(dest, exist_ok=True)
    stamp = datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".zip", dir=dest)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for arcname, data in entries:
                info = zipfile.ZipInfo(f"{name}/{arcname}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.chmod(temp, 0o644)
        try:
            os.link(temp, path)  # fails if a pack of this name appeared meanwhile: never overwritten
        except FileExistsError:
            raise EvidenceError(
                f"{path}: an evidence pack of this name already exists; it is never overwritten"
            ) from None
    finally:
        os.unlink(temp)
    return {"path": path, "manifest": manifest}
