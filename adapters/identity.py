"""Signed customer identity: how the website tells Llamita who is chatting.

The site's server signs the signed-in customer's claims with the shared secret
(LLAMITA_IDENTITY_SECRET) and hands the token to the widget, as the large chat vendors' identity
verification does. Format: base64url(JSON claims) + "." + hex HMAC-SHA256(secret, that base64 text).
Claims: "id" (required, the site's customer id), optional "name", "email", "tier", and "exp" (Unix
seconds). A token that is missing, malformed, expired or badly signed is never trusted.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from routing.service import VerifiedIdentity, unstorable


def sign_identity(secret: str, claims: dict) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    payload_text = payload.decode().rstrip("=")
    return f"{payload_text}.{_signature(secret, payload_text)}"


def verify_identity(secret: str, token: object, now: float | None = None) -> VerifiedIdentity | None:
    """The customer a token vouches for, or None when it is missing, malformed, badly signed or expired."""
    claims = _signed_claims(secret, token)
    if claims is None:
        return None
    expires = claims.get("exp")
    if expires is not None and (not isinstance(expires, (int, float)) or expires < (now or time.time())):
        return None
    text = {key: str(claims[key])[:200] for key in ("name", "email", "tier") if claims.get(key)}
    if any(unstorable(value) for value in text.values()):
        return None   # NUL or unpaired surrogates: no database here could keep them
    return VerifiedIdentity(external_id=claims["id"], **text)


EXPIRED_GRACE_SECONDS = 24 * 3600   # how long after its `exp` a token still brings its customer back


def signed_subject(secret: str, token: object, now: float | None = None) -> str | None:
    """The customer id of a token the site really signed, even if it has expired since (for a day).

    Enough to let a customer back into their own conversation (their session token proves it is theirs;
    the identity only proves it is still the same person), never to start a new one as them; a token
    long expired is no longer evidence of anything.
    """
    claims = _signed_claims(secret, token)
    if claims is None:
        return None
    expires = claims.get("exp")
    if expires is not None and (not isinstance(expires, (int, float))
                                or expires + EXPIRED_GRACE_SECONDS < (now or time.time())):
        return None
    return claims["id"]


def _signed_claims(secret: str, token: object) -> dict | None:
    # A real token is ASCII (base64url and hex); other text, say an unpaired surrogate, is not ours.
    if not secret or not isinstance(token, str) or not token.isascii() or token.count(".") != 1 \
            or len(token) > 4096:
        return None
    payload_text, signature = token.split(".")
    # Bytes, not str: compare_digest refuses non-ASCII text, and the token comes from the browser.
    if not hmac.compare_digest(_signature(secret, payload_text).encode(), signature.encode("utf-8", "replace")):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4)))
    except (ValueError, RecursionError):
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("id"), str) or not 0 < len(claims["id"]) <= 200 \
            or unstorable(claims["id"]):
        return None
    return claims


def _signature(secret: str, payload_text: str) -> str:
    return hmac.new(secret.encode(), payload_text.encode(), hashlib.sha256).hexdigest()
