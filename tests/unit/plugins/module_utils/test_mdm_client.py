# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared MDM client against the loopback Intune simulator (no real tenant is reachable here)."""

from __future__ import annotations

import os
import sys

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import (
    TOKEN_REFRESHES,
    AmbiguousWriteError,
    ClientCredentials,
    MDMClient,
    MDMError,
    PagingError,
    parse_retry_after,
)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "integration"))
from mdm_simulator import Simulator


def client_for(sim, waits=None, **options):
    credentials = ClientCredentials(
        f"{sim.url}/{sim.tenant_id}/oauth2/v2.0/token", sim.client_id, sim.client_secret, scope=f"{sim.url}/.default"
    )
    return MDMClient(sim.url, credentials, sleep=(waits.append if waits is not None else lambda s: None), **options)


def test_retry_after_forms():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=0) > 0


def test_paging_follows_next_link_and_checks_count():
    with Simulator(devices=250, page_size=40) as sim:
        client = client_for(sim)
        items = client.get_all("/v1.0/deviceManagement/managedDevices", {"$count": "true"})
        assert len(items) == 250 and len({d["id"] for d in items}) == 250
        assert sim.stats["by_route"]["managedDevices"] == 7
        sim.set_faults(rate_truncate=1.0)
        with pytest.raises(PagingError, match="server reported 250"):
            client.get_all("/v1.0/deviceManagement/managedDevices", {"$count": "true"})


def test_429_honours_retry_after_and_backs_off_without_it():
    with Simulator(devices=10, faults={"rate_429": 1.0, "retry_after": "3"}) as sim:
        waits = []
        client = client_for(sim, waits, max_retries=2)
        with pytest.raises(MDMError, match="HTTP 429"):
            client.get_json("/v1.0/deviceManagement/managedDevices")
        assert waits == [3.0, 3.0]
        sim.set_faults(rate_429_no_header=1.0)
        waits.clear()
        with pytest.raises(MDMError):
            client.get_json("/v1.0/deviceManagement/managedDevices")
        assert len(waits) == 2 and 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0


def test_token_cached_and_refreshed_on_401():
    with Simulator(devices=30, page_size=5) as sim:
        client = client_for(sim)
        client.get_all("/v1.0/deviceManagement/managedDevices")
        assert client.stats["token_requests"] == 1
        sim.set_faults(token_ttl=0.0)  # every token is already expired when used
        with pytest.raises(MDMError, match="401"):
            client.get_json("/v1.0/deviceManagement/managedDevices")
        # A few fresh tokens, then the error: never an endless loop of refreshes.
        assert client.stats["unauthorized"] == TOKEN_REFRESHES
        assert client.stats["token_requests"] == 1 + TOKEN_REFRESHES


def test_resets_and_5xx_are_retried_then_reported_without_secret():
    with Simulator(devices=20, faults={"rate_reset": 0.15, "rate_5xx": 0.15}) as sim:
        client = client_for(sim, max_retries=10)
        assert len(client.get_all("/v1.0/deviceManagement/managedDevices")) == 20
        assert client.stats["retries"] > 0
        sim.set_faults(rate_5xx=1.0)
        with pytest.raises(MDMError) as error:
            client_for(sim, max_retries=1).get_json("/v1.0/deviceManagement/managedDevices")
        assert "deviceManagement/managedDevices" in str(error.value) or "token" in str(error.value)
        assert sim.client_secret not in str(error.value)


def test_batch_retries_throttled_subrequests():
    with Simulator(devices=100, faults={"rate_429": 0.3}) as sim:
        client = client_for(sim, max_retries=10)
        apps = ([a["id"] for a in sim.fleet.detected_apps()] * 5)[:45]
        requests = [{"method": "GET", "url": f"/deviceManagement/detectedApps/{a}/managedDevices"} for a in apps]
        answers = client.batch(requests)
        assert [a["status"] for a in answers] == [200] * 45
        assert client.stats["batch_requests"] >= 3
        assert sim.stats["faults"].get("rate_429", 0) > 0


def test_bearer_token_not_sent_to_other_hosts():
    with Simulator(devices=5) as sim:
        client = client_for(sim)
        other = sim.url.replace("127.0.0.1", "localhost")
        # The blob endpoint refuses an Authorization header; another host never gets one.
        with pytest.raises(MDMError, match="HTTP 403"):
            client.request("GET", f"{other}/_blob/reports/nope.zip?sig=x")


def test_a_write_is_resent_as_it_is_only_when_refused_unprocessed():
    with Simulator(devices=20) as sim:
        app_id = next(iter(sim.fleet.mobile_apps))
        path = f"/v1.0/deviceAppManagement/mobileApps/{app_id}/assignments"
        body = {
            "intent": "uninstall",
            "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g"},
        }
        client = client_for(sim, max_retries=3)
        client.get_json(path)  # the token is fetched before the faults start
        sim.set_faults(rate_reset=1.0)
        with pytest.raises(AmbiguousWriteError, match="may have been committed"):
            client.request("POST", path, json_body=body)
        assert client.stats["retries"] == 0
        # A gateway timeout after the commit: ambiguous too, and not sent again.
        sim.set_faults(lose_create_response={"app_assignment": 504})
        with pytest.raises(AmbiguousWriteError, match="HTTP 504"):
            client.request("POST", path, json_body=body)
        assert client.stats["retries"] == 0
        sim.set_faults(rate_429=1.0, retry_after="0")
        with pytest.raises(MDMError, match="HTTP 429") as refused:
            client.request("POST", path, json_body=body)
        assert not isinstance(refused.value, AmbiguousWriteError) and client.stats["retries"] == 3
