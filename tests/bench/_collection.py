"""Make the collection importable for benchmarks run as plain scripts.

Importing this module puts the repository on sys.path and installs Ansible's
collection finder over the repository's `.collections` link (tests/conftest.py).
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import tests.conftest  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position

# One size switch for every benchmark: INTERDICT_BENCH_SIZE=small runs each in seconds (make bench-smoke,
# part of make test, so a benchmark that no longer runs fails CI); unset or "full" is the size make bench prints.
SMALL = os.environ.get("INTERDICT_BENCH_SIZE", "full") == "small"


def sized(full, small):
    """The full size, or the small one under INTERDICT_BENCH_SIZE=small."""
    return small if SMALL else full
