# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options of the Intune modules (values also come from the environment,
    # which is how an AWX/AAP credential injects them).
    DOCUMENTATION = r"""
options:
  tenant_id:
    description:
      - Microsoft Entra tenant ID (or a verified domain) of the Intune tenant.
      - If not set, the environment variable E(INTUNE_TENANT_ID), then E(AZURE_TENANT_ID), is used.
    type: str
    required: true
  client_id:
    description:
      - Application (client) ID of the app registration used with the OAuth2 client-credentials grant.
      - If not set, E(INTUNE_CLIENT_ID), then E(AZURE_CLIENT_ID), is used.
    type: str
    required: true
  client_secret:
    description:
      - Client secret of the app registration. Never logged and never part of any output.
      - If not set, E(INTUNE_CLIENT_SECRET), then E(AZURE_CLIENT_SECRET), is used.
    type: str
    required: true
  graph_url:
    description:
      - Base URL of Microsoft Graph. Change it for a national cloud (for example V(https://graph.microsoft.us))
        or to point the module at a test double.
      - The token scope is O(graph_url) followed by C(/.default).
      - If not set, E(INTUNE_GRAPH_URL) is used.
    type: str
    default: https://graph.microsoft.com
  login_url:
    description:
      - Base URL of the Microsoft identity platform; the token endpoint is C({login_url}/{tenant_id}/oauth2/v2.0/token).
      - If not set, E(INTUNE_LOGIN_URL) is used.
    type: str
    default: https://login.microsoftonline.com
  request_timeout:
    description: Seconds to wait for one HTTP response before the attempt counts as failed and is retried.
    type: int
    default: 30
  max_concurrency:
    description: Most requests in flight at once (Intune throttles per tenant and per app; see the documentation).
    type: int
    default: 8
  max_retries:
    description:
      - Retries of one request after 429, 5xx or a dropped connection, with exponential backoff and jitter
        (or the server's C(Retry-After)).
    type: int
    default: 6
  max_retry_after:
    description:
      - Longest wait, in seconds, that a C(Retry-After) header is honoured for; a longer one is cut to this.
    type: float
    default: 300.0
  poll_timeout:
    description: Seconds to wait for one C(AppInvRawData) export job to complete before the export counts as failed.
    type: float
    default: 900.0
  deadline:
    description:
      - Seconds everything one task asks of Graph may take, retries and waits included. When it passes, the task
        stops with an error naming the endpoint it was at. V(0) means no deadline.
    type: float
    default: 3600.0
  max_pages:
    description:
      - Most pages one listing may have (1,000 items each for devices); a listing that goes on longer, or whose next
        link points back at a page already read, fails as incomplete rather than looping.
    type: int
    default: 10000
  validate_certs:
    description: Verify TLS certificates. Only turn this off for a test endpoint.
    type: bool
    default: true
notes:
  - The app registration needs admin-consented application permissions; see the collection's C(docs/mdm.md).
"""

    # The same options for the inventory plugin, which reads them from the inventory file or the environment.
    INVENTORY = r"""
options:
  tenant_id:
    description: Microsoft Entra tenant ID (or a verified domain) of the Intune tenant.
    type: str
    required: true
    env:
      - name: INTUNE_TENANT_ID
      - name: AZURE_TENANT_ID
  client_id:
    description: Application (client) ID of the app registration (OAuth2 client credentials).
    type: str
    required: true
    env:
      - name: INTUNE_CLIENT_ID
      - name: AZURE_CLIENT_ID
  client_secret:
    description:
      - Client secret of the app registration. Prefer the environment (an AWX/AAP credential) to the inventory file.
    type: str
    required: true
    env:
      - name: INTUNE_CLIENT_SECRET
      - name: AZURE_CLIENT_SECRET
  graph_url:
    description: Base URL of Microsoft Graph (a national cloud, or a test double).
    type: str
    default: https://graph.microsoft.com
    env:
      - name: INTUNE_GRAPH_URL
  login_url:
    description: Base URL of the Microsoft identity platform.
    type: str
    default: https://login.microsoftonline.com
    env:
      - name: INTUNE_LOGIN_URL
  request_timeout:
    description: Seconds to wait for one HTTP response.
    type: int
    default: 30
  max_concurrency:
    description: Most requests in flight at once.
    type: int
    default: 8
  max_retries:
    description: Retries of one request after 429, 5xx or a dropped connection.
    type: int
    default: 6
  max_retry_after:
    description: Longest wait, in seconds, that a C(Retry-After) header is honoured for.
    type: float
    default: 300.0
  poll_timeout:
    description: Not used by the inventory plugin (export jobs are the modules' business).
    type: float
    default: 900.0
  deadline:
    description: Seconds reading the device listing may take, retries included. V(0) means no deadline.
    type: float
    default: 3600.0
  max_pages:
    description: Most pages the device listing may have; a longer or looping listing fails.
    type: int
    default: 10000
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
"""
