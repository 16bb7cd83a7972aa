# ruff: noqa: E501 - the corpus keeps each expected error on one line, as it is printed
"""The bad-input corpus: one file or one call per case, with the exact error it must give.

A case is ``(id, kind, input, expected)``:

- ``ban``: ``input`` is the text (str) or bytes of one ban file, loaded with the catalog lookup's
  ``ban_paths``; ``expected`` is the whole error, with ``{path}`` for the file's path.
- ``call``: ``input`` is ``(entry point, args, kwargs)``; ``expected`` the whole error.
- ``safe``: ``input`` is ``(entry point, args, kwargs, check)``; no error, and ``check(result)`` holds
  (the documented safe outcome).
- ``results``: ``input`` is ``{file name: bytes}`` written next to one good host result;
  ``expected`` the one entry the fleet merge lists under ``errors`` (the good file still loads).

The resource cases (``RESOURCE``) also run in a child process that measures time and memory.
"""

import copy
import json

import yaml

# ---------------------------------------------------------------- ban files

GOOD = {
    "id": "deepseek",
    "title": "DeepSeek",
    "description": "DeepSeek's chat app.",
    "authorities": [{"name": "Example Ministry", "date": "2025-02-06", "reference": "memo 1"}],
    "platforms": {
        "ios": {
            "identifiers": [{"value": "com.deepseek.chat", "source": "App Store"}],
            "names": [{"pattern": "DeepSeek(?: - AI Assistant)?", "source": "App Store"}],
        },
        "windows": {
            "names": [{"pattern": "DeepSeek Desktop.*", "source": "test"}],
            "remove": {
                "order": {"first": ["DeepSeek Desktop Core.*"]},
                "products": [{"name": "DeepSeek Desktop.*", "source": "test"}],
            },
        },
        "macos": {
            "names": [{"pattern": "DeepSeek", "source": "test"}],
            "remove": {"uninstallers": [{"match": "DeepSeek", "command": ["/bin/true"], "source": "test"}]},
        },
        "linux": {"identifiers": [{"value": "deepseek-desktop", "source": "test"}]},
    },
}
GOOD_TEXT = yaml.safe_dump(GOOD, allow_unicode=True, sort_keys=False)
P = "{path}: ban 'deepseek': "
U = "{path}: ban (unparsed): not valid YAML: "


def mutated(change):
    """The good ban, changed by ``change(data)``, as YAML text."""
    data = copy.deepcopy(GOOD)
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)


def at(*keys):
    """A setter for a nested key: at("platforms", "ios", "names", 0, "pattern")(value) -> change."""

    def setter(value):
        def change(data):
            target = data
            for key in keys[:-1]:
                target = target[key]
            target[keys[-1]] = value

        return change

    return setter


ios_name = at("platforms", "ios", "names", 0, "pattern")
ios_identifier = at("platforms", "ios", "identifiers", 0, "value")
ios_names_entry = at("platforms", "ios", "names", 0)
ios_identifier_entry = at("platforms", "ios", "identifiers", 0)
win_order_first = at("platforms", "windows", "remove", "order", "first")
win_product_name = at("platforms", "windows", "remove", "products", 0, "name")
mac_match = at("platforms", "macos", "remove", "uninstallers", 0, "match")


def with_(**fields):
    return lambda data: data.update(fields)


def platform(name, spec):
    return lambda data: data["platforms"].update({name: spec})


def block(platform_name, key, values):
    def change(data):
        data["platforms"].setdefault(platform_name, {"identifiers": [{"value": "deepseek-x", "source": "t"}]})
        data["platforms"][platform_name]["block"] = {key: values}

    return change


SECRET_X = {"name": "x", "env": "X", "encoding": "plain", "description": "d"}
ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(8)
    )
    + "id: *i\n"
)
BLOCK_HINT = (
    "is common software (data/corpus); it can only be blocked when an identifier with the same value says "
    "allow_broad: true"
)
REPLACES_HINT = (
    "{path}: ban 'kaspersky': id: the bundled ban 'kaspersky' ({bundled}/kaspersky.yml) has this id; "
    "say replaces: kaspersky to replace it, or choose another id"
)
BROAD_HINT = "narrow it, or say allow_broad: true with a broad_reason"
COMMON = "is common software (data/corpus); say allow_broad: true with a broad_reason if this is really meant"
NESTED = "a repeat inside a repeat, like (a+)+ or (a*\\s?)*, can take exponential time"
OVERLAP = "a repeated alternation whose branches can match the same text, like (a|ab)*, can take exponential time"
BACKREF = "backreferences and conditional groups are not allowed (they can take exponential time)"
ALLOWED_TOP = "allowed: authorities, description, id, platforms, replaces, secrets, title"
ALLOWED_MATCHER = "allowed: allow_broad, broad_reason, note, source, unconfirmed, value"

BAN_CASES = [
    # YAML itself: resource attacks and constructs the loader refuses
    ("alias bomb", ALIAS_BOMB, U + "anchors and aliases are not allowed (line 1, column 4)"),
    (
        "one anchor and alias",
        GOOD_TEXT + "extra: &x 1\nmore: *x\n",
        U + "anchors and aliases are not allowed (line 41, column 8)",
    ),
    (
        "merge key through an alias",
        "base: &b {id: x}\n<<: *b\n",
        U + "anchors and aliases are not allowed (line 1, column 7)",
    ),
    (
        "custom tag",
        GOOD_TEXT.replace("title: DeepSeek", "title: !evil DeepSeek"),
        U + "explicit tags are not allowed (line 2, column 8)",
    ),
    (
        "python object tag",
        "id: !!python/object/apply:os.system ['true']\n",
        U + "explicit tags are not allowed (line 1, column 5)",
    ),
    ("binary tag", "id: !!binary aGVsbG8=\n", U + "explicit tags are not allowed (line 1, column 5)"),
    ("set tag", "id: !!set {a, b}\n", U + "explicit tags are not allowed (line 1, column 5)"),
    ("str tag", "id: !!str deepseek\n", U + "explicit tags are not allowed (line 1, column 5)"),
    ("duplicate key", GOOD_TEXT + "id: other\n", U + "duplicate key 'id' (line 41, column 1)"),
    ("complex key", "? [a, b]\n: c\n", U + "keys must be plain scalars (line 1, column 3)"),
    (
        "deep nesting 13 levels",
        "id: " + "[" * 13 + "]" * 13 + "\n",
        U + "nested deeper than 12 levels (line 1, column 16)",
    ),
    (
        "deep nesting 100000 levels",
        "id: " + "[" * 100000 + "]" * 100000 + "\n",
        U + "nested deeper than 12 levels (line 1, column 16)",
    ),
    (
        "deep block mappings",
        "".join("  " * i + f"k{i}:\n" for i in range(14)) + "  " * 14 + "v\n",
        U + "nested deeper than 12 levels (line 13, column 25)",
    ),
    (
        "two documents",
        GOOD_TEXT + "---\nid: second\n",
        U + "expected a single document in the stream, but found another document (line 41, column 1)",
    ),
    (
        "unclosed flow",
        "id: [unclosed\n",
        U + "while parsing a flow sequence, expected ',' or ']', but got '<stream end>' (line 2, column 1)",
    ),
    (
        "tab indentation",
        "id: x\n\ttitle: y\n",
        U + "while scanning for the next token, found character '\\t' that cannot start any token (line 2, column 1)",
    ),
    ("NUL byte", b"id: dee\x00pseek\n", U + "special characters are not allowed (character U+0000 at offset 7)"),
    ("bad indentation", "id: x\n title: y\n  z\n", U + "mapping values are not allowed here (line 2, column 7)"),
    # encoding, size
    (
        "latin-1 file",
        GOOD_TEXT.replace("DeepSeek's", "DeepSeek\u00e9s").encode("latin-1"),
        "{path}: not UTF-8 text: byte 0xe9 at offset 50 (save the file as UTF-8)",
    ),
    (
        "UTF-16 file",
        GOOD_TEXT.encode("utf-16"),
        "{path}: not UTF-8 text: byte 0xff at offset 0 (save the file as UTF-8)",
    ),
    (
        "overlong UTF-8",
        b"id: \xc0\xafdeepseek\n",
        "{path}: not UTF-8 text: byte 0xc0 at offset 4 (save the file as UTF-8)",
    ),
    (
        "truncated UTF-8",
        b"id: deepseek\ntitle: \xe5\xbe\n",
        "{path}: not UTF-8 text: byte 0xe5 at offset 20 (save the file as UTF-8)",
    ),
    ("huge file", GOOD_TEXT + "#" * (300 * 1024), "{path}: ban file larger than 262144 bytes"),
    ("empty file", "", "{path}: ban (no id): (top level): expected a mapping, got null"),
    ("only a comment", "# nothing\n", "{path}: ban (no id): (top level): expected a mapping, got null"),
    ("a list", "- id: deepseek\n", "{path}: ban (no id): (top level): expected a mapping, got a list"),
    ("a scalar", "deepseek\n", "{path}: ban (no id): (top level): expected a mapping, got a string"),
    ("integer key", GOOD_TEXT + "1: x\n", P + "(top level): keys must be strings, got int"),
    ("null key", GOOD_TEXT + "~: x\n", P + "(top level): keys must be strings, got null"),
    (
        "key with a newline",
        GOOD_TEXT + '"evil\\nkey": x\n',
        P + "(top level): a key holds a control character or is longer than 64 characters",
    ),
    (
        "key of 100 characters",
        GOOD_TEXT + "k" * 100 + ": x\n",
        P + "(top level): a key holds a control character or is longer than 64 characters",
    ),
    # control characters and lengths
    (
        "newline in title",
        mutated(with_(title="DeepSeek\nPackage: *\nPin-Priority: -1")),
        P + "title: holds control character U+000A at offset 8",
    ),
    (
        "carriage return in title",
        mutated(with_(title="DeepSeek\r")),
        P + "title: holds control character U+000D at offset 8",
    ),
    (
        "line separator in title",
        mutated(with_(title="Deep\u2028Seek")),
        P + "title: holds control character U+2028 at offset 4",
    ),
    (
        "escape sequence in title",
        mutated(with_(title="\x1b[31mDeepSeek")),
        P + "title: holds control character U+001B at offset 0",
    ),
    (
        "C1 control in title",
        GOOD_TEXT.replace("title: DeepSeek", 'title: "Deep\\x9bSeek"'),
        P + "title: holds control character U+009B at offset 4",
    ),
    (
        "NUL escape in description",
        mutated(with_(description="a\0b")),
        P + "description: holds control character U+0000 at offset 1 (only newline and tab are allowed here)",
    ),
    (
        "newline in identifier",
        mutated(ios_identifier("com.deepseek\nPackage: *")),
        P + "platforms.ios.identifiers[0].value: holds control character U+000A at offset 12",
    ),
    (
        "newline in pattern",
        mutated(ios_name("Deep\nSeek")),
        P + "platforms.ios.names[0].pattern: holds control character U+000A at offset 4",
    ),
    (
        "tab in uninstaller argv",
        mutated(at("platforms", "macos", "remove", "uninstallers", 0, "command")(["/bin/rm\t-rf"])),
        P + "platforms.macos.remove.uninstallers[0].command[0]: holds control character U+0009 at offset 7",
    ),
    (
        "newline in block package",
        mutated(block("linux", "packages", ["deepseek\nPackage: *"])),
        P + "platforms.linux.block.packages[0]: holds control character U+000A at offset 8",
    ),
    (
        "newline in authority reference",
        mutated(lambda d: d["authorities"][0].update(reference="memo\n1")),
        P + "authorities[0].reference: holds control character U+000A at offset 4",
    ),
    ("title of 5000 characters", mutated(with_(title="D" * 5000)), P + "title: longer than 4096 characters (5000)"),
    (
        "pattern of 600 characters",
        mutated(ios_name("DeepSeek" + "x" * 592)),
        P + "platforms.ios.names[0].pattern: longer than 512 characters",
    ),
    ("NaN in a field", GOOD_TEXT.replace("title: DeepSeek", "title: .nan"), P + "title: not a number"),
    # schema
    ("missing id", mutated(lambda d: d.pop("id")), "{path}: ban (no id): (top level): missing required field 'id'"),
    (
        "upper-case id",
        mutated(with_(id="DeepSeek")),
        "{path}: ban (no id): id: does not have the required form (regular expression ^[a-z][a-z0-9_]{0,63}$)",
    ),
    (
        "id of 70 characters",
        mutated(with_(id="d" * 70)),
        "{path}: ban (no id): id: does not have the required form (regular expression ^[a-z][a-z0-9_]{0,63}$)",
    ),
    ("id a number", mutated(with_(id=7)), "{path}: ban (no id): id: expected a string, got int"),
    ("missing title", mutated(lambda d: d.pop("title")), P + "(top level): missing required field 'title'"),
    ("empty title", mutated(with_(title="")), P + "title: must not be empty"),
    ("title a list", mutated(with_(title=["DeepSeek"])), P + "title: expected a string, got a list"),
    (
        "unknown top-level field",
        mutated(with_(severity="high")),
        P + f"(top level): unknown field 'severity' ({ALLOWED_TOP})",
    ),
    ("no authorities", mutated(with_(authorities=[])), P + "authorities: must not be empty"),
    (
        "authority date in words",
        mutated(lambda d: d["authorities"][0].update(date="6 Feb 2025")),
        P + "authorities[0].date: does not have the required form (regular expression ^\\d{4}-\\d{2}-\\d{2}$)",
    ),
    (
        "authority url not http",
        mutated(lambda d: d["authorities"][0].update(url="javascript:alert(1)")),
        P + "authorities[0].url: does not have the required form (regular expression ^https?://)",
    ),
    ("no platforms", mutated(with_(platforms={})), P + "platforms: must not be empty"),
    (
        "unknown platform",
        mutated(platform("blackberry", {"identifiers": [{"value": "x", "source": "y"}]})),
        P + "platforms.blackberry: unknown platform (expected one of windows, linux, macos, ios, android)",
    ),
    (
        "platform without matcher",
        mutated(platform("android", {})),
        P + "platforms.android: needs at least one matcher (identifiers, names, publishers, signers)",
    ),
    (
        "empty matcher list",
        mutated(at("platforms", "ios", "identifiers")([])),
        P + "platforms.ios.identifiers: must not be empty",
    ),
    (
        "matcher without source",
        mutated(lambda d: d["platforms"]["ios"]["identifiers"][0].pop("source")),
        P + "platforms.ios.identifiers[0]: missing required field 'source'",
    ),
    ("empty identifier", mutated(ios_identifier("")), P + "platforms.ios.identifiers[0].value: must not be empty"),
    (
        "identifier a number",
        mutated(ios_identifier(42)),
        P + "platforms.ios.identifiers[0].value: expected a string, got int",
    ),
    (
        "unknown matcher field",
        mutated(lambda d: d["platforms"]["ios"]["identifiers"][0].update(regex=True)),
        P + f"platforms.ios.identifiers[0]: unknown field 'regex' ({ALLOWED_MATCHER})",
    ),
    (
        "unconfirmed as a string",
        mutated(lambda d: d["platforms"]["ios"]["identifiers"][0].update(unconfirmed="yes")),
        P + "platforms.ios.identifiers[0].unconfirmed: expected a boolean, got a string",
    ),
    (
        "uninstaller without command",
        mutated(lambda d: d["platforms"]["macos"]["remove"]["uninstallers"][0].pop("command")),
        P + "platforms.macos.remove.uninstallers[0]: missing required field 'command'",
    ),
    (
        "success code a string",
        mutated(lambda d: d["platforms"]["macos"]["remove"]["uninstallers"][0].update(success_codes=["0"])),
        P + "platforms.macos.remove.uninstallers[0].success_codes[0]: expected an integer, got a string",
    ),
    (
        "secret with a bad encoding",
        mutated(with_(secrets=[{"name": "x", "env": "X", "encoding": "base64", "description": "d"}])),
        P + "secrets[0].encoding: expected one of plain, utf16le_hex",
    ),
    (
        "secret declared twice",
        mutated(with_(secrets=[dict(SECRET_X), dict(SECRET_X)])),
        P + "secrets[1].name: 'x' is declared twice",
    ),
    # patterns, compiled as they run
    (
        "unbalanced pattern",
        mutated(ios_name("DeepSeek(AI")),
        P
        + "platforms.ios.names[0].pattern: invalid regular expression: missing ), unterminated subpattern at position 8",
    ),
    (
        "inline global flag",
        mutated(ios_name("DeepSeek(?i)")),
        P
        + "platforms.ios.names[0].pattern: invalid regular expression: global flags not at the start of the expression at position 8",
    ),
    (
        "bad escape",
        mutated(ios_name("DeepSeek\\")),
        P + "platforms.ios.names[0].pattern: invalid regular expression: bad escape (end of pattern) at position 8",
    ),
    (
        "bad character range",
        mutated(ios_name("Deep[z-a]")),
        P + "platforms.ios.names[0].pattern: invalid regular expression: bad character range z-a at position 5",
    ),
    (
        "unbalanced order pattern",
        mutated(win_order_first(["Core("])),
        P
        + "platforms.windows.remove.order.first[0]: invalid regular expression: missing ), unterminated subpattern at position 4",
    ),
    (
        "unbalanced product name",
        mutated(win_product_name("DeepSeek[")),
        P
        + "platforms.windows.remove.products[0].name: invalid regular expression: unterminated character set at position 8",
    ),
    (
        "unbalanced uninstaller match",
        mutated(mac_match("Deep)Seek")),
        P
        + "platforms.macos.remove.uninstallers[0].match: invalid regular expression: unbalanced parenthesis at position 4",
    ),
    ("nested plus", mutated(ios_name("(a+)+DeepSeek")), P + f"platforms.ios.names[0].pattern: {NESTED}"),
    ("nested star", mutated(ios_name("DeepSeek(x*)*")), P + f"platforms.ios.names[0].pattern: {NESTED}"),
    ("nested word repeat", mutated(ios_name("DeepSeek(\\w+\\s?)*")), P + f"platforms.ios.names[0].pattern: {NESTED}"),
    (
        "nested bounded repeat",
        mutated(ios_name("DeepSeek(x{1,30}){1,30}")),
        P + f"platforms.ios.names[0].pattern: {NESTED}",
    ),
    ("dot-star group repeated", mutated(ios_name("DeepSeek(.*)+")), P + f"platforms.ios.names[0].pattern: {NESTED}"),
    ("overlapping alternation", mutated(ios_name("DeepSeek(x|x)*")), P + f"platforms.ios.names[0].pattern: {OVERLAP}"),
    ("prefix alternation", mutated(ios_name("DeepSeek(x|xy)+")), P + f"platforms.ios.names[0].pattern: {OVERLAP}"),
    ("class alternation", mutated(ios_name("DeepSeek(ab|[a-c]c)*")), P + f"platforms.ios.names[0].pattern: {OVERLAP}"),
    (
        "case-folded alternation",
        mutated(ios_name("DeepSeek(?:A|ab)*")),
        P + f"platforms.ios.names[0].pattern: {OVERLAP}",
    ),
    ("backreference", mutated(ios_name("(Deep)Seek\\1")), P + f"platforms.ios.names[0].pattern: {BACKREF}"),
    (
        "named backreference",
        mutated(ios_name("(?P<x>Deep)Seek(?P=x)")),
        P + f"platforms.ios.names[0].pattern: {BACKREF}",
    ),
    ("conditional group", mutated(ios_name("(Deep)?(?(1)Seek|Sea)")), P + f"platforms.ios.names[0].pattern: {BACKREF}"),
    (
        "four unbounded quantifiers",
        mutated(ios_name("DeepSeek.*a.*b.*c.*")),
        P
        + "platforms.ios.names[0].pattern: 4 unbounded quantifiers (*, +, {n,}); at most 3 are allowed, more can take polynomial time",
    ),
    (
        "nested repeat in exclude",
        mutated(lambda d: d["platforms"]["ios"].update(exclude=[{"pattern": "(a+)+", "source": "t"}])),
        P + f"platforms.ios.exclude[0].pattern: {NESTED}",
    ),
    (
        "nested repeat in publisher",
        mutated(lambda d: d["platforms"]["ios"]["names"][0].update(publisher="(a+)+")),
        P + f"platforms.ios.names[0].publisher: {NESTED}",
    ),
    (
        "nested repeat in order",
        mutated(win_order_first(["(a+)+"])),
        P + f"platforms.windows.remove.order.first[0]: {NESTED}",
    ),
    (
        "nested repeat in product name",
        mutated(win_product_name("(a*)*")),
        P + f"platforms.windows.remove.products[0].name: {NESTED}",
    ),
    (
        "nested repeat in uninstaller match",
        mutated(mac_match("(a|a)*")),
        P + f"platforms.macos.remove.uninstallers[0].match: {OVERLAP}",
    ),
    (
        "nested repeat in signer",
        mutated(platform("android", {"signers": [{"pattern": "(.+)+", "source": "t"}]})),
        P + f"platforms.android.signers[0].pattern: {NESTED}",
    ),
    (
        "repeat inside lookahead",
        mutated(ios_name("DeepSeek(?=(a+)+)")),
        P + f"platforms.ios.names[0].pattern: {NESTED}",
    ),
    # overbreadth against data/corpus
    ("match everything", mutated(ios_name(".*")), P + "platforms.ios.names[0].pattern: matches the empty string"),
    (
        "optional everything",
        mutated(ios_name("(?:DeepSeek)?")),
        P + "platforms.ios.names[0].pattern: matches the empty string",
    ),
    (
        "empty alternative",
        mutated(ios_name("DeepSeek|")),
        P + "platforms.ios.names[0].pattern: matches the empty string",
    ),
    (
        "s dot star",
        mutated(ios_name("s.*")),
        P
        + f"platforms.ios.names[0].pattern: too broad: it matches 's-nail', common software (data/corpus); {BROAD_HINT}",
    ),
    (
        "dot plus",
        mutated(ios_name(".+")),
        P + f"platforms.ios.names[0].pattern: too broad: it matches '0ad', common software (data/corpus); {BROAD_HINT}",
    ),
    (
        "word characters",
        mutated(ios_name("[a-z0-9-]+")),
        P + f"platforms.ios.names[0].pattern: too broad: it matches '0ad', common software (data/corpus); {BROAD_HINT}",
    ),
    (
        "Microsoft anything",
        mutated(platform("windows", {"publishers": [{"pattern": "Microsoft.*", "source": "t"}]})),
        P
        + f"platforms.windows.publishers[0].pattern: too broad: it matches 'Microsoft .NET Runtime - 8.0.6 (x64)', common software (data/corpus); {BROAD_HINT}",
    ),
    (
        "Google Chrome by name",
        mutated(ios_name("DeepSeek|Google Chrome")),
        P
        + f"platforms.ios.names[0].pattern: too broad: it matches 'Google Chrome', common software (data/corpus); {BROAD_HINT}",
    ),
    (
        "python3 by name",
        mutated(platform("linux", {"names": [{"pattern": "python3(?:\\.\\d+)?", "source": "t"}]})),
        P
        + f"platforms.linux.names[0].pattern: too broad: it matches 'python3', common software (data/corpus); {BROAD_HINT}",
    ),
    (
        "sudo as identifier",
        mutated(platform("linux", {"identifiers": [{"value": "sudo", "source": "t"}]})),
        P + f"platforms.linux.identifiers[0].value: 'sudo' {COMMON}",
    ),
    (
        "libc6 as identifier",
        mutated(platform("linux", {"identifiers": [{"value": "libc6", "source": "t"}]})),
        P + f"platforms.linux.identifiers[0].value: 'libc6' {COMMON}",
    ),
    (
        "bash in another case",
        mutated(platform("linux", {"identifiers": [{"value": "BASH", "source": "t"}]})),
        P + f"platforms.linux.identifiers[0].value: 'BASH' {COMMON}",
    ),
    (
        "Safari bundle id",
        mutated(ios_identifier("com.apple.mobilesafari")),
        P + f"platforms.ios.identifiers[0].value: 'com.apple.mobilesafari' {COMMON}",
    ),
    (
        "Chrome on Android",
        mutated(platform("android", {"identifiers": [{"value": "com.android.chrome", "source": "t"}]})),
        P + f"platforms.android.identifiers[0].value: 'com.android.chrome' {COMMON}",
    ),
    (
        "blocking bash",
        mutated(block("linux", "packages", ["bash"])),
        P + "platforms.linux.block.packages[0]: 'bash' " + BLOCK_HINT,
    ),
    (
        "blocking the Play Store",
        mutated(block("android", "packages", ["com.android.vending"])),
        P + "platforms.android.block.packages[0]: 'com.android.vending' " + BLOCK_HINT,
    ),
    (
        "allow_broad without reason",
        mutated(ios_names_entry({"pattern": "s.*", "source": "t", "allow_broad": True})),
        P + "platforms.ios.names[0].broad_reason: allow_broad needs a reason (broad_reason)",
    ),
    (
        "allow_broad with a blank reason",
        mutated(ios_names_entry({"pattern": "s.*", "source": "t", "allow_broad": True, "broad_reason": "  "})),
        P + "platforms.ios.names[0].broad_reason: allow_broad needs a reason (broad_reason)",
    ),
    (
        "broad_reason without allow_broad",
        mutated(ios_names_entry({"pattern": "DeepSeek", "source": "t", "broad_reason": "why"})),
        P + "platforms.ios.names[0].broad_reason: given without allow_broad: true",
    ),
    (
        "allow_broad as a string",
        mutated(ios_names_entry({"pattern": "DeepSeek", "source": "t", "allow_broad": "yes"})),
        P + "platforms.ios.names[0].allow_broad: expected a boolean, got a string",
    ),
    (
        "allow_broad cannot allow the empty string",
        mutated(ios_names_entry({"pattern": ".*", "source": "t", "allow_broad": True, "broad_reason": "all"})),
        P + "platforms.ios.names[0].pattern: matches the empty string",
    ),
    # replacing bundled bans
    (
        "replacing kaspersky silently",
        mutated(with_(id="kaspersky")),
        REPLACES_HINT,
    ),
    (
        "replaces names another ban",
        mutated(with_(id="kaspersky", replaces="wechat")),
        REPLACES_HINT,
    ),
    (
        "replaces a ban that is not bundled",
        mutated(with_(replaces="deepseek")),
        P
        + "replaces: 'deepseek' must be the id of a bundled ban and equal this ban's id (bundled: kaspersky, tiktok, wechat)",
    ),
    (
        "replaces not an id",
        mutated(with_(replaces="Kaspersky Lab")),
        P + "replaces: does not have the required form (regular expression ^[a-z][a-z0-9_]{0,63}$)",
    ),
]

SAFE_BAN_CASES = [
    # documented safe outcomes: these load
    (
        "unquoted date stays a string",
        GOOD_TEXT.replace("'2025-02-06'", "2025-02-06"),
        lambda bans: bans[-1]["authorities"][0]["date"] == "2025-02-06",
    ),
    (
        "newline in description",
        mutated(with_(description="line one\nline two")),
        lambda bans: "\n" in bans[-1]["description"],
    ),
    ("byte order mark", b"\xef\xbb\xbf" + GOOD_TEXT.encode(), lambda bans: bans[-1]["id"] == "deepseek"),
    (
        "allow_broad with a reason",
        mutated(
            ios_names_entry(
                {
                    "pattern": "s.*",
                    "source": "t",
                    "allow_broad": True,
                    "broad_reason": "s-prefixed lab tools are banned here",
                }
            )
        ),
        lambda bans: bans[-1]["platforms"]["ios"]["names"][0]["allow_broad"],
    ),
    (
        "replacing kaspersky on purpose",
        mutated(with_(id="kaspersky", replaces="kaspersky")),
        lambda bans: [b["title"] for b in bans if b["id"] == "kaspersky"] == ["DeepSeek"],
    ),
    (
        "blocking a common package declared broad",
        mutated(
            lambda d: (
                block("linux", "packages", ["strace"])(d),
                d["platforms"]["linux"]["identifiers"].append(
                    {
                        "value": "strace",
                        "source": "t",
                        "allow_broad": True,
                        "broad_reason": "tracing is banned on kiosks",
                    }
                ),
            )
        ),
        lambda bans: bans[-1]["platforms"]["linux"]["block"]["packages"] == ["strace"],
    ),
]

# ---------------------------------------------------------------- special files (kind: set up by the runner)

SPECIAL_CASES = [
    ("FIFO named .yml", "fifo", "{path}: not a ban file: a FIFO, not a regular file"),
    ("socket named .yml", "socket", "{path}: not a ban file: a socket, not a regular file"),
    ("symlink to /dev/zero", "devzero", "{path}: not a ban file: a character device, not a regular file"),
    ("directory named .yml", "directory", "{path}: not a ban file: a directory, not a regular file"),
    ("dangling symlink", "dangling", "{path}: cannot read ban file: No such file or directory"),
    ("missing path", "missing", "{path}: no such ban file or directory"),
]

# The resource cases: each must fail within 2 s of CPU time and 200 MB, measured in a child process.
RESOURCE = {
    "alias bomb",
    "deep nesting 100000 levels",
    "huge file",
    "FIFO named .yml",
    "symlink to /dev/zero",
    "nested plus",
    "four unbounded quantifiers",
}

# ---------------------------------------------------------------- host results

GOOD_RESULT = {
    "host": "web01",
    "platform": "linux",
    "run_id": "r1",
    "timestamp": "2026-11-29T10:00:00Z",
    "mode": "audit",
    "bans": ["kaspersky"],
    "status": "compliant",
    "reason": "nothing banned found",
    "per_ban": {"kaspersky": "compliant"},
    "sources": [{"source": "dpkg", "state": "read", "records": 10, "reason": ""}],
}


def result_bytes(**changes):
    data = dict(GOOD_RESULT, **changes)
    for key in [key for key, value in changes.items() if value is KeyError]:
        data.pop(key)
    return json.dumps(data).encode()


RESULT_CASES = [
    ("not JSON", b"{not json", "not a host result: unreadable or not a JSON object"),
    ("JSON list", b"[1, 2]", "not a host result: unreadable or not a JSON object"),
    ("empty result file", b"", "not a host result: unreadable or not a JSON object"),
    ("not UTF-8", b'{"host": "\xff"}', "not a host result: not UTF-8"),
    ("deeply nested JSON", b"[" * 200000 + b"]" * 200000, "not a host result: nested too deeply"),
    (
        "huge result file",
        b'{"host": "' + b"x" * (9 * 1024 * 1024) + b'"}',
        "not a host result: larger than 8388608 bytes",
    ),
    ("missing status", result_bytes(status=KeyError), "not a host result: (top): 'status' is a required property"),
    (
        "unknown status",
        result_bytes(status="fine"),
        "not a host result: status: 'fine' is not one of ['compliant', 'remediated', 'exempt', 'out_of_scope', 'unknown', 'non_compliant', 'failed']",
    ),
    ("host a number", result_bytes(host=7), "not a host result: host: 7 is not of type 'string'"),
    ("empty host", result_bytes(host=""), "not a host result: host: '' should be non-empty"),
    ("bans not a list", result_bytes(bans="kaspersky"), "not a host result: bans: 'kaspersky' is not of type 'array'"),
    (
        "source state unknown",
        result_bytes(sources=[{"source": "dpkg", "state": "guessed", "reason": ""}]),
        "not a host result: sources/0/state: 'guessed' is not one of ['read', 'partial', 'failed', 'absent']",
    ),
    (
        "action without outcome",
        result_bytes(actions=[{"step": "s1"}]),
        "not a host result: actions/0: 'outcome' is a required property",
    ),
    (
        "per-ban status unknown",
        result_bytes(per_ban={"kaspersky": "ok"}),
        "not a host result: per_ban/kaspersky: 'ok' is not one of ['compliant', 'remediated', 'exempt', 'out_of_scope', 'unknown', 'non_compliant', 'failed']",
    ),
    (
        "mode unknown",
        result_bytes(mode="destroy"),
        "not a host result: mode: 'destroy' is not one of ['audit', 'enforce']",
    ),
]
