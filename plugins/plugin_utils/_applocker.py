# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AppLocker policy generated from the ban catalog, and merged into the policy in force.

A ban's ``platforms.windows.block.applocker`` gives signer subjects (publisher
deny rules for the Exe and Msi collections) and Store package names (deny rules
for the Appx collection). Every collection that gets a deny rule also gets
Microsoft's default allow rules, so enforcing it locks nothing else out.

Everything is deterministic: rule ids are uuid5 of the rule's content, rules
and collections are written in a fixed order, and merging our policy into one
that already holds it changes nothing (that is how idempotence is checked).
"""

from __future__ import annotations

import hashlib
import uuid
import xml.etree.ElementTree as ET

EVERYONE = "S-1-1-0"
ADMINISTRATORS = "S-1-5-32-544"
COLLECTION_ORDER = ("Appx", "Dll", "Exe", "ManagedInstaller", "Msi", "Script")
MODE_RANK = {"NotConfigured": 0, "AuditOnly": 1, "Enabled": 2}
RULE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/interdict/bans/applocker")
RULE_PREFIX = "interdict.bans"

# Microsoft's default rules (the ids AppLocker itself writes for "Create Default Rules").
DEFAULT_RULES = {
    "Exe": [
        ("path", "921cc481-6e17-4653-8f75-050b80acca20", "(Default Rule) All files located in the Program Files folder",
         EVERYONE, "%PROGRAMFILES%\\*"),
        ("path", "a61c8b2c-a319-4cd0-9690-d2177cad7b51", "(Default Rule) All files located in the Windows folder",
         EVERYONE, "%WINDIR%\\*"),
        ("path", "fd686d83-a829-4351-8ff4-27c7de5755d2", "(Default Rule) All files", ADMINISTRATORS, "*"),
    ],
    "Msi": [
        ("publisher", "b7af7102-efde-4369-8a89-7a6a392d1473",
         "(Default Rule) All digitally signed Windows Installer files", EVERYONE, "*"),
        ("path", "5b290184-345a-4453-b184-45305f6d9a54",
         "(Default Rule) All Windows Installer files in %systemdrive%\\Windows\\Installer", EVERYONE,
         "%WINDIR%\\Installer\\*"),
        ("path", "64ad46ff-0d71-4fa0-a30b-3f3d30c5433d", "(Default Rule) All Windows Installer files",
         ADMINISTRATORS, "*.*"),
    ],
    "Appx": [
        ("publisher", "a9e18c21-ff8f-43cf-b9fc-db40eed693ba", "(Default Rule) All signed packaged apps", EVERYONE, "*"),
    ],
}  # fmt: skip

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


def _default_rule(collection, entry):
    kind, rule_id, name, sid, value = entry
    rule = {"type": kind, "collection": collection, "id": rule_id, "name": name, "description": "", "sid": sid}
    rule["action"] = "Allow"
    if kind == "path":
        rule["path"] = value
    else:
        rule.update({"publisher": "*", "product": "*", "binary": "*", "low": "0.0.0.0", "high": "*"})
    return rule


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


def policy(rules, mode="Enabled"):
    """A policy dict: {collection: {mode, rules}}; default allow rules added to every collection with a deny."""
    collections = {}
    for rule in rules:
        collections.setdefault(rule["collection"], {"mode": mode, "rules": []})["rules"].append(rule)
    for collection, content in collections.items():
        defaults = [_default_rule(collection, entry) for entry in DEFAULT_RULES.get(collection, ())]
        content["rules"] = defaults + sorted(content["rules"], key=lambda r: r["id"])
    return collections


def to_xml(collections):
    """Serialize a policy dict to AppLocker XML, deterministically."""
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
        content = collections.setdefault(name, {"mode": element.get("EnforcementMode", "NotConfigured"), "rules": []})
        for rule_el in element:
            content["rules"].append(_parse_rule(name, rule_el))
    return collections


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
    rule.update({"type": "other", "xml": ET.tostring(rule_el, encoding="unicode")})
    return rule


def merge(existing, ours):
    """Merge our policy dict into the existing one; nothing existing is dropped or weakened.

    A rule is added unless the existing policy has one with the same id or the
    same action, user and condition (so default rules are never doubled). A
    collection's enforcement mode becomes the stricter of the two.
    """
    merged = {name: {"mode": c["mode"], "rules": list(c["rules"])} for name, c in existing.items()}
    for name, content in ours.items():
        target = merged.setdefault(name, {"mode": "NotConfigured", "rules": []})
        if MODE_RANK.get(content["mode"], 0) > MODE_RANK.get(target["mode"], 0):
            target["mode"] = content["mode"]
        ids = {rule["id"] for rule in target["rules"]}
        signatures = {_signature(rule) for rule in target["rules"] if rule["type"] != "other"}
        for rule in content["rules"]:
            if rule["id"] in ids or _signature(rule) in signatures:
                continue
            target["rules"].append(rule)
            ids.add(rule["id"])
            signatures.add(_signature(rule))
    return merged


def missing_rules(current, wanted):
    """Rules of ``wanted`` not in force in ``current`` (by id or equivalent condition), and collections too lax."""
    missing, lax = [], []
    for name, content in wanted.items():
        have = current.get(name, {"mode": "NotConfigured", "rules": []})
        if MODE_RANK.get(have["mode"], 0) < MODE_RANK.get(content["mode"], 0):
            lax.append(name)
        ids = {rule["id"] for rule in have["rules"]}
        signatures = {_signature(rule) for rule in have["rules"] if rule["type"] != "other"}
        missing.extend(r for r in content["rules"] if r["id"] not in ids and _signature(r) not in signatures)
    return missing, lax


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
    """The local AppLocker policy XML and AppIDSvc state from ``interdict_blocks`` (mapping or planning's flat list)."""
    if isinstance(current_blocks, dict):
        entries = [dict(entry, method=method) for method, items in current_blocks.items() for entry in items or ()]
    else:
        entries = list(current_blocks or ())
    for entry in entries:
        if entry.get("method") == "applocker":
            return entry.get("policy") or "", entry.get("appidsvc") or {}
    return "", {}


def block_steps(ban, findings, current_blocks, options):
    """The AppLocker block step for one ban, or the statuses of its rules when all are in force.

    ``current_blocks`` is the facts module's ``interdict_blocks`` (``applocker``:
    [{policy: <local policy XML>, appidsvc: {status, start_mode}}]), as a mapping
    or as planning's flat list. Returns a list of steps (``kind: block``) and
    status entries (``state: present | not_blockable``).
    """
    records = [finding["software"] for finding in findings]
    rules, not_blockable = ban_rules(ban, records)
    items = [{"ban": ban["id"], "method": "applocker", "state": "not_blockable", **item} for item in not_blockable]
    if not rules:
        return items
    mode = "AuditOnly" if options.get("applocker_mode") == "audit" else "Enabled"
    ours = policy(rules, mode)
    policy_xml, service = current_policy(current_blocks)
    current = parse(policy_xml)
    missing, lax = missing_rules(current, ours)
    service_ok = service.get("status") == "Running" and service.get("start_mode") in ("Auto", "Automatic")
    names = [rule["name"] for rule in rules]
    if not missing and not lax and service_ok:
        items.extend({"ban": ban["id"], "method": "applocker", "rule": name, "state": "present"} for name in names)
        return items
    items.append(
        {
            "id": f"{ban['id']}:block:applocker:local",
            "ban": ban["id"],
            "kind": "block",
            "platform": "windows",
            "method": "applocker",
            "target": "local AppLocker policy",
            "name": f"AppLocker deny rules for {ban.get('title', ban['id'])}",
            "content": to_xml(merge(current, ours)),
            "previous_content": policy_xml or "",
            "rule": ", ".join(names),
            "rules": names,
            "service": "AppIDSvc",
            # A block addresses the ban's return, not a finding on the host.
            "findings": [],
            "exit_codes": {"0": "ok"},
            "secrets": [],
        }
    )
    return items
