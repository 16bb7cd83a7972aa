# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options of the Jamf Pro modules (values also come from the environment,
    # which is how an AWX/AAP credential injects them).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Jamf Pro server, for example V(https://example.jamfcloud.com).
      - If not set, E(JAMF_URL), then E(JAMF_PRO_URL), is used.
    type: str
    required: true
  client_id:
    description:
      - Client ID of a Jamf Pro API client (Settings, API roles and clients; Jamf Pro 10.49 or later).
      - The token comes from C({url}/api/oauth/token) with the client-credentials grant and is asked for again
        before it expires.
      - If not set, E(JAMF_CLIENT_ID) is used.
    type: str
    required: true
  client_secret:
    description:
      - Client secret of the API client. Never logged and never part of any output.
      - If not set, E(JAMF_CLIENT_SECRET) is used.
    type: str
    required: true
  page_size:
    description:
      - Records per page of the computer and mobile device inventory listings (at most 2000).
    type: int
    default: 100
  request_timeout:
    description: Seconds to wait for one HTTP response before the attempt counts as failed and is retried.
    type: int
    default: 30
  max_concurrency:
    description:
      - Most requests in flight at once. Jamf advises no more than 5 concurrent connections, so a larger value
        is cut to 5.
    type: int
    default: 5
  max_retries:
    description:
      - Retries of one request after 429, 5xx or a dropped connection, with exponential backoff and jitter
        (or the server's C(Retry-After)).
    type: int
    default: 6
  max_retry_after:
    description: Longest wait, in seconds, that a C(Retry-After) header is honoured for; a longer one is cut to this.
    type: float
    default: 300.0
  deadline:
    description:
      - Seconds everything one task asks of Jamf Pro may take, retries and waits included. V(0) means no deadline.
    type: float
    default: 3600.0
  max_pages:
    description: Most pages one listing may have; a longer listing fails as incomplete.
    type: int
    default: 10000
  validate_certs:
    description: Verify TLS certificates. Only turn this off for a test endpoint.
    type: bool
    default: true
notes:
  - The API client's role needs the privileges listed in the collection's C(docs/mdm.md).
"""

    # The same options for the inventory plugin, which reads them from the inventory file or the environment.
    INVENTORY = r"""
options:
  url:
    description: Base URL of the Jamf Pro server.
    type: str
    required: true
    env:
      - name: JAMF_URL
      - name: JAMF_PRO_URL
  client_id:
    description: Client ID of a Jamf Pro API client.
    type: str
    required: true
    env:
      - name: JAMF_CLIENT_ID
  client_secret:
    description: Client secret of the API client. Prefer the environment (an AWX/AAP credential) to the inventory file.
    type: str
    required: true
    env:
      - name: JAMF_CLIENT_SECRET
  page_size:
    description: Records per page of the inventory listings.
    type: int
    default: 100
  request_timeout:
    description: Seconds to wait for one HTTP response.
    type: int
    default: 30
  max_concurrency:
    description: Most requests in flight at once (at most 5).
    type: int
    default: 5
  max_retries:
    description: Retries of one request after 429, 5xx or a dropped connection.
    type: int
    default: 6
  max_retry_after:
    description: Longest wait, in seconds, that a C(Retry-After) header is honoured for.
    type: float
    default: 300.0
  deadline:
    description: Seconds reading the listings may take, retries included. V(0) means no deadline.
    type: float
    default: 3600.0
  max_pages:
    description: Most pages a listing may have.
    type: int
    default: 10000
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
"""
