# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options of the Android Management API modules (values also come from the environment,
    # which is how an AWX/AAP credential injects them).
    DOCUMENTATION = r"""
options:
  enterprise:
    description:
      - The Android Management enterprise, as V(enterprises/LC0abc123) or its id alone.
      - If not set, the environment variable E(AMAPI_ENTERPRISE) is used.
    type: str
    required: true
  service_account_key:
    description:
      - The service account key Google issues (the JSON text of the key file), used for the OAuth2 JWT bearer grant.
        Never logged and never part of any output; errors about it never quote it.
      - If not set, E(AMAPI_SERVICE_ACCOUNT_KEY) is used; without either, O(service_account_file).
    type: str
  service_account_file:
    description:
      - Path, on the controller, of the service account key file.
      - If not set, E(AMAPI_SERVICE_ACCOUNT_FILE), then E(GOOGLE_APPLICATION_CREDENTIALS), is used.
    type: path
  api_url:
    description:
      - Base URL of the Android Management API. Change it only to point the module at a test double.
      - If not set, E(AMAPI_API_URL) is used.
    type: str
    default: https://androidmanagement.googleapis.com
  token_url:
    description:
      - The OAuth2 token endpoint the signed assertion is sent to (and its audience). Default is the key file's
        C(token_uri), else V(https://oauth2.googleapis.com/token).
      - If not set, E(AMAPI_TOKEN_URL) is used.
    type: str
  request_timeout:
    description: Seconds to wait for one HTTP response before the attempt counts as failed and is retried.
    type: int
    default: 30
  max_concurrency:
    description: Most requests in flight at once.
    type: int
    default: 4
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
      - Seconds everything one task asks of the API may take, retries and waits included. V(0) means no deadline.
    type: float
    default: 3600.0
  max_pages:
    description:
      - Most pages one listing may have (100 devices each); a longer listing, or one whose next page token points back
        at a page already read, fails as incomplete rather than looping.
    type: int
    default: 10000
  validate_certs:
    description: Verify TLS certificates. Only turn this off for a test endpoint.
    type: bool
    default: true
requirements:
  - cryptography (an ansible-core dependency) on the controller, to sign the token request.
notes:
  - The service account needs the C(https://www.googleapis.com/auth/androidmanagement) scope on the enterprise's
    Google Cloud project; see the collection's C(docs/mdm.md).
"""

    # The same options for the inventory plugin, which reads them from the inventory file or the environment.
    INVENTORY = r"""
options:
  enterprise:
    description: The Android Management enterprise (V(enterprises/LC0abc123) or its id).
    type: str
    required: true
    env:
      - name: AMAPI_ENTERPRISE
  service_account_key:
    description:
      - The service account key (JSON text). Prefer the environment (an AWX/AAP credential) to the inventory file.
    type: str
    env:
      - name: AMAPI_SERVICE_ACCOUNT_KEY
  service_account_file:
    description: Path of the service account key file.
    type: path
    env:
      - name: AMAPI_SERVICE_ACCOUNT_FILE
      - name: GOOGLE_APPLICATION_CREDENTIALS
  api_url:
    description: Base URL of the Android Management API (a test double).
    type: str
    default: https://androidmanagement.googleapis.com
    env:
      - name: AMAPI_API_URL
  token_url:
    description: The OAuth2 token endpoint (default the key file's C(token_uri)).
    type: str
    env:
      - name: AMAPI_TOKEN_URL
  request_timeout:
    description: Seconds to wait for one HTTP response.
    type: int
    default: 30
  max_concurrency:
    description: Most requests in flight at once.
    type: int
    default: 4
  max_retries:
    description: Retries of one request after 429, 5xx or a dropped connection.
    type: int
    default: 6
  max_retry_after:
    description: Longest wait, in seconds, that a C(Retry-After) header is honoured for.
    type: float
    default: 300.0
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
