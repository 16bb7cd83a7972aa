# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as one self-contained HTML page for a CIO's office and auditors (controller only).

Readable with scripts off: the header, the summary, progress over time, what changed, the unknowns
explained, the authorities, the exceptions and a glossary are plain HTML. The host table is data, not
markup: every host is one row of a JSON array in a ``<script type="application/json">`` block, rendered
by a small inline script with search, filters and paging. At 10,000 hosts that keeps the page a
fraction of a full table's size and fast to open. The script only ever assigns ``textContent``, the JSON
is escaped so no host value can close its block, and a Content-Security-Policy lets no other script run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json

from ansible_collections.interdict.bans.plugins.module_utils.contract import STATUSES
from ansible_collections.interdict.bans.plugins.plugin_utils._report import (
    UNKNOWN_CATEGORIES,
    _display,
    _label,
    catalog_version,
)
from ansible_collections.interdict.bans.plugins.plugin_utils._status import ACCEPTABLE, SEVERITY

# Plain words for each status: label, colour, meaning. A status the contract adds later is shown by
# its own name in grey until it is described here (status_words()).
STATUS_WORDS = {
    "compliant": ("Compliant", "#2e7d32", "Every inventory source was read in full and no banned software was found."),
    "remediated": ("Fixed", "#1565c0", "Banned software was found and removed in this run, and the removal held."),
    "exempt": (
        "Exempt",
        "#8e6c00",
        "Banned software is present but covered by an approved, unexpired exception (approver and expiry listed).",
    ),
    "unknown": (
        "Not verified",
        "#6d6d6d",
        "The host could not be checked in full (see Unknowns explained). Never counted as compliant.",
    ),
    "out_of_scope": ("Out of scope", "#546e7a", "The ban does not apply to this device, so it was not judged."),
    "non_compliant": (
        "Banned software present",
        "#c62828",
        "Banned software is on the host and no exception covers it (in audit mode nothing is removed).",
    ),
    "failed": ("Removal failed", "#6a1b9a", "A removal or block was attempted and did not work."),
}
RULE_WORDS = {
    "identifier": "its package or app identifier",
    "name": "its name",
    "publisher": "its publisher",
    "signer": "its code-signing certificate",
}
METHOD_WORDS = {
    "apt_pin": "APT pin (stops reinstalls from Debian/Ubuntu repositories)",
    "dnf_exclude": "DNF exclude (stops reinstalls from RPM repositories)",
    "applocker": "AppLocker rule (stops it from running on Windows)",
}
BLOCK_STATE_WORDS = {
    "present": "in place",
    "planned": "would be put in place (audit: nothing changed)",
    "not_blockable": "cannot be blocked on this platform",
    "failed": "failed",
}
OUTCOME_WORDS = {
    "ok": "done",
    "absent": "already gone",
    "reboot_pending": "done, restart needed",
    "pending": "sent to the MDM, done at the device's next check-in",
    "failed": "failed",
    "skipped": "not run",
    "planned": "would run (audit: nothing changed)",
}
GLOSSARY = [
    ("Audit mode", "Looks and reports only; nothing on any host is changed. The default."),
    ("Enforce mode", "Removes banned software and puts blocks in place, then checks again."),
    ("Run", "One execution of the audit or enforce playbook; every result carries its run id."),
    ("Ban", "One banned product as defined in the catalog (a ban file), with the authorities that require it."),
    ("Catalog version", "A short fingerprint of the ban definitions used: the same bans give the same version."),
    ("Exception", "An approved, dated permission to keep banned software on named hosts; it expires."),
    ("Block", "A measure that stops the software coming back (a package pin, an AppLocker rule, an MDM profile)."),
    ("Inventory source", "Where installed software is read from (dpkg, rpm, the Windows registry, the MDM, ...)."),
    ("MDM", "Mobile device management (for example Microsoft Intune), through which phones are checked."),
    ("Match rule not yet confirmed", "The rule that matched was written from documentation, not a real install."),
]


def status_words(status):
    default = (status.replace("_", " ").capitalize(), "#444444", "See the collection's documentation.")
    return STATUS_WORDS.get(status, default)


def _e(value):
    return html.escape(str(value if value is not None else ""), quote=True)


def _t(value):
    """Host-supplied text for the page: control and bidirectional characters shown as escapes, then escaped."""
    return _e(_display("" if value is None else value))


def _badge(status):
    label, colour, _meaning = status_words(status)
    return f'<span class="s" style="background:{colour}">{_e(label)}</span>'


def _table(headers, rows, cls=""):
    head = "".join(f"<th>{_t(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def json_for_script(data):
    """JSON for a ``<script type="application/json">`` block: nothing in it can end the block or start markup."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------- plain words for one host


def finding_text(finding):
    rule = finding.get("rule") or {}
    how = RULE_WORDS.get(rule.get("kind"), "a rule")
    text = f"{finding.get('ban')}: {_label(finding)}, matched by {how}"
    if rule.get("value"):
        text += f" ({rule['value']})"
    if rule.get("unconfirmed"):
        text += " [match rule not yet confirmed against a real install]"
    return _display(text)


def action_text(action):
    outcome = OUTCOME_WORDS.get(action.get("outcome"), action.get("outcome") or "")
    text = f"{action.get('what') or action.get('step')}: {outcome}"
    return _display(text + (f" ({action['msg']})" if action.get("msg") else ""))


def block_text(block):
    method = METHOD_WORDS.get(block.get("method"), str(block.get("method") or "").replace("_", " "))
    state = BLOCK_STATE_WORDS.get(block.get("state"), str(block.get("state") or ""))
    return _display(f"{block.get('ban')}: {method}: {state}" + (f" ({block['note']})" if block.get("note") else ""))


def host_rows(fleet, ban_ids):
    """Every host as a compact row for the page's script, worst first: ``{strings, rows}``.

    Texts repeat across thousands of hosts (the same finding, the same reason), so each distinct text is
    kept once in ``strings`` and rows refer to it by index; statuses are indices into STATUSES.
    """
    strings, index = [], {}

    def ref(text, lines=None):
        # One line of host text is escaped here; several lines were each escaped by their *_text() helper.
        text = "\n".join(lines) if lines is not None else _display(text or "")
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    status_index = {status: number for number, status in enumerate(STATUSES)}
    rows = []
    for host in sorted(fleet["hosts"], key=lambda h: (-SEVERITY.get(h["status"], 0), h["host"])):
        rows.append(
            [
                _display(host["host"]),
                status_index[host["status"]],
                ref(host.get("platform")),
                ref((host.get("mdm") or {}).get("provider")),
                ref(host.get("category")),
                1 if host.get("exceptions") else 0,
                [status_index.get(host["per_ban"].get(ban_id), -1) for ban_id in ban_ids],
                ref(host.get("reason")),
                ref(None, [finding_text(f) for f in host.get("findings") or ()]),
                ref(None, [action_text(a) for a in host.get("actions") or ()]),
                ref(None, [block_text(b) for b in host.get("blocks") or ()]),
                ref(host.get("timestamp")),
            ]
        )
    return {"strings": strings, "rows": rows}


# ---------------------------------------------------------------- sections


def _header(fleet, title):
    run = fleet.get("run") or {}
    bans = ", ".join(f"{info.get('title', ban_id)} ({ban_id})" for ban_id, info in sorted(fleet["bans"].items()))
    version = catalog_version(fleet)
    mode = run.get("mode") or "audit"
    facts = [
        ("Mode", f"{mode} ({'software was removed and blocked' if mode == 'enforce' else 'nothing was changed'})"),
        ("Run id", run.get("id") or "not given"),
        ("Started", run.get("started") or "not known"),
        ("Finished", run.get("finished") or "not known"),
        ("Report generated", fleet.get("generated") or ""),
        ("Inventory size", f"{run.get('inventory', fleet['summary']['hosts'])} host(s) expected"),
        ("Catalog version", version or "not recorded by these results"),
        ("Bans checked", bans or "none"),
    ]
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_t(v)}</dd>" for k, v in facts)
    return f'<header><h1>{_e(title)}</h1><dl class="facts">{rows}</dl></header>'


def _summary(fleet):
    summary = fleet["summary"]
    total = summary["hosts"]
    good = sum(summary["by_status"].get(s, 0) for s in ACCEPTABLE)
    share = f"{100 * good / total:.1f}%" if total else "n/a"
    unknown = sum(n for s, n in summary["by_status"].items() if s not in (*ACCEPTABLE, "non_compliant", "failed"))
    problem = summary["by_status"].get("non_compliant", 0) + summary["by_status"].get("failed", 0)
    parts = [
        "<h2>Summary</h2>",
        f'<p class="lead"><b>{_e(share)}</b> of {total} host(s) are compliant, fixed or exempt; '
        f"<b>{problem}</b> still have banned software or a failed removal; <b>{unknown}</b> could not be verified "
        "(never counted as compliant).</p>",
        _table(
            ["Status", "Hosts", "What it means"],
            [[_badge(s), _e(summary["by_status"].get(s, 0)), _e(status_words(s)[2])] for s in STATUSES],
        ),
        "<h3>Per ban</h3>",
        _table(
            ["Ban", *(status_words(s)[0] for s in STATUSES)],
            [
                [_t(f"{fleet['bans'].get(ban_id, {}).get('title', ban_id)} ({ban_id})")]
                + [_e(counts.get(s, 0)) for s in STATUSES]
                for ban_id, counts in sorted(summary["by_ban"].items())
            ],
        ),
    ]
    return "\n".join(parts)


def _share(counts):
    total = sum(counts.values())
    return 100.0 * sum(counts.get(s, 0) for s in ACCEPTABLE) / total if total else 0.0


def trend_chart(ban_id, runs):
    """Inline SVG: share of hosts compliant, fixed or exempt per run (line), hosts not verified (bars)."""
    points = [(r, (r.get("by_ban") or {}).get(ban_id)) for r in runs]
    points = [(r, counts) for r, counts in points if counts]
    width, height, left, top, plot_h = 640, 190, 44, 12, 130
    step = (width - left - 20) / max(1, len(points) - 1) if len(points) > 1 else 0
    most_unknown = max([counts.get("unknown", 0) for _r, counts in points] + [1])
    parts = [
        f'<svg class="trend" data-ban="{_e(ban_id)}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img" aria-label="{_e(ban_id)}: compliance over time">',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="0" y="{top + 4}" font-size="11">100%</text>',
        f'<text x="8" y="{top + plot_h}" font-size="11">0%</text>',
    ]
    coords = []
    for index, (run, counts) in enumerate(points):
        x = left + (index * step if len(points) > 1 else (width - left) / 2)
        y = top + plot_h - plot_h * _share(counts) / 100
        coords.append(f"{x:.1f},{y:.1f}")
        bar_height = (plot_h / 3) * counts.get("unknown", 0) / most_unknown
        label = run.get("run_id") or run.get("key") or ""
        parts.append(
            f'<rect class="unknown-bar" x="{x - 4:.1f}" y="{top + plot_h - bar_height:.1f}" width="8" '
            f'height="{bar_height:.1f}" fill="#9e9e9e"><title>{_t(label)}: {counts.get("unknown", 0)} not verified'
            "</title></rect>"
        )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2e7d32"><title>{_t(label)}: '
            f"{_share(counts):.1f}% compliant, fixed or exempt</title></circle>"
        )
    if coords:
        parts.append(f'<polyline fill="none" stroke="#2e7d32" stroke-width="2" points="{" ".join(coords)}"/>')
    if points:
        first, last = points[0][0], points[-1][0]
        parts.append(f'<text x="{left}" y="{height - 28}" font-size="11">{_t(first.get("finished", "")[:10])}</text>')
        parts.append(
            f'<text x="{width - 10}" y="{height - 28}" font-size="11" text-anchor="end">'
            f"{_t(last.get('finished', '')[:10])}</text>"
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}" font-size="11" fill="#2e7d32">line: % compliant, fixed or exempt</text>'
        f'<text x="{left + 240}" y="{height - 8}" font-size="11" fill="#757575">bars: hosts not verified</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _progress(fleet):
    runs = (fleet.get("history") or {}).get("runs") or []
    if not runs:
        return ""
    parts = [
        "<h2>Progress over time</h2>",
        f"<p>{len(runs)} run(s) kept in this report's <code>runs/</code> folder. The line is the share of "
        "hosts compliant, fixed or exempt for each ban; the grey bars count hosts that could not be verified.</p>",
    ]
    for ban_id in sorted(fleet["summary"]["by_ban"]):
        parts.append(f"<h3>{_t(fleet['bans'].get(ban_id, {}).get('title', ban_id))} ({_t(ban_id)})</h3>")
        parts.append(trend_chart(ban_id, runs))
    ban_ids = sorted(fleet["summary"]["by_ban"])
    rows = []
    for run in reversed(runs[-20:]):
        cells = [_t(run.get("run_id") or run.get("key")), _t(run.get("mode")), _t(run.get("finished"))]
        for ban_id in ban_ids:
            counts = (run.get("by_ban") or {}).get(ban_id) or {}
            cells.append(_e(f"{_share(counts):.1f}% ({counts.get('unknown', 0)} not verified)") if counts else "")
        rows.append(cells)
    parts.append(_table(["Run", "Mode", "Finished", *ban_ids], rows))
    return "\n".join(parts)


def _changes(fleet, limit=200):
    change = (fleet.get("history") or {}).get("changes") or {}
    if not change.get("previous"):
        return "<h2>What changed since the previous run</h2><p>No earlier run is kept in this report.</p>"
    parts = [f"<h2>What changed since the previous run ({_t(change['previous'])})</h2>"]
    for key, title in (("newly_non_compliant", "Newly non-compliant"), ("remediated", "Fixed since then")):
        items = change.get(key) or []
        parts.append(f"<h3>{_e(title)}: {len(items)}</h3>")
        if items:
            parts.append(
                _table(
                    ["Host", "Ban", "Now", "Before"],
                    [
                        [
                            _t(i["host"]),
                            _t(i["ban"]),
                            _badge(i["status"]),
                            _e(status_words(i["was"])[0] if i["was"] else "not reported"),
                        ]
                        for i in items[:limit]
                    ],
                )
            )
            if len(items) > limit:
                parts.append(f"<p>and {len(items) - limit} more (all are in fleet.json).</p>")
    expired = change.get("expired_exceptions") or []
    parts.append(f"<h3>Exceptions that expired: {len(expired)}</h3>")
    if expired:
        parts.append(
            _table(
                ["Hosts or selector", "Bans", "Approved by", "Reason", "Expired on"],
                [
                    [
                        _t(_exception_hosts(e)),
                        _t(", ".join(e.get("bans") or ()) or "all"),
                        _t(e.get("approver")),
                        _t(e.get("reason")),
                        _t(e.get("expires")),
                    ]
                    for e in expired
                ],
            )
        )
    return "\n".join(parts)


def _unknowns(fleet):
    by_category = fleet["summary"].get("by_category") or {}
    parts = ["<h2>Unknowns explained</h2>"]
    if not by_category:
        return parts[0] + "<p>Every host was verified.</p>"
    platforms = sorted({p for counts in by_category.values() for p in counts})
    parts.append("<p>Every host that could not be verified, by why, and per platform.</p>")
    parts.append(
        _table(
            ["Why", "Hosts", *platforms],
            [
                [_e(UNKNOWN_CATEGORIES.get(key, key)), _e(sum(counts.values()))]
                + [_e(counts.get(p, 0)) for p in platforms]
                for key, counts in by_category.items()
            ],
        )
    )
    return "\n".join(parts)


def _authorities(fleet):
    parts = ["<h2>Authorities behind each ban</h2>"]
    for ban_id, info in sorted(fleet["bans"].items()):
        items = []
        for a in info.get("authorities", ()):
            url = str(a.get("url") or "")
            link = f' <a href="{_e(url)}" rel="noreferrer">{_e(url)}</a>' if url.startswith("https://") else ""
            note = " (link not yet confirmed)" if a.get("unconfirmed") else ""
            scope = f" Applies to: {_t(a['scope'])}." if a.get("scope") else ""
            items.append(
                f"<li>{_t(a.get('name'))}, {_t(a.get('date'))}: {_t(a.get('reference'))}.{scope}{link}{note}</li>"
            )
        parts.append(
            f"<h3>{_t(info.get('title', ban_id))} ({_t(ban_id)})</h3><ul>{''.join(items) or '<li>none given</li>'}</ul>"
        )
    return "\n".join(parts)


def _exception_hosts(exception):
    """Whom an exception names: its host patterns, or its JMESPath selector."""
    return ", ".join(exception.get("hosts") or ()) or f"where {exception.get('where', '')}"


def _exceptions(fleet):
    parts = ["<h2>Exceptions</h2>"]
    if not fleet["exceptions"]:
        return parts[0] + "<p>None.</p>"
    parts.append(
        _table(
            ["Hosts or selector", "Bans", "Approved by", "Reason", "Expires", "State", "Wide", "Applied to"],
            [
                [
                    _t(_exception_hosts(e)),
                    _t(", ".join(e.get("bans", ())) or "all"),
                    _t(e.get("approver")),
                    _t(e.get("reason")),
                    _t(e.get("expires")),
                    _t(e.get("state")),
                    # A wide exception (allow_wide) says why it is wide: the auditor's first question.
                    _t(e.get("wide", "")),
                    _t(", ".join(e.get("applied_to", ()))),
                ]
                for e in fleet["exceptions"]
            ],
        )
    )
    return "\n".join(parts)


def _glossary():
    items = [(status_words(s)[0], status_words(s)[2]) for s in STATUSES]
    items += [(UNKNOWN_CATEGORIES[k].split(":")[0], UNKNOWN_CATEGORIES[k]) for k in UNKNOWN_CATEGORIES]
    items += GLOSSARY
    return (
        '<h2>Glossary</h2><dl class="glossary">'
        + "".join(f"<dt>{_e(term)}</dt><dd>{_e(meaning)}</dd>" for term, meaning in items)
        + "</dl>"
    )


def _option(value, label):
    # The value is the displayed (escaped) text, as the rows carry it, so a filter matches its hosts.
    return f'<option value="{_t(value)}">{_t(label)}</option>'


def _select(name, label, options):
    return f'<label>{_e(label)} <select id="f-{name}"><option value="">all</option>{"".join(options)}</select></label>'


def _hosts(fleet, ban_ids):
    hosts = fleet["hosts"]
    platforms = sorted({h.get("platform") or "" for h in hosts} - {""})
    mdms = sorted({(h.get("mdm") or {}).get("provider") or "" for h in hosts} - {""})
    categories = [k for k in UNKNOWN_CATEGORIES if k in (fleet["summary"].get("by_category") or {})]
    controls = " ".join(
        [
            '<label>Search <input id="f-search" type="search" placeholder="host, reason or software"></label>',
            _select("ban", "Ban", [_option(i, i) for i in ban_ids]),
            _select("status", "Status", [_option(s, status_words(s)[0]) for s in STATUSES]),
            _select("platform", "Platform", [_option(p, p) for p in platforms] + [_option("-", "not known")]),
            _select("mdm", "MDM", [_option(m, m) for m in mdms] + [_option("-", "none")]),
            _select("category", "Why not verified", [_option(k, UNKNOWN_CATEGORIES[k]) for k in categories]),
            _select("exception", "Exception", [_option("1", "has one"), _option("0", "none")]),
        ]
    )
    return (
        f"<h2>Hosts ({len(hosts)})</h2>"
        "<noscript><p><b>The searchable host table needs JavaScript.</b> Every host is also in fleet.csv and "
        "fleet.json next to this page; the summary above is complete without scripts.</p></noscript>"
        f'<div id="controls" hidden>{controls}</div>'
        '<p id="count" aria-live="polite"></p>'
        '<table id="hosts" hidden><thead><tr><th>Host</th><th>Status</th><th>Platform</th><th>Per ban</th>'
        "<th>Why</th><th>Found</th><th>Done or planned</th><th>Blocks</th><th>Result time</th></tr></thead>"
        "<tbody></tbody></table>"
        '<p id="pager" hidden><button id="prev" type="button">Previous</button> <span id="page"></span> '
        '<button id="next" type="button">Next</button></p>'
    )


# A small hand-written script, not a library: the page must stay one file that works offline and that an
# auditor can archive, and ~100 lines of DOM code are easier to review than a bundled table library. It
# only ever sets textContent (never innerHTML), so no value from a host can become markup.
SCRIPT = r"""
(function () {
  "use strict";
  var t0 = performance.now();
  var meta = JSON.parse(document.getElementById("report-meta").textContent);
  var data = JSON.parse(document.getElementById("host-data").textContent);
  var S = data.strings, ST = meta.order;
  // One object per host: names instead of the compact indices the page carries.
  var rows = data.rows.map(function (r) {
    return {host: r[0], status: ST[r[1]], platform: S[r[2]], mdm: S[r[3]], category: S[r[4]],
            exception: String(r[5]), perBan: r[6].map(function (i) { return i < 0 ? "" : ST[i]; }),
            reason: S[r[7]], found: S[r[8]], done: S[r[9]], blocks: S[r[10]], time: S[r[11]]};
  });
  var PAGE = 50, page = 0, shown = rows;
  var $ = function (id) { return document.getElementById(id); };
  var text = rows.map(function (r) { return (r.host + "\n" + r.reason + "\n" + r.found).toLowerCase(); });
  function cell(tr, value, cls) {
    var td = document.createElement("td");
    td.textContent = value;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }
  function badge(td, status) {
    var s = meta.statuses[status] || [status, "#444"];
    var span = document.createElement("span");
    span.className = "s";
    span.style.background = s[1];
    span.textContent = s[0];
    td.appendChild(span);
  }
  function filter() {
    var q = $("f-search").value.trim().toLowerCase();
    var ban = meta.bans.indexOf($("f-ban").value), st = $("f-status").value;
    var pf = $("f-platform").value, mdm = $("f-mdm").value, cat = $("f-category").value;
    var ex = $("f-exception").value;
    shown = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (q && text[i].indexOf(q) < 0) { continue; }
      if (ban >= 0 && !r.perBan[ban]) { continue; }
      if (st && (ban >= 0 ? r.perBan[ban] : r.status) !== st) { continue; }
      if (pf && (r.platform || "-") !== pf) { continue; }
      if (mdm && (r.mdm || "-") !== mdm) { continue; }
      if (cat && r.category !== cat) { continue; }
      if (ex && r.exception !== ex) { continue; }
      shown.push(r);
    }
    page = 0;
    draw();
  }
  function draw() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    var body = document.createElement("tbody");
    shown.slice(page * PAGE, page * PAGE + PAGE).forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.host, "host");
      badge(cell(tr, ""), r.status);
      cell(tr, r.platform);
      cell(tr, meta.bans.map(function (b, i) {
        return r.perBan[i] ? b + ": " + meta.statuses[r.perBan[i]][0] : "";
      }).filter(Boolean).join("\n"));
      cell(tr, (r.category ? meta.categories[r.category] + ". " : "") + r.reason);
      cell(tr, r.found);
      cell(tr, r.done);
      cell(tr, r.blocks);
      cell(tr, r.time);
      body.appendChild(tr);
    });
    var table = $("hosts");
    table.replaceChild(body, table.tBodies[0]);
    $("count").textContent = shown.length + " of " + rows.length + " host(s) match.";
    $("page").textContent = "Page " + (page + 1) + " of " + pages;
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }
  ["f-search", "f-ban", "f-status", "f-platform", "f-mdm", "f-category", "f-exception"].forEach(function (id) {
    $(id).addEventListener(id === "f-search" ? "input" : "change", filter);
  });
  $("prev").addEventListener("click", function () { page -= 1; draw(); });
  $("next").addEventListener("click", function () { page += 1; draw(); });
  $("controls").hidden = false;
  $("hosts").hidden = false;
  $("pager").hidden = false;
  filter();
  document.body.setAttribute("data-render-ms", (performance.now() - t0).toFixed(1));
})();
"""

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;font-size:13px}"
    "td{white-space:pre-line}td.host{font-weight:600;unicode-bidi:isolate}"
    ".s{color:#fff;padding:1px 6px;border-radius:3px;white-space:nowrap}"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:600}dd{margin:0}"
    "dl.glossary dd{margin:0 0 6px 0}#controls label{margin-right:12px;display:inline-block}.lead{font-size:16px}"
    "@media print{#controls,#pager{display:none}}"
)


def render_html(fleet, title="Banned software: fleet report"):
    """The page: summary tables in plain HTML, hosts as escaped JSON rendered by SCRIPT under a strict CSP."""
    ban_ids = sorted(fleet["summary"]["by_ban"])
    meta = {
        "bans": ban_ids,
        "order": list(STATUSES),
        "statuses": {s: list(status_words(s)[:2]) for s in STATUSES},
        "categories": dict(UNKNOWN_CATEGORIES),
    }
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'"
    sections = [
        _header(fleet, title),
        _summary(fleet),
        _progress(fleet),
        _changes(fleet),
        _unknowns(fleet),
        _authorities(fleet),
        _exceptions(fleet),
        _hosts(fleet, ban_ids),
    ]
    if fleet.get("errors"):
        sections.append(
            "<h2>Result files that could not be read</h2><ul>"
            + "".join(f"<li>{_t(e['file'])}: {_t(e['error'])}</li>" for e in fleet["errors"])
            + "</ul>"
        )
    sections.append(_glossary())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(s for s in sections if s)
        + f'\n<script type="application/json" id="report-meta">{json_for_script(meta)}</script>'
        + f'\n<script type="application/json" id="host-data">{json_for_script(host_rows(fleet, ban_ids))}</script>'
        + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
    )
