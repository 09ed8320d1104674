"""Who may post to /api/messages: Teams (the Bot Connector), proven by a JWT, or a local emulator.

Tokens are checked by the Agents SDK's own `JwtTokenValidator` (signature against the published keys,
RS256, expiry with five minutes' leeway, audience = our app id, issuer allow-list, tenant binding).
Two things are Llamita's:
  * the Authorization header is parsed here, and every way a token can be wrong is a 401. (The SDK's
    aiohttp middleware answers 500 to a well-formed JWT without a `kid` header: its KeyError escapes.)
  * where the signing keys are fetched can be configured (TEAMS_TOKEN_KEYS_URL). The SDK derives it
    from the token's issuer (login.botframework.com for Bot Framework tokens) and offers no setting;
    the tests serve their own keys, and a deployment behind an egress proxy may mirror them.
The SDK keeps its key fetcher in `JwtTokenValidator._jwk_client_manager`; replacing it is the one
place Llamita reaches into the SDK's internals (pinned <2; the Teams tests fail if that changes).

Without an app id (TEAMS_EMULATOR=1, allowed only when Llamita listens on loopback) no token is
checked, and requests from anywhere but loopback are refused.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import AgentAuthConfiguration, ClaimsIdentity, JwtTokenValidator

from routing.config import TeamsSettings

log = logging.getLogger(__name__)

KEYS_TIMEOUT = 5.0
_REFUSED = '{"error": "Teams requests need a valid Bot Framework token"}'


def bearer_token(header: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None for anything else."""
    parts = (header or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


class _KeysAt:
    """The SDK's key-fetcher interface, reading one configured JWKS URL whatever the issuer."""

    def __init__(self, url: str):
        self._client = PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=KEYS_TIMEOUT)
        self._lock = threading.Lock()

    async def get_signing_key(self, _jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        def fetch() -> PyJWK:
            with self._lock:
                return self._client.get_signing_key(header["kid"])

        return await asyncio.to_thread(fetch)


def _loopback(remote: str | None) -> bool:
    try:
        return ipaddress.ip_address(remote or "").is_loopback
    except ValueError:
        return False


class InboundAuth:
    def __init__(self, teams: TeamsSettings):
        self.emulator = teams.emulator
        self.validator: JwtTokenValidator | None = None
        if not self.emulator:
            config = AgentAuthConfiguration(client_id=teams.app_id, tenant_id=teams.tenant_id,
                                            validate_issuer=True)
            self.validator = JwtTokenValidator(config)
            if teams.token_keys_url:
                self.validator._jwk_client_manager = _KeysAt(teams.token_keys_url)

    async def identify(self, request: web.Request) -> ClaimsIdentity:
        """The caller's verified claims; raises 401 (or 503 when the keys cannot be fetched)."""
        if self.emulator:
            if not _loopback(request.remote):
                raise web.HTTPForbidden(text='{"error": "the Teams emulator mode answers loopback only"}',
                                        content_type="application/json")
            return ClaimsIdentity()   # anonymous: the SDK then sends no token either
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise web.HTTPUnauthorized(text=_REFUSED, content_type="application/json")
        try:
            return await self.validator.validate_token(token)
        except PyJWKClientConnectionError as error:
            log.warning("could not fetch Teams' token signing keys: %s", error)
            raise web.HTTPServiceUnavailable(text='{"error": "cannot check tokens right now"}',
                                             content_type="application/json") from None
        except Exception as error:   # every malformed, forged, expired or misdirected token
            log.warning("refused a Teams request: %s", type(error).__name__)
            raise web.HTTPUnauthorized(text=_REFUSED, content_type="application/json") from None

    @staticmethod
    def service_url_matches(claims: ClaimsIdentity, activity: Activity) -> bool:
        """A Bot Connector token names the service URL it was issued for; an activity claiming another is
        a replay (we would send our own token there when answering)."""
        claimed = claims.get_claim_value("serviceurl")
        if not claimed:
            return True
        host = (urlsplit(activity.service_url or "").hostname or "").casefold()
        return host == (urlsplit(str(claimed)).hostname or "").casefold()
