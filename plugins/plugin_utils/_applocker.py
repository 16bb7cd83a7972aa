# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AppLocker policy generated from the ban catalog, and merged into the policy in force, as a blocklist.

A ban's ``platforms.windows.block.applocker`` gives signer subjects (publisher
deny rules for the Exe and Msi collections) and Store package names (deny rules
for the Appx collection).

AppLocker blocks everything a collection with rules does not allow, so a deny
rule alone would turn the collection into an allowlist (an outage on a fleet).
The merge therefore decides per collection, from the local and the effective
(local + Group Policy) policy:

* a collection that allows nothing yet (no rules, or only denies) gets an
  explicit allow-everything rule for Everyone beside the denies (path ``*`` for
  Exe and Msi, any publisher for Appx): only the banned software is blocked;
* a collection that already allows something (an allowlist, local or from a
  GPO) gets the deny rules only, and its allow rules are left alone;
* each touched collection's enforcement mode is written explicitly (see
  ``collection_mode``): ``Set-AppLockerPolicy -Merge`` would keep the old one,
  so the executor replaces the local policy with this merge instead;
* rule collection extensions are kept and written after the rules, as the
  schema requires; with ``applocker_services`` they enforce the Exe collection
  for services (SYSTEM context) too, on Windows 10 / Server 2016 and later.

What the merge cannot do is reported as the block's ``note``: a domain policy
that overrides the local enforcement mode, an allowlist kept in audit mode, and
the SYSTEM-context gap (AppLocker applies to user-context code only by default,
so a reinstall pushed by a management agent as SYSTEM is not blocked).

Everything is deterministic: rule ids are uuid5 of the rule's content, rules
and collections are written in a fixed order, and merging our policy into one
that already holds it gives the same bytes (that is how idempotence is checked).
"""

from __future__ import annotations

import hashlib
import uuid
import xml.etree.ElementTree as ET

EVERYONE = "S-1-1-0"
COLLECTION_ORDER = ("Appx", "Dll", "Exe", "ManagedInstaller", "Msi", "Script")
MODE_RANK = {"NotConfigured": 0, "AuditOnly": 1, "Enabled": 2}
RULE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/interdict/bans/applocker")
RULE_PREFIX = "interdict.bans"

# The allow-everything rules that keep a blocklist collection a blocklist (ids fixed: uuid5 of their content).
ALLOW_ALL_NAME = f"{RULE_PREFIX}: allow everything not denied (blocklist)"
ALLOW_ALL = {
    "Exe": ("path", "*"),
    "Msi": ("path", "*"),
    "Appx": ("publisher", "*"),
}
# Rule collection extensions (Windows 10 and Server 2016 and later, Exe and Dll collections only):
# https://learn.microsoft.com/windows/security/application-security/application-control/app-control-for-business/applocker/rule-collection-extensions
# Services enforcement applies the collection to non-user processes (SYSTEM); SystemApps must then allow Windows' own
# code, and both ThresholdExtensions and RedstoneExtensions must be present.
SERVICES_EXTENSIONS = (
    '<RuleCollectionExtensions><ThresholdExtensions><Services EnforcementMode="Enabled" /></ThresholdExtensions>'
    '<RedstoneExtensions><SystemApps Allow="Enabled" /></RedstoneExtensions></RuleCollectionExtensions>'
)
SERVICES_COLLECTIONS = ("Exe",)
SERVICES_MIN_BUILD = 10240  # Windows 10 1507 / Server 2016 (14393) and later have the extensions
SYSTEM_GAP = (
    "AppLocker applies to user-context code only: a reinstall run as SYSTEM (a management agent's push) is not "
    "blocked; set applocker_services to enforce the Exe rules for services too (Windows 10 / Server 2016 and later)"
)

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


class PolicyError(ValueError):
    """An AppLocker policy XML that cannot be read; the message says where."""


def publisher_id(publisher):
    """The 13-character publisher id of a package family name, from the package's Publisher subject.

    (First 8 bytes of SHA-256 over the UTF-16LE subject, in Crockford base32.)
    Used to check that a publisher read from a host belongs to the catalog's package.
    """
    digest = hashlib.sha256(publisher.encode("utf-16-le")).digest()[:8]
    bits = int.from_bytes(digest, "big") << 1  # 64 bits padded to 65 = 13 groups of 5
    return "".join(_CROCKFORD[(bits >> (5 * (12 - i))) & 31] for i in range(13))


def _rule_id(*parts):
    return str(uuid.uuid5(RULE_NAMESPACE, "|".join(parts)))


def _publisher_rule(collection, ban_id, publisher, product="*", binary="*", note=""):
    return {
        "type": "publisher",
        "collection": collection,
        "id": _rule_id(collection, "Deny", EVERYONE, publisher.upper(), product.upper(), binary.upper()),
        "name": f"{RULE_PREFIX} {ban_id}: deny {product if product != '*' else publisher} ({collection})",
        "description": note,
        "sid": EVERYONE,
        "action": "Deny",
        "publisher": publisher,
        "product": product,
        "binary": binary,
        "low": "*" if collection != "Appx" else "0.0.0.0",
        "high": "*",
    }


def _package_publishers(package, records):
    """Publisher subjects seen on the host for a package whose family name carries the catalog's publisher id."""
    found = set()
    wanted = package["name"].casefold()
    for record in records:
        if record.get("source") not in ("appx", "appx_provisioned") or not record.get("signer"):
            continue
        name = str(record.get("package_name") or str(record.get("identifier") or "").split("_", maxsplit=1)[0])
        if name.casefold() != wanted:
            continue
        if package.get("publisher_id") and publisher_id(record["signer"]) != package["publisher_id"]:
            continue  # a look-alike package signed by someone else
        found.add(record["signer"])
    return sorted(found)


def ban_rules(ban, records=()):
    """Deny rules for one ban, and the block entries that could not become rules (with why)."""
    spec = ((ban.get("platforms", {}).get("windows") or {}).get("block") or {}).get("applocker") or {}
    rules, not_blockable = [], []
    for entry in spec.get("publishers", ()):
        note = entry.get("source", "") + (" (unconfirmed)" if entry.get("unconfirmed") else "")
        for collection in entry.get("collections", ["Exe", "Msi"]):
            rules.append(
                _publisher_rule(
                    collection, ban["id"], entry["publisher"], entry.get("product", "*"), entry.get("binary", "*"), note
                )
            )
    for package in spec.get("packages", ()):
        publishers = [package["publisher"]] if package.get("publisher") else _package_publishers(package, records)
        if not publishers:
            not_blockable.append(
                {
                    "rule": f"Appx {package['name']}",
                    "note": "the package's publisher is not in the catalog and the package is not on this host; "
                    "set block.applocker.packages[].publisher to block it before it arrives",
                }
            )
        note = package.get("source", "") + (" (unconfirmed)" if package.get("unconfirmed") else "")
        for publisher in publishers:
            rules.append(_publisher_rule("Appx", ban["id"], publisher, package["name"], "*", note))
    return rules, not_blockable


def _condition_key(rule):
    if rule["type"] == "path":
        return ("path", rule["path"].casefold())
    return ("publisher", *(rule[k].casefold() for k in ("publisher", "product", "binary", "low", "high")))


def _signature(rule):
    return (rule["action"], rule["sid"], _condition_key(rule))


def allow_all_rule(collection):
    """The explicit allow-everything rule for Everyone of a blocklist collection."""
    kind, value = ALLOW_ALL[collection]
    rule = {
        "type": kind,
        "collection": collection,
        "id": _rule_id(collection, "Allow", EVERYONE, kind, value),
        "name": ALLOW_ALL_NAME,
        "description": "Beside the deny rules of interdict.bans: everything else stays allowed.",
        "sid": EVERYONE,
        "action": "Allow",
    }
    if kind == "path":
        rule["path"] = value
    else:
        rule.update({"publisher": "*", "product": "*", "binary": "*", "low": "0.0.0.0", "high": "*"})
    return rule


def policy(rules, mode="Enabled"):
    """Our deny rules as a policy dict: {collection: {mode, rules, extensions}}, rules sorted by id."""
    collections = {}
    for rule in rules:
        collections.setdefault(rule["collection"], {"mode": mode, "rules": [], "extensions": ""})["rules"].append(rule)
    for content in collections.values():
        content["rules"].sort(key=lambda r: r["id"])
    return collections


def _empty():
    return {"mode": "NotConfigured", "rules": [], "extensions": ""}


def effective_mode(content):
    """What a collection enforces: NotConfigured with rules is enforced (AppLocker's documented default)."""
    if content["mode"] == "NotConfigured" and content["rules"]:
        return "Enabled"
    return content["mode"]


def allows_anything(*contents):
    """Whether any of these (local, effective) collections has an allow rule: then it is an allowlist."""
    return any(rule["action"] == "Allow" for content in contents if content for rule in content["rules"])


def collection_mode(local, effective, wanted):
    """The explicit enforcement mode a touched collection gets (the one decision on modes).

    An allowlist (an allow rule in the local or effective policy) keeps what it
    enforces: raising an allowlist from audit to enforce would lock out what it
    only audits. A blocklist gets the stricter of what it enforces and ``wanted``.
    """
    current = effective_mode(local)
    if allows_anything(local, effective) and current != "NotConfigured":
        return current
    return max(current, wanted, key=lambda mode: MODE_RANK.get(mode, 0))


def to_xml(collections):
    """Serialize a policy dict to AppLocker XML, deterministically; extensions after the rules."""
    root = ET.Element("AppLockerPolicy", {"Version": "1"})
    for name in sorted(collections, key=lambda c: (COLLECTION_ORDER.index(c) if c in COLLECTION_ORDER else 99, c)):
        content = collections[name]
        element = ET.SubElement(root, "RuleCollection", {"Type": name, "EnforcementMode": content["mode"]})
        for rule in content["rules"]:
            if "xml" in rule:  # a rule we read and do not model (hash rules, exceptions): kept verbatim
                element.append(ET.fromstring(rule["xml"]))
                continue
            tag = "FilePathRule" if rule["type"] == "path" else "FilePublisherRule"
            attrs = {
                "Id": rule["id"],
                "Name": rule["name"],
                "Description": rule.get("description", ""),
                "UserOrGroupSid": rule["sid"],
                "Action": rule["action"],
            }
            rule_el = ET.SubElement(element, tag, attrs)
            conditions = ET.SubElement(rule_el, "Conditions")
            if rule["type"] == "path":
                ET.SubElement(conditions, "FilePathCondition", {"Path": rule["path"]})
            else:
                condition = ET.SubElement(
                    conditions,
                    "FilePublisherCondition",
                    {"PublisherName": rule["publisher"], "ProductName": rule["product"], "BinaryName": rule["binary"]},
                )
                ET.SubElement(condition, "BinaryVersionRange", {"LowSection": rule["low"], "HighSection": rule["high"]})
        if content.get("extensions"):
            element.append(ET.fromstring(content["extensions"]))
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode")


def parse(xml_text):
    """Read AppLocker policy XML (as Get-AppLockerPolicy -Xml writes it) into a policy dict."""
    if not xml_text or not str(xml_text).strip():
        return {}
    try:
        root = ET.fromstring(str(xml_text).lstrip("\ufeff"))
    except ET.ParseError as exc:
        raise PolicyError(f"AppLocker policy XML: {exc}") from None
    if root.tag != "AppLockerPolicy":
        raise PolicyError(f"AppLocker policy XML: root element is {root.tag!r}, expected 'AppLockerPolicy'")
    collections = {}
    for element in root.findall("RuleCollection"):
        name = element.get("Type")
        content = collections.setdefault(name, {**_empty(), "mode": element.get("EnforcementMode", "NotConfigured")})
        for rule_el in element:
            if rule_el.tag == "RuleCollectionExtensions":
                for node in rule_el.iter():
                    node.tail = None if node is rule_el else node.tail
                content["extensions"] = _compact(rule_el)
                continue
            content["rules"].append(_parse_rule(name, rule_el))
    return collections


def _compact(element):
    """An element as one line of XML without indentation (so re-indenting gives the same bytes)."""
    for node in element.iter():
        node.text = node.text.strip() or None if node.text else None
        node.tail = None
    return ET.tostring(element, encoding="unicode")


def _parse_rule(collection, rule_el):
    rule = {
        "collection": collection,
        "id": rule_el.get("Id", "").strip("{}").lower(),
        "name": rule_el.get("Name", ""),
        "description": rule_el.get("Description", ""),
        "sid": rule_el.get("UserOrGroupSid", ""),
        "action": rule_el.get("Action", ""),
    }
    conditions = list(rule_el.find("Conditions") or [])
    exceptions = rule_el.find("Exceptions")
    simple = len(conditions) == 1 and (exceptions is None or len(exceptions) == 0)
    if simple and rule_el.tag == "FilePathRule" and conditions[0].tag == "FilePathCondition":
        rule.update({"type": "path", "path": conditions[0].get("Path", "")})
        return rule
    if simple and rule_el.tag == "FilePublisherRule" and conditions[0].tag == "FilePublisherCondition":
        version = conditions[0].find("BinaryVersionRange")
        rule.update(
            {
                "type": "publisher",
                "publisher": conditions[0].get("PublisherName", ""),
                "product": conditions[0].get("ProductName", ""),
                "binary": conditions[0].get("BinaryName", ""),
                "low": version.get("LowSection", "*") if version is not None else "*",
                "high": version.get("HighSection", "*") if version is not None else "*",
            }
        )
        return rule
    rule.update({"type": "other", "xml": _compact(rule_el)})
    return rule


def _has(target, rule):
    ids = {r["id"] for r in target["rules"]}
    signatures = {_signature(r) for r in target["rules"] if r["type"] != "other"}
    return rule["id"] in ids or _signature(rule) in signatures


def merge(existing, ours, effective=None, services=False):
    """Our policy dict merged into the existing local one; nothing existing is dropped or weakened.

    ``effective`` is the effective policy (local + GPO): an allow rule there
    makes a collection an allowlist too. A rule is added unless the collection
    has one with the same id or the same action, user and condition. Collections
    we do not touch are kept as they are.
    """
    effective = effective or {}
    merged = {
        name: {"mode": c["mode"], "rules": list(c["rules"]), "extensions": c.get("extensions", "")}
        for name, c in existing.items()
    }
    for name, content in ours.items():
        target = merged.setdefault(name, _empty())
        mode = collection_mode(target, effective.get(name), content["mode"])
        if name in ALLOW_ALL and not allows_anything(target, effective.get(name)):
            allow = allow_all_rule(name)
            target["rules"].insert(0, allow)
        for rule in content["rules"]:
            if not _has(target, rule):
                target["rules"].append(rule)
        target["mode"] = mode
        if services and name in SERVICES_COLLECTIONS and not target["extensions"]:
            target["extensions"] = SERVICES_EXTENSIONS
    return merged


def missing_rules(current, merged):
    """Rules and modes of ``merged`` not in force in ``current``: ([rules missing], [collections to change])."""
    missing, changed = [], []
    for name, content in merged.items():
        have = current.get(name, _empty())
        if have["mode"] != content["mode"] or have.get("extensions", "") != content.get("extensions", ""):
            changed.append(name)
        missing.extend(r for r in content["rules"] if not _has(have, r))
    return missing, changed


def notes(local, effective, merged, ours, services, build):
    """What the report must say about the merged policy: GPO overrides, allowlists in audit, the SYSTEM gap."""
    said = []
    for name in sorted(ours):
        domain = (effective or {}).get(name)
        if domain and domain["mode"] not in ("NotConfigured", merged[name]["mode"]):
            said.append(
                f"{name}: a domain (Group Policy) AppLocker policy enforces {domain['mode']}, which overrides the "
                f"local {merged[name]['mode']}"
            )
        if merged[name]["mode"] != ours[name]["mode"] and allows_anything(local.get(name), domain):
            said.append(
                f"{name}: the existing allowlist stays in {merged[name]['mode']}, so the deny rules are "
                f"{'audited only' if merged[name]['mode'] == 'AuditOnly' else 'in force in that mode'}"
            )
    if not services:
        said.append(SYSTEM_GAP)
    elif build and build < SERVICES_MIN_BUILD:
        said.append(f"this Windows build ({build}) has no rule collection extensions: {SYSTEM_GAP}")
    elif any(
        merged[name].get("extensions") not in ("", SERVICES_EXTENSIONS)
        for name in SERVICES_COLLECTIONS
        if name in merged
    ):
        said.append("the Exe collection already has rule collection extensions, kept as they are")
    return said


def rules_in_force(xml_text, ban_id=None):
    """Names of our deny rules in a policy (optionally of one ban), for the report."""
    prefix = f"{RULE_PREFIX} {ban_id}:" if ban_id else f"{RULE_PREFIX} "
    return [
        {"collection": name, "id": rule["id"], "name": rule["name"], "mode": content["mode"]}
        for name, content in parse(xml_text).items()
        for rule in content["rules"]
        if rule["action"] == "Deny" and rule["name"].startswith(prefix)
    ]


def current_policy(current_blocks):
    """The applocker entry of ``interdict_blocks`` (a mapping, or planning's flat list): policy, effective, ..."""
    if isinstance(current_blocks, dict):
        entries = [dict(entry, method=method) for method, items in current_blocks.items() for entry in items or ()]
    else:
        entries = list(current_blocks or ())
    for entry in entries:
        if entry.get("method") == "applocker":
            return entry
    return {}


def _build(entry):
    try:
        return int(entry.get("build") or 0)
    except (TypeError, ValueError):
        return 0


def block_steps(ban, findings, current_blocks, options):
    """The AppLocker block step for one ban, or the statuses of its rules when all are in force.

    ``current_blocks`` is the facts module's ``interdict_blocks`` (``applocker``:
    [{policy: <local policy XML>, effective: <effective policy XML>, appidsvc:
    {status, start_mode}, build}]), as a mapping or as planning's flat list.
    Returns a list of steps (``kind: block``) and status entries (``state:
    present | not_blockable``); what the policy cannot do is in their ``note``.
    """
    records = [finding["software"] for finding in findings]
    rules, not_blockable = ban_rules(ban, records)
    items = [{"ban": ban["id"], "method": "applocker", "state": "not_blockable", **item} for item in not_blockable]
    if not rules:
        return items
    mode = "AuditOnly" if options.get("applocker_mode") == "audit" else "Enabled"
    services = bool(options.get("applocker_services"))
    entry = current_policy(current_blocks)
    build = _build(entry)
    services_here = services and not (build and build < SERVICES_MIN_BUILD)
    policy_xml = entry.get("policy") or ""
    ours = policy(rules, mode)
    local, effective = parse(policy_xml), parse(entry.get("effective") or "")
    merged = merge(local, ours, effective, services_here)
    missing, changed = missing_rules(local, merged)
    service = entry.get("appidsvc") or {}
    service_ok = service.get("status") == "Running" and service.get("start_mode") in ("Auto", "Automatic")
    names = [rule["name"] for rule in rules]
    note = "; ".join(notes(local, effective, merged, ours, services, build))
    if not missing and not changed and service_ok:
        items.extend(
            {
                "ban": ban["id"],
                "method": "applocker",
                "rule": name,
                "state": "present",
                **({"note": note} if note else {}),
            }
            for name in names
        )
        return items
    step = {
        "id": f"{ban['id']}:block:applocker:local",
        "ban": ban["id"],
        "kind": "block",
        "platform": "windows",
        "method": "applocker",
        "target": "local AppLocker policy",
        "name": f"AppLocker deny rules for {ban.get('title', ban['id'])}",
        # The executor merges the content (Set-AppLockerPolicy -Merge adds the rules, keeping what is there, also
        # another ban's rules set earlier in the same run), then writes these modes and extensions explicitly.
        "content": to_xml(merged),
        "previous_content": policy_xml,
        "modes": {name: merged[name]["mode"] for name in sorted(ours)},
        "extensions": {name: merged[name]["extensions"] for name in sorted(ours) if merged[name].get("extensions")},
        "rule": ", ".join(names),
        "rules": names,
        "service": "AppIDSvc",
        # A block addresses the ban's return, not a finding on the host.
        "findings": [],
        "exit_codes": {"0": "ok"},
        "secrets": [],
    }
    if note:
        step["note"] = note
    items.append(step)
    return items
