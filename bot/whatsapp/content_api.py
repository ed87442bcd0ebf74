"""A small client for Twilio's Content API (https://content.twilio.com/v1): templates and their
WhatsApp approval requests.

JSON bodies with HTTP Basic auth (account SID and auth token), as Twilio documents them. `requests`
rather than the twilio library: the library's Content resources want typed request objects per
content type and cannot take a plain JSON body, which is what Loket's definitions already are.
Twilio's error JSON ({"code", "message", "more_info", "status"}) becomes ContentApiError.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from bot import defaults
from bot.exceptions import LoketError

logger = logging.getLogger(__name__)

CONTENT_API = "https://content.twilio.com"
PAGE_SIZE = 500


class ContentApiError(LoketError):
    """Twilio's Content API refused a request (its HTTP status and error code), or could not be
    reached (status 0)."""

    def __init__(self, status: int, code: int | None, message: str):
        super().__init__(f"Twilio Content API {status or 'unreachable'}"
                         f"{f' ({code})' if code else ''}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def transient(self) -> bool:
        """Worth trying again later: the network, a rate limit, or Twilio's own trouble."""
        return self.status == 0 or self.status == 429 or self.status >= 500


class ContentClient:
    def __init__(self, account_sid: str, auth_token: str, base_url: str = CONTENT_API,
                 timeout: float = defaults.TWILIO_HTTP_TIMEOUT, http: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = http or requests.Session()
        self.http.auth = (account_sid, auth_token)
        self.http.headers.update({"Accept": "application/json"})

    @classmethod
    def from_config(cls, config: object) -> ContentClient | None:
        """A client for the configured account, or None when Twilio's credentials are not set."""
        sid, token = getattr(config, "TWILIO_ACCOUNT_SID", ""), getattr(config, "TWILIO_AUTH_TOKEN", "")
        if not (sid and token):
            return None
        return cls(sid, token, getattr(config, "TWILIO_CONTENT_API_URL", "") or CONTENT_API,
                   getattr(config, "TWILIO_HTTP_TIMEOUT", defaults.TWILIO_HTTP_TIMEOUT))

    # -- content -----------------------------------------------------------------------------------
    def create(self, friendly_name: str, content: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/Content: `content` holds language, variables (samples) and types."""
        return self._request("POST", "/v1/Content", json={"friendly_name": friendly_name, **content})

    def fetch(self, sid: str) -> dict[str, Any]:
        return self._request("GET", f"/v1/Content/{sid}")

    def delete(self, sid: str) -> None:
        self._request("DELETE", f"/v1/Content/{sid}")

    def contents(self) -> Iterator[dict[str, Any]]:
        """Every content of the account, page by page (GET /v1/Content)."""
        path: str | None = f"/v1/Content?PageSize={PAGE_SIZE}"
        while path:
            page = self._request("GET", path)
            yield from page.get("contents") or []
            path = self._same_host((page.get("meta") or {}).get("next_page_url"))

    # -- WhatsApp approval -------------------------------------------------------------------------
    def submit(self, sid: str, name: str, category: str) -> dict[str, Any]:
        """POST /v1/Content/{sid}/ApprovalRequests/whatsapp; returns the request (name, category, status…)."""
        return self._request("POST", f"/v1/Content/{sid}/ApprovalRequests/whatsapp",
                             json={"name": name, "category": category})

    def approval(self, sid: str) -> dict[str, Any]:
        """GET /v1/Content/{sid}/ApprovalRequests: the WhatsApp part ({} when never submitted)."""
        return self._request("GET", f"/v1/Content/{sid}/ApprovalRequests").get("whatsapp") or {}

    # -- HTTP --------------------------------------------------------------------------------------
    def _same_host(self, url: str | None) -> str | None:
        """Twilio's next-page URL as a path on our base URL: credentials never go to another host."""
        if not url:
            return None
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _request(self, method: str, path: str, json: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self.http.request(method, self.base_url + path, json=json, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ContentApiError(0, None, f"network: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise self._error(response)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ContentApiError(response.status_code, None, "the answer is not JSON") from exc

    @staticmethod
    def _error(response: requests.Response) -> ContentApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code = body.get("code")
        message = str(body.get("message") or response.reason or "error")[:500]
        logger.warning("Content API %s %s: HTTP %s code %s", response.request.method,
                       urlsplit(response.url).path, response.status_code, code)
        return ContentApiError(response.status_code, code if isinstance(code, int) else None, message)
