# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report in a real browser: Debian's headless chromium driven by selenium.

Three runs of a generated 10,000-host fleet (INTERDICT_REPORT_HOSTS for another size) are written the
way the engine writes them; the page is opened from disk, offline. Screenshots are saved under
tests/output/report_browser/ (git-ignored) and their paths printed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.report_fleet import HOSTILE, write_runs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOSTS = int(os.environ.get("INTERDICT_REPORT_HOSTS", "10000"))
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "report_browser"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    fleet = write_runs(str(folder), HOSTS, runs=3)
    return folder, fleet


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def open_report(browser, report):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((report[0] / "fleet.html").as_uri())
    WebDriverWait(browser, 60).until(lambda d: d.find_element("tag name", "body").get_attribute("data-render-ms"))


def shot(browser, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    browser.save_screenshot(str(path))
    print(f"screenshot: {path}")


def visible_hosts(browser):
    return [td.text for td in browser.find_elements("css selector", "#hosts tbody td.host")]


def counts(browser):
    return browser.find_element("id", "count").text


def test_search_shows_only_matching_hosts(browser, report):
    open_report(browser, report)
    assert len(visible_hosts(browser)) == 50, "the first page holds 50 hosts"
    box = browser.find_element("id", "f-search")
    box.send_keys("lab-00042")
    assert visible_hosts(browser) == ["lab-00042"]
    assert counts(browser).startswith("1 of ")
    shot(browser, "search")


def test_a_filter_shows_only_hosts_of_that_status(browser, report):
    from selenium.webdriver.support.ui import Select

    open_report(browser, report)
    fleet = report[1]
    Select(browser.find_element("id", "f-status")).select_by_value("unknown")
    expected = fleet["summary"]["by_status"]["unknown"]
    assert counts(browser).startswith(f"{expected} of {fleet['summary']['hosts']} ")
    badges = {b.text for b in browser.find_elements("css selector", "#hosts tbody .s")}
    assert badges == {"Not verified"}
    Select(browser.find_element("id", "f-category")).select_by_value("personal_device")
    personal = sum((fleet["summary"]["by_category"].get("personal_device") or {}).values())
    assert personal and counts(browser).startswith(f"{personal} of ")
    shot(browser, "filter")


def test_paging_walks_through_every_host(browser, report):
    open_report(browser, report)
    total = report[1]["summary"]["hosts"]
    pages = -(-total // 50)
    assert browser.find_element("id", "page").text == f"Page 1 of {pages}"
    first = visible_hosts(browser)
    browser.find_element("id", "next").click()
    assert browser.find_element("id", "page").text == f"Page 2 of {pages}"
    second = visible_hosts(browser)
    assert len(second) == 50 and not set(first) & set(second)
    browser.find_element("id", "prev").click()
    assert visible_hosts(browser) == first
    shot(browser, "paging")


def test_the_trend_chart_draws_every_run_for_every_ban(browser, report):
    open_report(browser, report)
    charts = browser.find_elements("css selector", "svg.trend")
    assert sorted(c.get_attribute("data-ban") for c in charts) == ["kaspersky", "tiktok", "wechat"]
    for chart in charts:
        points = chart.find_element("css selector", "polyline").get_attribute("points").split()
        assert len(points) == 3
        assert chart.size["height"] > 100
    kaspersky = next(c for c in charts if c.get_attribute("data-ban") == "kaspersky")
    line = kaspersky.find_element("css selector", "polyline").get_attribute("points")
    ys = [float(point.split(",")[1]) for point in line.split()]
    assert ys[0] > ys[-1], "each run fixed hosts: the line rises (smaller y) from the first run to the last"
    browser.execute_script("arguments[0].scrollIntoView()", charts[0])
    shot(browser, "trend")


def test_hostile_names_are_text_never_markup_or_script(browser, report):
    from selenium.common.exceptions import NoAlertPresentException

    open_report(browser, report)
    box = browser.find_element("id", "f-search")
    box.send_keys("alert")
    shown = visible_hosts(browser)
    assert HOSTILE[0] in shown and HOSTILE[1] in shown
    assert browser.execute_script("return document.images.length") == 0
    assert browser.execute_script("return document.scripts.length") == 3  # two JSON blocks and the page's own
    with pytest.raises(NoAlertPresentException):
        _alert = browser.switch_to.alert.text
    box.clear()
    box.send_keys("rtl")
    assert visible_hosts(browser) == ["rtl\\u202egnp.exe"], "a right-to-left override is shown as an escape"
    shot(browser, "hostile")


def test_the_summary_reads_without_scripts(report):
    page = (report[0] / "fleet.html").read_text(encoding="utf-8")
    before_data = page.split('<script type="application/json"', maxsplit=1)[0]
    for heading in ("Summary", "Progress over time", "What changed since the previous run", "Unknowns explained"):
        assert f"<h2>{heading}" in before_data
    assert "needs JavaScript" in before_data
    runs = sorted(p.name for p in (report[0] / "runs").iterdir())
    assert runs == ["run-1.json", "run-2.json", "run-3.json"]
    assert json.loads((report[0] / "runs" / "run-1.json").read_text())["run_id"] == "run-1"
