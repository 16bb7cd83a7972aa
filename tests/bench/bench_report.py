# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report at 10,000 hosts: file size, generation time and time to render in a real browser.

Baseline, measured in the same run: the same hosts as one static HTML table (every host a <tr>, as the
report was before it embedded its hosts as data). Three runs are written the way the engine writes them;
the figures are for the last one. ``--hosts N`` (or BENCH_REPORT_HOSTS) for a smaller fleet in CI.
Browser figures need Debian's chromium and chromedriver; without them they are skipped, and said so.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from _collection import SMALL  # noqa: E402

import tests.conftest  # noqa: E402,F401  pylint: disable=unused-import
from ansible_collections.interdict.bans.plugins.plugin_utils import _report  # noqa: E402
from ansible_collections.interdict.bans.plugins.plugin_utils._report_html import (  # noqa: E402
    action_text,
    block_text,
    finding_text,
)
from tests.report_fleet import fleet_results  # noqa: E402


def baseline_page(fleet):
    """Every host as a static table row: the shape of the report before this one."""
    rows = []
    for host in fleet["hosts"]:
        cells = [
            host["host"],
            host["status"],
            host["reason"],
            "\n".join(finding_text(f) for f in host["findings"]),
            "\n".join(action_text(a) for a in host["actions"]),
            "\n".join(block_text(b) for b in host["blocks"]),
            host["timestamp"],
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><table>'
        + "".join(rows)
        + "</table></body></html>"
    )


def browser_ms(path, wait_for_script):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        best = None
        for _attempt in range(3):
            driver.get("about:blank")
            driver.get(f"file://{path}")
            if wait_for_script:
                WebDriverWait(driver, 120).until(
                    lambda d: d.find_element("tag name", "body").get_attribute("data-render-ms")
                )
            ms = driver.execute_script(
                "var t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd - t.startTime;"
            )
            best = ms if best is None else min(best, ms)
        return best
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--hosts", type=int, default=int(os.environ.get("BENCH_REPORT_HOSTS", "300" if SMALL else "10000"))
    )
    hosts = parser.parse_args().hosts
    with tempfile.TemporaryDirectory() as folder:
        for run_index in range(3):
            results, expected = fleet_results(hosts, run_index, runs=3)
            for result in results:
                _report.write_host_result(folder, result)
            started = time.perf_counter()
            fleet, _changed = _report.write_fleet(folder, expected, run_id=f"run-{run_index + 1}")
            generation = time.perf_counter() - started

        baseline_path = os.path.join(folder, "baseline.html")
        started = time.perf_counter()
        with open(baseline_path, "w", encoding="utf-8") as handle:
            handle.write(baseline_page(fleet))
        baseline_generation = time.perf_counter() - started
        page = os.path.join(folder, "fleet.html")
        size, baseline_size = os.path.getsize(page), os.path.getsize(baseline_path)

        print(f"fleet report, {fleet['summary']['hosts']} hosts, 3 runs kept")
        print(
            f"  fleet.html size:        {size / 1e6:8.2f} MB   one static table: {baseline_size / 1e6:.2f} MB"
            f"   ratio {size / baseline_size:.2f}"
        )
        print(f"  generation (write_fleet: read, check, merge, write JSON/CSV/HTML/run): {generation:7.2f} s")
        print(f"    of which the static table alone would take {baseline_generation:.2f} s to render")
        if not shutil.which("chromium"):
            print("  browser render: skipped, Debian's chromium is not installed")
            return
        ms = browser_ms(page, wait_for_script=True)
        baseline_ms = browser_ms(baseline_path, wait_for_script=False)
        print(
            f"  browser, load to first page rendered: {ms:8.0f} ms   one static table: {baseline_ms:.0f} ms"
            f"   ratio {ms / baseline_ms:.2f}"
        )


if __name__ == "__main__":
    main()
