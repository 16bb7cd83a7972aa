"""Child process of the resource cases: load one bad ban file once, report time and memory as JSON.

Usage: probe.py <case id> <scratch folder>. The case runs twice after imports and one good load:
once timed (wall clock) with the growth of the peak resident set recorded, once under tracemalloc for
the peak of Python allocations. The address space is capped 1 GiB above the start so that a
regression fails here instead of exhausting the machine.
"""

import json
import os
import resource
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[os.path.join(ROOT, ".collections")])._install()

from ansible.errors import AnsibleLookupError  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.plugins.loader import lookup_loader  # noqa: E402
from cases import BAN_CASES  # noqa: E402


def vm_size_bytes():
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def attempt(catalog, path):
    """(clear, message): whether the lookup failed with its own error type, and the message."""
    try:
        catalog.run([], ban_paths=[path])
    except AnsibleLookupError as exc:
        return True, str(exc)
    except Exception as exc:  # reported to the parent as a raw exception
        return False, f"raw {type(exc).__name__}: {str(exc)[:300]}"
    return False, "accepted"


def main(case, folder):
    loader = DataLoader()
    loader.set_basedir(folder)
    catalog = lookup_loader.get("interdict.bans.catalog", loader=loader, templar=None)
    catalog.run([])  # imports, bundled bans and the corpus are loaded before measuring
    path = os.path.join(folder, "case.yml")
    if case == "FIFO named .yml":
        os.mkfifo(path)
    elif case == "symlink to /dev/zero":
        os.symlink("/dev/zero", path)
    else:
        content = dict((c[0], c[1]) for c in BAN_CASES)[case]
        with open(path, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    limit = vm_size_bytes() + 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Timed on its own: tracing every allocation would slow the run it measures.
    start, cpu_start = time.perf_counter(), time.process_time()
    clear, error = attempt(catalog, path)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024
    tracemalloc.start()
    attempt(catalog, path)
    python_peak_mb = tracemalloc.get_traced_memory()[1] / 1024**2
    tracemalloc.stop()
    report = {
        "case": case,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "python_peak_mb": python_peak_mb,
        "rss_growth_mb": growth_mb,
    }
    print(json.dumps(dict(report, clear=clear, error=error, path=path)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
