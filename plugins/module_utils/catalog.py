# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ban catalog: load ban files, validate them, and say exactly what is wrong.

A ban is data (docs/catalog.md). Validation happens once, on the controller,
when the catalog lookup loads the files; everything downstream (matching,
planning, modules) receives validated dictionaries.
"""

from __future__ import annotations

import os
import re

try:
    import jsonschema

    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - reported by load_bans()
    HAS_JSONSCHEMA = False

PLATFORMS = ("windows", "linux", "macos", "ios", "android")
MATCHER_KINDS = ("identifiers", "names", "publishers", "signers")
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bans")

# Names no ban pattern may match: a pattern that does is too broad to be safe.
PROBE_NAMES = (
    "",
    "a",
    "Microsoft Edge",
    "Google Chrome",
    "Mozilla Firefox",
    "7-Zip 23.01 (x64)",
    "python3",
    "libc6",
    "openssh-server",
    "Microsoft Visual C++ 2015-2022 Redistributable (x64)",
    "com.apple.Safari",
    "com.android.chrome",
    "Zoom Workplace",
)


class BanError(ValueError):
    """A ban file is malformed. The message names the file, the ban and the field."""


def _matcher(value_key):
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": [value_key, "source"],
            "properties": {
                value_key: {"type": "string", "minLength": 1},
                "source": {"type": "string", "minLength": 1},
                "unconfirmed": {"type": "boolean"},
                "note": {"type": "string"},
                **({"publisher": {"type": "string", "minLength": 1}} if value_key == "pattern" else {}),
            },
        },
    }


_STRING_LIST = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
_SECRET_NAME = "^[a-z][a-z0-9_]*$"
SECRET_ENCODINGS = ("plain", "utf16le_hex")
# Secrets a ban's removal needs: declared once, named by the steps, valued only at run time.
_SECRETS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "env", "encoding", "description"],
        "properties": {
            "name": {"type": "string", "pattern": _SECRET_NAME},
            "env": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
            "encoding": {"enum": list(SECRET_ENCODINGS)},
            "description": {"type": "string", "minLength": 1},
            "source": {"type": "string", "minLength": 1},
            "unconfirmed": {"type": "boolean"},
        },
    },
}
_ORDER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"first": _STRING_LIST, "last": _STRING_LIST},
}

# How to remove / block, per platform. Each platform's section is owned by the
# code that plans steps for it (the posix, windows and MDM step builders).
REMOVE_SCHEMAS = {
    "windows": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "order": _ORDER,
            "quiet_args": _STRING_LIST,
            "products": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "source"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "quiet_args": _STRING_LIST,
                        "msi_properties": {"type": "object", "additionalProperties": {"type": "string"}},
                        "password": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["property", "secret"],
                            "properties": {
                                "property": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                                "secret": {"type": "string", "pattern": _SECRET_NAME},
                                "login_property": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                                # A plain builder option that overrides ``login``; never a secret.
                                "login_option": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                                "login": {"type": "string", "minLength": 1},
                            },
                        },
                        "source": {"type": "string", "minLength": 1},
                        "unconfirmed": {"type": "boolean"},
                        "note": {"type": "string"},
                    },
                },
            },
            "vendor_tool": {
                "type": "object",
                "additionalProperties": False,
                "required": ["option", "source"],
                "properties": {
                    "option": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "arguments": {"type": "array", "items": {"type": "string"}},
                    "source": {"type": "string", "minLength": 1},
                    "unconfirmed": {"type": "boolean"},
                    "note": {"type": "string"},
                },
            },
        },
    },
    "linux": {"type": "object", "additionalProperties": False, "properties": {"order": _ORDER}},
    # macOS: vendor uninstallers the vendor documents, run before the app bundle is removed
    # (plugin_utils/_posix_steps.py turns their success_codes into the step's exit_codes).
    "macos": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "order": _ORDER,
            "uninstallers": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["match", "command", "source"],
                    "properties": {
                        "match": {"type": "string", "minLength": 1},
                        "command": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                        "success_codes": {"type": "array", "items": {"type": "integer"}},
                        "source": {"type": "string", "minLength": 1},
                        "unconfirmed": {"type": "boolean"},
                    },
                },
            },
        },
    },
    "ios": {"type": "object", "additionalProperties": False, "properties": {}},
    "android": {"type": "object", "additionalProperties": False, "properties": {}},
}
BLOCK_SCHEMAS = {
    "windows": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "applocker": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "publishers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["publisher", "source"],
                            "properties": {
                                "publisher": {"type": "string", "pattern": "^O=.+"},
                                "product": {"type": "string", "minLength": 1},
                                "binary": {"type": "string", "minLength": 1},
                                "collections": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {"enum": ["Exe", "Msi", "Script", "Dll"]},
                                },
                                "source": {"type": "string", "minLength": 1},
                                "unconfirmed": {"type": "boolean"},
                                "note": {"type": "string"},
                            },
                        },
                    },
                    "packages": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "source"],
                            "properties": {
                                "name": {"type": "string", "pattern": "^[A-Za-z0-9.-]+$"},
                                "publisher_id": {"type": "string", "pattern": "^[0-9a-hjkmnp-tv-z]{13}$"},
                                "publisher": {"type": "string", "pattern": "^CN=.+"},
                                "source": {"type": "string", "minLength": 1},
                                "unconfirmed": {"type": "boolean"},
                                "note": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
    "linux": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"packages": _STRING_LIST, "flatpaks": _STRING_LIST},
    },
    "macos": {"type": "object", "additionalProperties": False, "properties": {}},
    "ios": {"type": "object", "additionalProperties": False, "properties": {"bundle_ids": _STRING_LIST}},
    "android": {"type": "object", "additionalProperties": False, "properties": {"packages": _STRING_LIST}},
}


def ban_schema():
    """The JSON schema of one ban file (built on demand so platform sections stay editable)."""
    platform_schemas = {}
    for platform in PLATFORMS:
        platform_schemas[platform] = {
            "type": "object",
            "additionalProperties": False,
            "anyOf": [{"required": [kind]} for kind in MATCHER_KINDS],
            "properties": {
                "identifiers": _matcher("value"),
                "names": _matcher("pattern"),
                "publishers": _matcher("pattern"),
                "signers": _matcher("pattern"),
                "exclude": _matcher("pattern"),
                "remove": REMOVE_SCHEMAS[platform],
                "block": BLOCK_SCHEMAS[platform],
            },
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "description", "authorities", "platforms"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "title": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "authorities": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "date", "reference"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                        "reference": {"type": "string", "minLength": 1},
                        "url": {"type": "string", "pattern": "^https?://"},
                        "scope": {"type": "string"},
                    },
                },
            },
            "secrets": _SECRETS,
            "platforms": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": platform_schemas,
            },
        },
    }


def _where(path):
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema_error(data):
    validator = jsonschema.Draft202012Validator(ban_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return None
    # anyOf over required matcher kinds: say it in words rather than echo the schema.
    if error.validator == "anyOf" and len(error.path) == 2 and error.path[0] == "platforms":
        return _where(error.path), f"needs at least one matcher ({', '.join(MATCHER_KINDS)})"
    if (
        error.validator == "additionalProperties"
        and error.path
        and error.path[0] == "platforms"
        and len(error.path) == 1
    ):
        unknown = sorted(set(error.instance) - set(PLATFORMS))
        return f"platforms.{unknown[0]}", f"unknown platform (expected one of {', '.join(PLATFORMS)})"
    return _where(error.path), error.message


def _check_pattern(pattern):
    """Return why a pattern is unusable, or None."""
    try:
        # Compiled as it will be inside the combined pattern, so inline global flags fail here.
        compiled = re.compile(f"(?:{pattern})", re.IGNORECASE)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    broad = [probe for probe in PROBE_NAMES if compiled.fullmatch(probe)]
    if broad:
        return f"pattern is too broad: it matches {broad[0]!r}"
    return None


def validate_ban(data, origin="<data>"):
    """Validate one ban definition; return it unchanged or raise BanError."""
    ban_id = data.get("id") if isinstance(data, dict) else None
    prefix = f"{origin}: ban {ban_id!r}" if ban_id else f"{origin}: ban (no id)"
    if not isinstance(data, dict):
        raise BanError(f"{prefix}: (top level): expected a mapping, got {type(data).__name__}")
    if not HAS_JSONSCHEMA:
        raise BanError("the Python library 'jsonschema' is required to validate ban files (pip install jsonschema)")
    problem = _schema_error(data)
    if problem:
        raise BanError(f"{prefix}: {problem[0]}: {problem[1]}")
    for platform, spec in data["platforms"].items():
        for kind in ("names", "publishers", "signers", "exclude"):
            for index, entry in enumerate(spec.get(kind, ())):
                for key in ("pattern", "publisher"):
                    if key in entry:
                        why = _check_pattern(entry[key])
                        if why:
                            raise BanError(f"{prefix}: platforms.{platform}.{kind}[{index}].{key}: {why}")
        order = (spec.get("remove") or {}).get("order") or {}
        for end in ("first", "last"):
            for index, pattern in enumerate(order.get(end, ())):
                try:
                    re.compile(f"(?:{pattern})", re.IGNORECASE)
                except re.error as exc:
                    where = f"platforms.{platform}.remove.order.{end}[{index}]"
                    raise BanError(f"{prefix}: {where}: invalid regular expression: {exc}") from None
    _check_secrets(data, prefix)
    return data


def _check_secrets(data, prefix):
    """Secret names are unique within the ban, and every password names a declared one."""
    declared = []
    for index, secret in enumerate(data.get("secrets", ())):
        if secret["name"] in declared:
            raise BanError(f"{prefix}: secrets[{index}].name: {secret['name']!r} is declared twice")
        declared.append(secret["name"])
    products = ((data["platforms"].get("windows") or {}).get("remove") or {}).get("products", ())
    for index, product in enumerate(products):
        name = (product.get("password") or {}).get("secret")
        if name is not None and name not in declared:
            known = ", ".join(declared) or "none"
            raise BanError(
                f"{prefix}: platforms.windows.remove.products[{index}].password.secret: "
                f"{name!r} is not declared in secrets (declared: {known})"
            )


def _load_file(path):
    import yaml  # controller-side only

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise BanError(f"{path}: cannot read ban file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise BanError(f"{path}: ban (unparsed): not valid YAML: {exc}") from None
    return validate_ban(data, path)


def ban_files(paths):
    """Expand files and directories into a sorted list of ban files."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            files.extend(
                os.path.join(path, name) for name in sorted(os.listdir(path)) if name.endswith((".yml", ".yaml"))
            )
        elif os.path.exists(path):
            files.append(path)
        else:
            raise BanError(f"{path}: no such ban file or directory")
    return files


def _check_secret_names_unique(loaded):
    """A secret name means one value for the whole run, so two bans may not declare the same one."""
    owners = {}
    for ban_id, (path, ban) in loaded.items():
        for index, secret in enumerate(ban.get("secrets", ())):
            if secret["name"] in owners:
                other_id, other_path = owners[secret["name"]]
                raise BanError(
                    f"{path}: ban {ban_id!r}: secrets[{index}].name: {secret['name']!r} is already declared "
                    f"by ban {other_id!r} in {other_path}"
                )
            owners[secret["name"]] = (ban_id, path)


def load_bans(names=None, paths=None):
    """Load bundled bans plus the user's files/folders; select by id when names are given."""
    loaded = {}
    bundled = set(ban_files([BUNDLED_DIR]))
    for path in ban_files([BUNDLED_DIR, *(paths or [])]):
        ban = _load_file(path)
        previous = loaded.get(ban["id"], (None,))[0]
        # A user's file may replace a bundled ban of the same id, not another user file.
        if previous is not None and previous not in bundled:
            raise BanError(f"{path}: ban {ban['id']!r}: id: already defined in {previous}")
        loaded[ban["id"]] = (path, ban)
    _check_secret_names_unique(loaded)
    if not names:
        return [ban for _origin, ban in loaded.values()]
    missing = [name for name in names if name not in loaded]
    if missing:
        raise BanError(f"unknown ban {missing[0]!r}: known bans are {', '.join(sorted(loaded))}")
    return [loaded[name][1] for name in names]


def secret_value(secret, provided, environ=None):
    """A declared secret's value: ``provided[name]``, or when that is missing or empty, ``environ[env]``.

    An empty value never masks the environment (an empty role default and an
    AWX credential's variable can meet). Returns "" when neither has one.
    """
    value = (provided or {}).get(secret["name"])
    if value is None or value == "":
        value = (environ or {}).get(secret.get("env") or "", "")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BanError(f"secrets.{secret['name']}: expected a string value, got {type(value).__name__}")
    return str(value)
