"""Status rules, fleet merge, CSV/HTML rendering and idempotent report writes."""

import csv
import io
import json
from pathlib import Path

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import HOST_RESULT_SCHEMA, source_state
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning as planning
from ansible_collections.interdict.bans.plugins.plugin_utils import _report as reporting
from ansible_collections.interdict.bans.plugins.plugin_utils import _report_html as html_report

BANS = load_bans(["kaspersky"])
RECORDS = [
    {"name": n, "identifier": n, "platform": "linux", "source": "dpkg", "publisher": ""}
    for n in ("kesl", "klnagent64", "bash")
]
FINDINGS = match(RECORDS, BANS)


def plan(**options):
    options.setdefault("sources", ["dpkg"])
    return planning.removal_plan(FINDINGS, BANS, host="web01", **options)


def applied(the_plan, outcome="ok", **overrides):
    return [
        {"step": s["id"], "outcome": overrides.get(s["id"], outcome), "rc": 0, "msg": ""} for s in the_plan["steps"]
    ]


READ = [source_state("dpkg", "read", 3)]


def result(the_plan, **kwargs):
    kwargs.setdefault("bans", BANS)
    kwargs.setdefault("sources", READ)
    kwargs.setdefault("run", {"id": "run-1", "started": "2026-11-29T00:00:00Z"})
    return reporting.host_result("web01", plan=the_plan, **kwargs)


def test_audit_with_findings_is_non_compliant_and_lists_planned_actions():
    record = result(plan(), mode="audit")
    assert record["status"] == "non_compliant"
    assert "kesl" in record["reason"]
    assert {a["outcome"] for a in record["actions"]} == {"planned"}
    assert record["ban_info"]["kaspersky"]["authorities"]


def test_nothing_found_is_compliant():
    clean = planning.removal_plan([], BANS, host="web01", sources=["dpkg"], platform="linux")
    assert result(clean, mode="audit")["status"] == "compliant"


def test_removed_and_verified_is_remediated():
    the_plan = plan(mode="enforce")
    record = result(the_plan, mode="enforce", actions=applied(the_plan), remaining=[], verified=True)
    assert record["status"] == "remediated"
    assert {b["state"] for b in record["blocks"]} == {"present"}


def test_still_there_after_removal_is_failed_with_the_reason():
    the_plan = plan(mode="enforce")
    left = [f for f in FINDINGS if f["software"]["identifier"] == "klnagent64"]
    record = result(the_plan, mode="enforce", actions=applied(the_plan), remaining=left, verified=True)
    assert record["status"] == "failed"
    assert "still present after removal: klnagent64" in record["reason"]
    assert record["remaining"][0]["software"]["identifier"] == "klnagent64"


def test_a_failed_step_is_failed():
    the_plan = plan(mode="enforce")
    failed = {"kaspersky:remove:dpkg:kesl": "failed"}
    record = result(the_plan, mode="enforce", actions=applied(the_plan, **failed), verified=False)
    assert record["status"] == "failed" and "kaspersky:remove:dpkg:kesl failed" in record["reason"]


def test_protected_or_capped_items_left_in_place_are_non_compliant_not_remediated():
    capped = plan(mode="enforce", max_removals=1)
    record = result(capped, mode="enforce", actions=applied(capped), verified=False)
    assert record["status"] == "non_compliant"
    assert "max_removals=1" in record["reason"]
    assert record["blocked_by_cap"] is True


def test_active_exception_is_exempt_and_expired_one_is_not():
    active = [{"hosts": "web01", "approver": "A", "reason": "R", "expires": "2099-12-31", "allow_wide": True}]
    record = result(plan(exceptions=active), mode="audit")
    assert record["status"] == "exempt"
    assert record["exceptions"][0]["approver"] == "A"
    expired = [{"hosts": "web01", "approver": "A", "reason": "R", "expires": "2020-01-01"}]
    record = result(plan(exceptions=expired), mode="audit")
    assert record["status"] == "non_compliant"
    assert record["exceptions"][0]["state"] == "expired"


def test_facts_failure_or_an_incomplete_inventory_is_unknown_never_compliant():
    failed = result(None, facts_error="unreachable: ssh timeout")
    assert failed["status"] == "unknown" and failed["per_ban"] == {"kaspersky": "unknown"}
    clean = planning.removal_plan([], BANS, host="web01")
    incomplete = [source_state("dpkg", "read", 3), source_state("rpm", "failed", reason="db locked")]
    record = result(clean, sources=incomplete)
    assert record["status"] == "unknown" and "rpm: failed (db locked)" in record["reason"]
    # Per ban too: the fleet's per-ban counts must not count this host as compliant.
    assert record["per_ban"] == {"kaspersky": "unknown"}


@pytest.mark.parametrize("state", ["partial", "failed"])
def test_a_banned_item_seen_on_incomplete_evidence_is_still_non_compliant(state):
    record = result(plan(), sources=[source_state("dpkg", state, reason="user hive unreadable")])
    assert record["status"] == "non_compliant" and record["per_ban"] == {"kaspersky": "non_compliant"}


def test_a_verification_that_failed_keeps_what_was_done_but_is_not_remediated():
    the_plan = plan(mode="enforce")
    record = result(the_plan, mode="enforce", actions=applied(the_plan), facts_error="verification failed: timeout")
    assert record["status"] == "unknown" and "verification failed" in record["reason"]
    assert {a["outcome"] for a in record["actions"]} == {"ok"}


def test_a_pending_mdm_removal_is_not_remediated():
    the_plan = plan(mode="enforce")
    record = result(the_plan, mode="enforce", actions=applied(the_plan, outcome="pending"))
    assert record["status"] == "non_compliant" and "removal pending" in record["reason"]


def test_every_result_conforms_to_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    docs = Path(__file__).resolve().parents[4] / "docs" / "host_result.schema.json"
    assert json.loads(docs.read_text()) == HOST_RESULT_SCHEMA
    for record in (result(plan()), result(None, facts_error="x"), result(plan(mode="enforce"), mode="enforce")):
        jsonschema.validate(record, HOST_RESULT_SCHEMA)


def fresh(host, status, run_id, timestamp="2026-11-29T10:00:00Z"):
    return {"host": host, "status": status, "per_ban": {"kaspersky": status}, "bans": ["kaspersky"],
            "run_id": run_id, "timestamp": timestamp}  # fmt: skip


def test_a_result_from_an_earlier_run_is_unknown_never_its_old_status():
    old = fresh("web01", "compliant", "run-0", "2026-11-20T10:00:00Z")
    new = fresh("web02", "compliant", "run-1")
    fleet = reporting.merge_fleet([old, new], expected_hosts=["web01", "web02"], run_id="run-1")
    hosts = {h["host"]: h for h in fleet["hosts"]}
    assert hosts["web01"]["status"] == "unknown" and hosts["web01"]["per_ban"] == {"kaspersky": "unknown"}
    assert "no result from this run" in hosts["web01"]["reason"] and "said compliant" in hosts["web01"]["reason"]
    assert hosts["web02"]["status"] == "compliant" and hosts["web02"]["runs"] == ["run-1"]
    assert fleet["summary"]["by_ban"]["kaspersky"]["compliant"] == 1
    # A configured age lets a recent result of another run count.
    widened = reporting.merge_fleet([old], run_id="run-1", fresh_since="2026-11-19T00:00:00Z")
    assert widened["hosts"][0]["status"] == "compliant"


def test_a_result_file_that_breaks_the_schema_is_listed_not_counted(tmp_path):
    (tmp_path / "hosts").mkdir()
    good = result(plan())
    reporting.write_host_result(str(tmp_path), good)
    (tmp_path / "hosts" / "evil@x.json").write_text(json.dumps(dict(good, host="evil", status="fine")))
    fleet, _changed = reporting.write_fleet(str(tmp_path))
    assert [h["host"] for h in fleet["hosts"]] == ["web01"]
    assert fleet["errors"][0]["file"] == "evil@x.json" and "status" in fleet["errors"][0]["error"]


def test_results_merge_to_the_worst_status_and_missing_hosts_are_unknown():
    a = {"host": "web01", "status": "remediated", "per_ban": {"kaspersky": "remediated"}, "bans": ["kaspersky"]}
    b = {"host": "web01", "status": "non_compliant", "per_ban": {"wechat": "non_compliant"}, "bans": ["wechat"]}
    c = {"host": "web02", "status": "compliant", "per_ban": {"kaspersky": "compliant"}, "bans": ["kaspersky"]}
    fleet = reporting.merge_fleet([a, b, c], expected_hosts=["web01", "web02", "web03"])
    statuses = {h["host"]: h["status"] for h in fleet["hosts"]}
    assert statuses == {"web01": "non_compliant", "web02": "compliant", "web03": "unknown"}
    assert fleet["summary"]["by_status"]["unknown"] == 1
    assert fleet["summary"]["by_ban"]["kaspersky"] == {
        "compliant": 1, "remediated": 1, "exempt": 0, "out_of_scope": 0, "unknown": 1, "non_compliant": 0,
        "failed": 0,
    }  # fmt: skip
    assert fleet["summary"]["compliant"] == 1


def test_html_lists_the_worst_hosts_first():
    good = {"host": "aaa-good", "status": "compliant", "per_ban": {"kaspersky": "compliant"}, "bans": ["kaspersky"]}
    bad = {"host": "zzz-bad", "status": "failed", "per_ban": {"kaspersky": "failed"}, "bans": ["kaspersky"]}
    fleet = reporting.merge_fleet([good, bad], expected_hosts=["mmm-unread"])
    rows = html_report.host_rows(fleet, ["kaspersky"])
    assert [row[0] for row in rows["rows"]] == ["zzz-bad", "mmm-unread", "aaa-good"]
    page = html_report.render_html(fleet)
    data = page.split('id="host-data">', maxsplit=1)[1]
    assert data.index("zzz-bad") < data.index("mmm-unread") < data.index("aaa-good")


def test_html_is_self_contained_and_escapes_everything(tmp_path):
    evil = {
        "host": "<script>alert(1)</script>",
        "status": "non_compliant",
        "reason": "found <b>",
        "per_ban": {"kaspersky": "non_compliant"},
        "bans": ["kaspersky"],
        "ban_info": {
            "kaspersky": {
                "title": "K&K",
                "authorities": [{"name": "<x>", "date": "2020-01-01", "reference": "r", "url": "javascript:alert(1)"}],
            }
        },
        "exceptions": [
            {"hosts": ["*"], "bans": [], "approver": "<Eve>", "reason": "r", "expires": "2099-01-01", "state": "active"}
        ],
    }
    fleet = reporting.merge_fleet([evil])
    _summary, fleet["history"] = reporting.history(str(tmp_path), fleet)
    page = html_report.render_html(fleet)
    assert "<script>alert" not in page and "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    assert "&lt;Eve&gt;" in page and "javascript:" not in page
    assert "<svg" in page and "://" not in page.split("<body>", maxsplit=1)[0]
    assert "<link" not in page and "src=" not in page


def test_csv_has_one_row_per_host_and_ban():
    the_plan = plan()
    fleet = reporting.merge_fleet([dict(result(the_plan, mode="audit"), _file="x.json")])
    rows = list(csv.DictReader(io.StringIO(reporting.render_csv(fleet))))
    assert [(r["host"], r["ban"], r["status"]) for r in rows] == [("web01", "kaspersky", "non_compliant")]
    assert "kesl" in rows[0]["findings"]


def test_writes_are_idempotent(tmp_path):
    first = result(plan(), mode="audit", timestamp="2026-01-01T00:00:00Z")
    path, changed = reporting.write_host_result(str(tmp_path), first)
    assert changed and path.endswith("hosts/web01@kaspersky.json")
    assert reporting.write_host_result(str(tmp_path), first) == (path, False)
    # A newer result is today's evidence: it replaces the old one.
    again = dict(first, timestamp="2026-01-02T00:00:00Z")
    assert reporting.write_host_result(str(tmp_path), again) == (path, True)
    assert json.loads(Path(path).read_text())["timestamp"] == "2026-01-02T00:00:00Z"
    _fleet, changed = reporting.write_fleet(str(tmp_path), ["web01"], generated="2026-01-01T00:00:00Z")
    assert changed
    _fleet, changed = reporting.write_fleet(str(tmp_path), ["web01"], generated="2026-01-03T00:00:00Z")
    assert not changed
    _fleet, changed = reporting.write_fleet(str(tmp_path), ["web01", "web02"])
    assert changed
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".fleet.lock",
        "fleet.csv",
        "fleet.html",
        "fleet.json",
        "hosts",
        "runs",
    ]


def test_check_mode_writes_nothing(tmp_path):
    _path, changed = reporting.write_host_result(str(tmp_path), result(plan()), check_mode=True)
    assert changed and not (tmp_path / "hosts").exists()


def test_an_unreadable_result_file_is_listed_not_ignored(tmp_path):
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "broken@x.json").write_text("{not json")
    fleet, _changed = reporting.write_fleet(str(tmp_path))
    assert fleet["errors"] == [{"file": "broken@x.json", "error": "not a host result: unreadable or not a JSON object"}]


# ---------------------------------------------------------------- history, unknowns, the page


def status_result(host, status, run_id, timestamp, **extra):
    record = fresh(host, status, run_id, timestamp)
    record.update(extra)
    record.setdefault("mode", "audit")
    record.setdefault("platform", "linux")
    record.setdefault("reason", "")
    record.setdefault("sources", [])
    return record


def write_run(folder, run_id, timestamp, statuses, exceptions=()):
    for host, status in statuses.items():
        reporting.write_host_result(
            str(folder), status_result(host, status, run_id, timestamp, exceptions=list(exceptions))
        )
    fleet, _changed = reporting.write_fleet(str(folder), sorted(statuses), run_id=run_id)
    return fleet


EXPIRING = {"hosts": ["web03"], "bans": ["kaspersky"], "approver": "CISO", "reason": "lab", "expires": "2026-11-30"}


def test_every_run_is_kept_and_the_changes_since_the_previous_run_are_listed(tmp_path):
    first = write_run(
        tmp_path, "run-1", "2026-11-28T10:00:00Z",
        {"web01": "non_compliant", "web02": "compliant", "web03": "exempt"},
        [dict(EXPIRING, state="active")],
    )  # fmt: skip
    assert first["history"]["changes"]["previous"] == ""
    second = write_run(
        tmp_path, "run-2", "2026-11-29T10:00:00Z",
        {"web01": "remediated", "web02": "non_compliant", "web03": "non_compliant"},
        [dict(EXPIRING, state="expired")],
    )  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["run-1.json", "run-2.json"]
    change = second["history"]["changes"]
    assert change["previous"] == "run-1"
    assert [(c["host"], c["was"]) for c in change["newly_non_compliant"]] == [
        ("web02", "compliant"),
        ("web03", "exempt"),
    ]
    assert [(c["host"], c["status"]) for c in change["remediated"]] == [("web01", "remediated")]
    assert [e["approver"] for e in change["expired_exceptions"]] == ["CISO"]
    assert [r["run_id"] for r in second["history"]["runs"]] == ["run-1", "run-2"]
    # Rendering run 2 again never touches run 1's file, and a run id that is not a plain name is hashed.
    before = (tmp_path / "runs" / "run-1.json").read_bytes()
    reporting.write_fleet(str(tmp_path), ["web01", "web02", "web03", "web04"], run_id="run-2")
    assert (tmp_path / "runs" / "run-1.json").read_bytes() == before
    assert reporting.run_key({"run": {"id": "../x y"}}).startswith("_x_y~")
    assert reporting.run_key({"run": {"id": ".."}}) not in (".", "..")


def test_a_run_rendered_without_its_id_is_still_that_run(tmp_path):
    write_run(tmp_path, "run-7", "2026-11-29T10:00:00Z", {"web01": "compliant"})
    fleet, _changed = reporting.write_fleet(str(tmp_path), ["web01"])
    assert fleet["run"]["id"] == "run-7"
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["run-7.json"]


@pytest.mark.parametrize(
    ("host", "category"),
    [
        ({"status": "compliant"}, ""),
        ({"status": "non_compliant"}, ""),
        ({"status": "unknown", "no_result": True}, "unreachable"),
        ({"status": "unknown", "stale": True}, "stale"),
        ({"status": "unknown", "mdm": {"inventory": "unlisted"}}, "not_listed"),
        ({"status": "unknown", "mdm": {"ownership": "Personal"}}, "personal_device"),
        ({"status": "unknown", "sources": [{"state": "failed"}]}, "source_failed"),
        ({"status": "unknown", "facts_error": "timeout"}, "source_failed"),
        ({"status": "unknown", "sources": [{"state": "partial"}]}, "source_partial"),
        ({"status": "unknown", "sources": [{"state": "read"}]}, "other"),
        ({"status": "out_of_scope"}, "out_of_scope"),
    ],
)
def test_every_unknown_has_one_reason_category(host, category):
    assert reporting.unknown_category(host) == category


def test_unknowns_are_counted_by_reason_and_platform():
    results = [
        status_result("p1", "unknown", "r", "t", platform="ios", mdm={"provider": "intune", "ownership": "personal"}),
        status_result("p2", "unknown", "r", "t", platform="android", mdm={"ownership": "personal"}),
        status_result("l1", "unknown", "r", "t", sources=[{"source": "dpkg", "state": "failed", "reason": "x"}]),
    ]
    fleet = reporting.merge_fleet(results, expected_hosts=["gone"])
    assert fleet["summary"]["by_category"] == {
        "unreachable": {"not known": 1},
        "personal_device": {"ios": 1, "android": 1},
        "source_failed": {"linux": 1},
    }
    page = html_report.render_html(fleet)
    assert "Personal device: the MDM may not list its private apps" in page.split("<h2>Unknowns explained", 1)[1]


def test_the_page_has_the_header_auditors_need_and_plain_words(tmp_path):
    fleet = write_run(tmp_path, "run-9", "2026-11-29T10:00:00Z", {"web01": "non_compliant"})
    fleet["run"]["catalog"] = {"kaspersky": "a" * 64}
    page = html_report.render_html(fleet)
    header = page.split("</header>", 1)[0]
    for fact in ("Mode", "audit (nothing was changed)", "Run id", "run-9", "Started", "Finished",
                 "Inventory size", "1 host(s) expected", "Catalog version", reporting.catalog_version(fleet),
                 "Bans checked", "kaspersky"):  # fmt: skip
        assert fact in header, fact
    summary = page.split('<script type="application/json"', 1)[0]
    assert "Banned software present" in summary and "non_compliant" not in summary.split("<h2>Hosts", 1)[0]
    assert "<h2>Glossary</h2>" in page and "Not verified" in page.split("<h2>Glossary</h2>", 1)[1]


def test_json_for_a_script_block_cannot_end_it():
    text = html_report.json_for_script({"x": "</script><!--<script>&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"x": "</script><!--<script>&\u2028"}
