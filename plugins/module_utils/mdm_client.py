# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client every MDM module and inventory plugin uses.

Vendor code (the providers of module_utils/mdm_provider.py: Intune, Jamf Pro, ...)
builds paths and reads fields; everything about talking HTTP lives here:

- OAuth2 client credentials: one cached token per client, refreshed before it
  expires (at 80% of its lifetime), refreshed again and the request
  retried when the server answers 401 anyway (at most three times in a row); refreshes are serialized so a
  pool of workers asks for one token, not one each.
- Throttling and failures: 429 honours Retry-After (seconds or HTTP date);
  without it, and on 5xx or dropped connections, exponential backoff with
  jitter, a bounded number of times.
- Paging that follows the server's next link (or next page token) verbatim
  and cross-checks the total when the server states one; page-number paging
  (Jamf Pro's ``page``/``page-size``) with every page's total cross-checked.
- Graph JSON batching: at most 20 requests per batch, each sub-response's own
  429/5xx retried.
- A cap on concurrent requests, shared by every thread using the client.
- Errors name the method, the endpoint (scheme, host and path, never the query,
  which may carry a signature) and the status; never a secret.

It is built on Ansible's own ``open_url`` so it runs wherever ansible-core
runs, AWX execution environments included, with no extra Python dependency.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit, urlunsplit

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import SSLValidationError, open_url

RETRYABLE_STATUS = frozenset((429, 500, 502, 503, 504))
TOKEN_REFRESHES = 3  # fresh tokens one request may ask for after 401s in a row
BATCH_LIMIT = 20
_REDACTED = "********"
# Exceptions that mean the connection dropped or timed out: worth another try.
_TRANSIENT_ERRORS = (
    ConnectionError,  # builtin: reset, refused, aborted, broken pipe
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    http.client.BadStatusLine,
    socket.timeout,
    TimeoutError,
    UrlsConnectionError,
)


class MDMError(Exception):
    """A request failed for good. The message names the endpoint and status, never a secret."""

    def __init__(self, message, endpoint=None, status=None, code=None):
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status
        self.code = code


class PagingError(MDMError):
    """Paging ended without every item the server said it had: the listing is incomplete.

    ``partial`` holds the items of the pages that were read, for a caller that
    keeps what it has and marks the rest unknown.
    """

    def __init__(self, message, endpoint=None, status=None, code=None, partial=None):
        super().__init__(message, endpoint=endpoint, status=status, code=code)
        self.partial = partial if partial is not None else []


class AmbiguousWriteError(MDMError):
    """A write may or may not have been committed (reset, timeout, 5xx other than 503): re-read before retrying."""


# Answers that say a request was refused before it was processed: a write may be sent again as it is.
REFUSED_STATUS = frozenset((429, 503))


def endpoint_of(method, url):
    """`GET https://host/path`: what errors and logs may show of a request (no query, no secrets)."""
    parts = urlsplit(url)
    return f"{method} {urlunsplit((parts.scheme, parts.netloc, parts.path, '', ''))}"


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Response:
    """Status, lower-cased headers and body of one HTTP response."""

    __slots__ = ("body", "endpoint", "headers", "status", "url")

    def __init__(self, status, headers, body, url, endpoint=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
        self.endpoint = endpoint or endpoint_of("GET", url)

    def json(self):
        """The body as a JSON object; anything else (a proxy's HTML page, a truncated body) is an MDMError."""
        if not self.body:
            return {}
        try:
            payload = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            kind = str(self.headers.get("content-type") or "no content type").split(";", maxsplit=1)[0]
            raise MDMError(
                f"{self.endpoint}: HTTP {self.status}: the answer is not JSON ({kind}, {len(self.body)} bytes)",
                endpoint=self.endpoint,
                status=self.status,
            ) from None
        if not isinstance(payload, dict):
            raise MDMError(
                f"{self.endpoint}: HTTP {self.status}: the answer is not a JSON object",
                endpoint=self.endpoint,
                status=self.status,
            )
        return payload


class ClientCredentials:
    """OAuth2 client-credentials grant with a cached token (RFC 6749 section 4.4).

    Client credentials issue no refresh token, so "refresh" means asking for a
    new token; it happens once the token has lived ``refresh_at`` of its
    lifetime, and when the server rejects a token (``invalidate``).
    """

    def __init__(self, token_url, client_id, client_secret, scope=None, refresh_at=0.8, clock=time.monotonic):
        if not client_id or not client_secret:
            raise MDMError(f"POST {token_url}: client_id and client_secret are required")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.refresh_at = refresh_at
        self._clock = clock
        self._lock = threading.Lock()
        self._token = None
        self._refresh_after = 0.0

    @property
    def secrets(self):
        return tuple(value for value in (self._client_secret, self._token) if value)

    def token(self, client):
        """A valid access token, fetched through ``client`` when the cached one is due."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_after:
                self._fetch(client)
            return self._token

    def invalidate(self, token):
        """Forget ``token`` (the server refused it); a token fetched since by another thread stays."""
        with self._lock:
            if self._token == token:
                self._token = None

    def grant(self, client):
        """The token request's form (a subclass with another grant, e.g. a signed JWT, replaces it)."""
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._client_secret}
        if self.scope:
            form["scope"] = self.scope
        return form

    def _fetch(self, client):
        started = self._clock()
        form = self.grant(client)
        response = client.request(
            "POST",
            self.token_url,
            data=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            authenticated=False,
        )
        client.count("token_requests")
        try:
            payload = response.json()
            token = payload["access_token"]
            lifetime = float(payload.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise MDMError(
                f"{endpoint_of('POST', self.token_url)}: the token response carries no access_token",
                endpoint=endpoint_of("POST", self.token_url),
                status=response.status,
            ) from None
        self._token = token
        client.add_secret(token)
        self._refresh_after = started + lifetime * self.refresh_at


class MDMClient:
    """HTTP to one MDM API: authentication, retries, paging, batching, a concurrency cap.

    ``base_url`` is where relative paths start. An absolute URL (a server's next
    link) is followed verbatim; the bearer token is only sent to ``base_url``'s
    host, never to a download link on another host.
    """

    def __init__(
        self,
        base_url,
        credentials=None,
        max_concurrency=8,
        timeout=30,
        max_retries=6,
        backoff_base=0.5,
        backoff_cap=30.0,
        max_retry_after=300.0,
        deadline=None,
        max_pages=10000,
        validate_certs=True,
        user_agent="interdict.bans",
        sleep=time.sleep,
        seed=None,
    ):
        self.base_url = base_url.rstrip("/")
        self._host = urlsplit(self.base_url).netloc.lower()
        self.credentials = credentials
        self.max_concurrency = max(1, int(max_concurrency))
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        # An overall limit for everything this client does, in seconds from its creation (None: none).
        self.deadline = deadline
        self._deadline_at = None if not deadline else time.monotonic() + float(deadline)
        self.max_pages = max(1, int(max_pages))
        self.validate_certs = validate_certs
        self.user_agent = user_agent
        self._sleep = sleep
        self._random = random.Random(seed)
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._stats_lock = threading.Lock()
        self._secrets = set(credentials.secrets if credentials else ())
        self.stats = {
            "requests": 0,
            "retries": 0,
            "throttled": 0,
            "server_errors": 0,
            "connection_errors": 0,
            "unauthorized": 0,
            "token_requests": 0,
            "batch_requests": 0,
            "batched_subrequests": 0,
        }

    # -- bookkeeping ---------------------------------------------------------

    def count(self, key, amount=1):
        with self._stats_lock:
            self.stats[key] = self.stats.get(key, 0) + amount

    def add_secret(self, value):
        """Register a value that must never appear in an error message."""
        if value:
            with self._stats_lock:
                self._secrets.add(value)

    def redact(self, text):
        text = str(text)
        for secret in tuple(self._secrets):
            if secret and secret in text:
                text = text.replace(secret, _REDACTED)
        return text

    def url(self, path, params=None):
        url = path if "://" in path else self.base_url + ("" if path.startswith("/") else "/") + path
        if params:
            # doseq: a list value is a repeated parameter (Jamf's section=A&section=B).
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True, safe="$,'() =")
        return url

    def backoff(self, attempt):
        """Exponential backoff with jitter: half the step fixed, half random."""
        step = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        return step / 2 + self._random.uniform(0, step / 2)

    def retry_delay(self, attempt, headers):
        after = parse_retry_after(headers.get("retry-after"))
        if after is None:
            return self.backoff(attempt)
        return min(after, self.max_retry_after)

    def remaining(self):
        """Seconds left before the deadline (None without one)."""
        if self._deadline_at is None:
            return None
        return self._deadline_at - time.monotonic()

    def check_deadline(self, endpoint):
        left = self.remaining()
        if left is not None and left <= 0:
            raise MDMError(f"{endpoint}: stopped: the deadline of {self.deadline:g} s has passed", endpoint=endpoint)

    def wait(self, seconds, endpoint):
        """Sleep before a retry, never past the deadline."""
        left = self.remaining()
        if left is not None and (left <= 0 or seconds >= left):
            raise MDMError(
                f"{endpoint}: stopped: a wait of {seconds:g} s would pass the deadline of {self.deadline:g} s",
                endpoint=endpoint,
            )
        self._sleep(seconds)

    # -- one request ---------------------------------------------------------

    def _send(self, method, url, data, headers):
        """One HTTP exchange under the concurrency cap; HTTP errors come back as responses."""
        with self._slots:
            self.count("requests")
            try:
                handle = open_url(
                    url,
                    data=data,
                    headers=headers,
                    method=method,
                    timeout=self.timeout,
                    validate_certs=self.validate_certs,
                    http_agent=self.user_agent,
                    follow_redirects="safe",
                    use_netrc=False,
                )
                with handle:
                    body = handle.read()
                    status = handle.status
                    response_headers = {key.lower(): value for key, value in handle.headers.items()}
            except urllib.error.HTTPError as error:
                try:
                    body = error.read()
                except _TRANSIENT_ERRORS:
                    body = b""
                response_headers = {key.lower(): value for key, value in (error.headers or {}).items()}
                status = error.code
                error.close()
        return Response(status, response_headers, body, url, endpoint_of(method, url))

    def _authorize(self, url, headers):
        """Add the bearer token for requests to the API host; return the token used."""
        if self.credentials is None or urlsplit(url).netloc.lower() != self._host:
            return None
        token = self.credentials.token(self)
        headers["Authorization"] = f"Bearer {token}"
        return token

    def request(
        self, method, path, params=None, json_body=None, data=None, headers=None, authenticated=True, idempotent=None
    ):
        """Send one request with retries; return the Response or raise MDMError.

        A request that is not ``idempotent`` (by default a POST: it may create
        something) is sent again as it is only after an answer that says it was
        refused unprocessed (429, 503, 401, a refused connection). After a reset,
        a timeout or another 5xx it may have been committed, so it raises
        AmbiguousWriteError and the caller re-reads before deciding to retry.
        """
        if idempotent is None:
            idempotent = method != "POST" or not authenticated
        url = self.url(path, params)
        endpoint = endpoint_of(method, url)
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        attempt = 0
        refreshed = 0
        while True:
            attempt += 1
            self.check_deadline(endpoint)
            request_headers = {"Accept": "application/json", **(headers or {})}
            token = self._authorize(url, request_headers) if authenticated else None
            try:
                response = self._send(method, url, data, request_headers)
            except SSLValidationError as error:
                raise MDMError(f"{endpoint}: TLS validation failed: {self.redact(error)}", endpoint=endpoint) from None
            except urllib.error.URLError as error:
                # Name resolution and refused connections land here; a refused loopback or a
                # restarting gateway is as transient as a reset.
                self.count("connection_errors")
                refused = isinstance(error.reason, (ConnectionRefusedError, socket.gaierror))
                if not idempotent and not refused:
                    raise AmbiguousWriteError(
                        f"{endpoint}: no answer ({self.redact(error.reason)}); the write may have been committed",
                        endpoint=endpoint,
                    ) from None
                if attempt > self.max_retries:
                    raise MDMError(
                        f"{endpoint}: connection failed after {attempt} attempts: {self.redact(error.reason)}",
                        endpoint=endpoint,
                    ) from None
                self.count("retries")
                self.wait(self.backoff(attempt), endpoint)
                continue
            except _TRANSIENT_ERRORS as error:
                self.count("connection_errors")
                if not idempotent:
                    raise AmbiguousWriteError(
                        f"{endpoint}: no answer ({type(error).__name__}); the write may have been committed",
                        endpoint=endpoint,
                    ) from None
                if attempt > self.max_retries:
                    raise MDMError(
                        f"{endpoint}: connection failed after {attempt} attempts: "
                        f"{type(error).__name__}: {self.redact(error)}",
                        endpoint=endpoint,
                    ) from None
                self.count("retries")
                self.wait(self.backoff(attempt), endpoint)
                continue
            status = response.status
            if status == 401 and token is not None and refreshed < TOKEN_REFRESHES:
                # The token expired or was revoked early: a fresh token, one more try (a few times at most,
                # since a token can die again while a slow request is on its way).
                self.count("unauthorized")
                self.credentials.invalidate(token)
                refreshed += 1
                continue
            # A 401 after a good answer is a new expiry (a long retry wait can outlive a token).
            refreshed = refreshed if status == 401 else 0
            if status in RETRYABLE_STATUS:
                self.count("throttled" if status == 429 else "server_errors")
                if not idempotent and status not in REFUSED_STATUS:
                    error = self._error(endpoint, response, "(the write may have been committed)")
                    raise AmbiguousWriteError(str(error), endpoint=endpoint, status=status, code=error.code)
                if attempt > self.max_retries:
                    raise self._error(endpoint, response, f"after {attempt} attempts")
                self.count("retries")
                self.wait(self.retry_delay(attempt, response.headers), endpoint)
                continue
            if status >= 400:
                raise self._error(endpoint, response)
            return response

    def _error(self, endpoint, response, suffix=""):
        code, message = _error_detail(response.body)
        text = f"{endpoint}: HTTP {response.status}"
        if code:
            text += f" ({code})"
        if suffix:
            text += f" {suffix}"
        if message:
            text += f": {message[:300]}"
        return MDMError(self.redact(text), endpoint=endpoint, status=response.status, code=code)

    def get_json(self, path, params=None):
        return self.request("GET", path, params=params).json()

    # -- paging ----------------------------------------------------------------

    def iter_pages(
        self,
        path,
        params=None,
        items_key="value",
        next_key="@odata.nextLink",
        count_key="@odata.count",
        token_param=None,
    ):
        """Yield the item list of every page.

        Link paging (Graph): the next page is the server's ``next_key`` URL, followed
        verbatim. Token paging (``token_param`` set, e.g. AMAPI ``pageToken``): the
        next request repeats ``params`` with the server's ``next_key`` token.
        When the first page states a total (``count_key``), the items seen must add
        up to it, or PagingError says the listing is incomplete.
        """
        url = self.url(path, params)
        endpoint = endpoint_of("GET", url)
        total = None
        seen = 0
        pages = 0
        visited = set()
        while url:
            if url in visited:
                raise PagingError(
                    f"{endpoint}: the next link of page {pages} points back to a page already read: the listing "
                    f"loops and was stopped after {seen} items",
                    endpoint=endpoint,
                )
            if pages >= self.max_pages:
                raise PagingError(
                    f"{endpoint}: stopped after {pages} pages ({seen} items), the most one listing may have "
                    "(max_pages): the listing may not end",
                    endpoint=endpoint,
                )
            visited.add(url)
            payload = self.request("GET", url).json()
            pages += 1
            items = payload.get(items_key) or []
            if not isinstance(items, list):
                raise MDMError(f"{endpoint}: page {pages}: '{items_key}' is not a list", endpoint=endpoint, status=200)
            stated = payload.get(count_key) if count_key else None
            if total is None and stated is not None and pages == 1:
                try:
                    stated = int(stated)
                except (TypeError, ValueError):
                    stated = None
                # A count no larger than the first page says nothing about later pages (some servers
                # count per page): it is only a cross-check when it promises more than one page holds.
                if stated is not None and stated > len(items):
                    total = stated
            seen += len(items)
            yield items
            following = payload.get(next_key)
            if not following:
                url = None
            elif token_param:
                url = self.url(path, {**(params or {}), token_param: following})
            else:
                url = following
        if total is not None and seen < total:
            raise PagingError(
                f"{endpoint}: paging ended after {pages} pages with {seen} items, but the server reported {total}",
                endpoint=endpoint,
            )

    def iter_numbered_pages(
        self, path, params=None, page_size=100, items_key="results", count_key="totalCount", key="id"
    ):
        """Yield the item list of every page of a page-number listing (Jamf Pro API ``page``/``page-size``).

        Page 0 states the total; the remaining pages are read ``max_concurrency``
        at a time and yielded in order, so memory holds a window, not the listing.
        Cross-checks: every page but the last is full and states the same total,
        and the distinct ``key`` values seen add up to the total; else PagingError
        (a listing that changed while it was read can skip a record).
        """
        endpoint = endpoint_of("GET", self.url(path, params))

        def page(number):
            payload = self.request("GET", path, params={**(params or {}), "page": number, "page-size": page_size})
            payload = payload.json()
            items = payload.get(items_key) if isinstance(payload, dict) else None
            if not isinstance(items, list):
                raise MDMError(f"{endpoint}: page {number}: '{items_key}' is not a list", endpoint=endpoint, status=200)
            try:
                total = int(payload.get(count_key))
            except (TypeError, ValueError):
                raise MDMError(f"{endpoint}: page {number}: no '{count_key}'", endpoint=endpoint, status=200) from None
            return items, total

        first, total = page(0)
        pages = max(1, -(-total // page_size))
        if pages > self.max_pages:
            raise PagingError(f"{endpoint}: {total} items need {pages} pages, more than max_pages", endpoint=endpoint)
        seen = set()

        def check(number, items, stated):
            if stated != total:
                raise PagingError(
                    f"{endpoint}: page {number} states {stated} items, page 0 stated {total}: the listing changed "
                    "while it was read",
                    endpoint=endpoint,
                )
            if number < pages - 1 and len(items) != page_size:
                raise PagingError(
                    f"{endpoint}: page {number} holds {len(items)} items, not {page_size}: the listing is short",
                    endpoint=endpoint,
                )
            seen.update(str(item.get(key)) for item in items if isinstance(item, dict))

        check(0, first, total)
        yield first
        numbers = list(range(1, pages))
        window = max(1, self.max_concurrency)
        for start in range(0, len(numbers), window):
            for number, answer, error in self.run_concurrently(page, numbers[start : start + window]):
                if error is not None:
                    raise error
                check(number, *answer)
                yield answer[0]
        if len(seen) != total:
            raise PagingError(
                f"{endpoint}: paging ended with {len(seen)} distinct items, but the server reported {total}",
                endpoint=endpoint,
            )

    def get_all(self, path, params=None, **paging):
        """Every item of a listing; a failure part-way raises PagingError with the items read (``partial``)."""
        items = []
        try:
            for page in self.iter_pages(path, params, **paging):
                items.extend(page)
        except PagingError as error:
            error.partial = items
            raise
        except MDMError as error:
            raise PagingError(
                str(error), endpoint=error.endpoint, status=error.status, code=error.code, partial=items
            ) from None
        return items

    # -- concurrency -------------------------------------------------------------

    def run_concurrently(self, function, items):
        """Apply ``function`` to every item on at most ``max_concurrency`` threads.

        Returns ``[(item, result, error)]`` in input order; one failure does not stop the others.
        """
        items = list(items)

        def guarded(item):
            try:
                return item, function(item), None
            except MDMError as error:
                return item, None, error

        if len(items) <= 1 or self.max_concurrency == 1:
            return [guarded(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(items))) as pool:
            return list(pool.map(guarded, items))

    # -- Graph JSON batching -------------------------------------------------------

    def batch(self, requests, path="/v1.0/$batch"):
        """Send Graph sub-requests in batches of at most 20.

        ``requests`` are dicts with ``method``, ``url`` (relative to the API version)
        and optionally ``body``/``headers``. Returns, in the same order, dicts with
        ``status``, ``headers`` and ``body``. A sub-response of 429 or 5xx is retried
        on its own (after its own Retry-After) up to ``max_retries`` times; what is
        still failing then is returned as it is, for the caller to treat as unread.
        """
        results = [None] * len(requests)
        attempts = [0] * len(requests)
        pending = list(range(len(requests)))
        while pending:
            chunks = [pending[start : start + BATCH_LIMIT] for start in range(0, len(pending), BATCH_LIMIT)]
            pending = []
            waits = []
            for chunk, answer, error in self.run_concurrently(
                lambda chunk: self._send_batch(path, chunk, requests), chunks
            ):
                if error is not None:
                    raise error
                for index in chunk:
                    sub = answer.get(str(index))
                    attempts[index] += 1
                    if sub is None:
                        sub = {"status": 0, "headers": {}, "body": {"error": {"code": "missingResponse"}}}
                    if sub["status"] in RETRYABLE_STATUS and attempts[index] <= self.max_retries:
                        self.count("throttled" if sub["status"] == 429 else "server_errors")
                        self.count("retries")
                        pending.append(index)
                        waits.append(self.retry_delay(attempts[index], sub["headers"]))
                    else:
                        results[index] = sub
            if pending:
                pending.sort()
                self.wait(max(waits), endpoint_of("POST", self.url(path)))
        return results

    def _send_batch(self, path, chunk, requests):
        body = {"requests": []}
        for index in chunk:
            sub = {"id": str(index), "method": requests[index].get("method", "GET"), "url": requests[index]["url"]}
            if requests[index].get("body") is not None:
                sub["body"] = requests[index]["body"]
                sub["headers"] = {"Content-Type": "application/json", **(requests[index].get("headers") or {})}
            elif requests[index].get("headers"):
                sub["headers"] = requests[index]["headers"]
            body["requests"].append(sub)
        self.count("batch_requests")
        self.count("batched_subrequests", len(chunk))
        # A batch of reads may be sent again; one carrying a write may have been committed.
        reads_only = all(sub["method"] == "GET" for sub in body["requests"])
        payload = self.request("POST", path, json_body=body, idempotent=reads_only).json()
        answer = {}
        for sub in payload.get("responses") or []:
            headers = {str(key).lower(): value for key, value in (sub.get("headers") or {}).items()}
            answer[str(sub.get("id"))] = {
                "status": int(sub.get("status", 0)),
                "headers": headers,
                "body": sub.get("body"),
            }
        return answer


def _error_detail(body):
    """(code, message) from a JSON error body (Graph and OAuth2 shapes); empty strings otherwise."""
    try:
        payload = json.loads(body) if body else {}
    except (ValueError, UnicodeDecodeError):
        return "", ""
    if not isinstance(payload, dict):
        return "", ""
    error = payload.get("error")
    errors = payload.get("errors")
    if error is None and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        # Jamf Pro API: {"httpStatus": 404, "errors": [{"code": ..., "description": ...}]}
        return str(errors[0].get("code") or ""), str(errors[0].get("description") or "")
    if isinstance(error, dict):
        return str(error.get("code") or ""), str(error.get("message") or "")
    if isinstance(error, str):
        # OAuth2 token endpoint: error + error_description; the description may echo request
        # details, so only its first line is kept.
        description = str(payload.get("error_description") or "").splitlines()
        return error, description[0] if description else ""
    return "", ""
