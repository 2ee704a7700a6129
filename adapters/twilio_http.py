"""The HTTP client under the `twilio` library: an `AsyncHttpClient` on httpx.

Why async on httpx rather than the sync client in `asyncio.to_thread`, or the library's own
`AsyncTwilioHttpClient`:
- no thread per in-flight call, and a cancelled activity (heartbeat/timeout) cancels the request;
- explicit connect/read timeouts (the library's aiohttp client passes `timeout=None` through to
  aiohttp, i.e. no timeout at all, unless every call sets one);
- the timeout kinds stay distinguishable: a connect failure means Twilio never saw the request
  (safe to resend), a read timeout means it may have acted (ambiguous, see twilio_sms.find_sent);
- one place to point the library at a stand-in (`base_url` rewrites https://*.twilio.com), and
  to keep phone numbers out of the logs (the stock clients log query strings, which carry `To`).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

log = logging.getLogger("kuaichu.twilio")


class TwilioHttpx(AsyncHttpClient):
    def __init__(self, timeout: float = 10.0, base_url: str = "") -> None:
        super().__init__(log, is_async=True, timeout=timeout)
        self._base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), follow_redirects=False
        )

    def _target(self, url: str) -> tuple[str, dict[str, str]]:
        """With a stand-in base URL, https://<product>.twilio.com/<path> goes to <base>/<path>;
        the original host travels in X-Twilio-Host so one stand-in can serve every product."""
        if not self._base_url:
            return url, {}
        parts = urlsplit(url)
        if not parts.hostname or not parts.hostname.endswith("twilio.com"):
            return url, {}
        query = f"?{parts.query}" if parts.query else ""
        return f"{self._base_url}{parts.path}{query}", {"X-Twilio-Host": parts.hostname}

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the twilio HttpClient signature
        allow_redirects: bool = False,
    ) -> Response:
        target, extra = self._target(url)
        log.debug("twilio %s %s", method.upper(), urlsplit(url).path)  # no query: it carries phones
        form = _pairs(data)
        if form is not None:
            extra["Content-Type"] = "application/x-www-form-urlencoded"
        response = await self._client.request(
            method.upper(),
            target,
            params=_pairs(params),
            content=urlencode(form) if form is not None else None,
            headers={**(headers or {}), **extra},
            auth=auth,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            follow_redirects=allow_redirects,
        )
        return Response(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()


def _pairs(values: dict[str, object] | None) -> list[tuple[str, str]] | None:
    """Twilio encodes list parameters as repeated keys."""
    if not values:
        return None
    out: list[tuple[str, str]] = []
    for key, value in values.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            out.append((key, str(item)))
    return out


def twilio_client(
    *,
    account_sid: str,
    auth_token: str = "",
    api_key_sid: str = "",
    api_key_secret: str = "",
    timeout: float = 10.0,
    base_url: str = "",
):  # -> twilio.rest.Client (imported lazily: it is a large import)
    """A REST client authenticated with an API key (preferred) or the account's auth token."""
    from twilio.rest import Client

    if not account_sid:
        raise ValueError("KUAICHU_TWILIO_ACCOUNT_SID is required for the Twilio providers")
    if api_key_sid and api_key_secret:
        username, password = api_key_sid, api_key_secret
    elif auth_token:
        username, password = account_sid, auth_token
    else:
        raise ValueError("set KUAICHU_TWILIO_API_KEY_SID/_SECRET or KUAICHU_TWILIO_AUTH_TOKEN")
    return Client(
        username,
        password,
        account_sid=account_sid,
        http_client=TwilioHttpx(timeout=timeout, base_url=base_url),
        environment={},
    )


def twilio_client_from_settings(settings: Any):  # -> twilio.rest.Client
    """The REST client the Twilio providers share, configured from KUAICHU_TWILIO_* settings."""
    return twilio_client(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        api_key_sid=settings.twilio_api_key_sid,
        api_key_secret=settings.twilio_api_key_secret,
        timeout=settings.twilio_timeout_seconds,
        base_url=settings.twilio_base_url,
    )


def valid_signature(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """A Twilio webhook's X-Twilio-Signature (HMAC-SHA1 of the URL and the form, keyed by the
    account's auth token): False when anything is missing or wrong."""
    from twilio.request_validator import RequestValidator

    return bool(auth_token and signature) and RequestValidator(auth_token).validate(url, params, signature)
