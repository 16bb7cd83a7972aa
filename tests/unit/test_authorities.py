"""Every authority of a bundled ban links to the issuing body's own publication, over HTTPS."""

from urllib.parse import urlsplit

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans

# The issuing bodies' own sites: governments, their gazettes and their legislatures.
OFFICIAL_DOMAINS = (
    "canada.ca",
    "gc.ca",
    "cisa.gov",
    "dhs.gov",
    "whitehouse.gov",
    "congress.gov",
    "govinfo.gov",
    "federalregister.gov",
)
AUTHORITIES = [(ban["id"], a) for ban in load_bans() for a in ban["authorities"]]


@pytest.mark.parametrize(("ban", "authority"), AUTHORITIES, ids=[f"{b}-{a['date']}" for b, a in AUTHORITIES])
def test_every_bundled_authority_links_to_an_official_publication(ban, authority):
    url = urlsplit(authority.get("url", ""))
    assert url.scheme == "https", f"{ban}: {authority['name']}: no https link to the publication"
    host = url.hostname or ""
    assert any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS), f"{ban}: {host} is not official"


def test_the_report_marks_a_link_that_could_not_be_confirmed():
    from ansible_collections.interdict.bans.plugins.plugin_utils import _report, _report_html

    fleet = _report.merge_fleet([_report.host_result("web01", plan=None, bans=load_bans(), sources=[])])
    page = _report_html.render_html(fleet)
    flagged = [a for _ban, a in AUTHORITIES if a.get("unconfirmed")]
    confirmed = [a for _ban, a in AUTHORITIES if not a.get("unconfirmed")]
    assert page.count("(link not yet confirmed)") == len(flagged)
    for authority in confirmed:
        link = f'href="{authority["url"]}"'
        assert link in page and page.split(link, 1)[1].split("</li>", 1)[0].endswith("</a>")
