"""Local API keys: `Authorization: Bearer <key>` or `x-api-key: <key>`, checked against hashes in memory."""

from __future__ import annotations

import hashlib
import secrets

from aiohttp import web

from app.core.errors import Unauthorized
from app.core.records import ApiKeyRecord
from app.routing.snapshot import RoutingSnapshot

KEY_PREFIX = "vr-"
# The key a request was authenticated with, kept so the admission middleware and the handler agree.
AUTHENTICATED = web.RequestKey("vansroute_api_key", ApiKeyRecord)


def hash_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a fast unsalted hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def presented_key(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    key = request.headers.get("x-api-key") or request.headers.get("x-goog-api-key")
    if not key and request.path.startswith("/v1beta/"):
        key = request.query.get("key")  # Gemini clients may pass the key as ?key=
    return key.strip() if key else None


def authenticate(request: web.Request, snapshot: RoutingSnapshot) -> ApiKeyRecord:
    """The request's local API key (401 when missing or unknown); looked up once per request."""
    if AUTHENTICATED in request:
        return request[AUTHENTICATED]
    key = presented_key(request)
    if key is None:
        raise Unauthorized(
            "missing API key: send 'Authorization: Bearer <key>' (create one with 'vansroute keys create NAME')"
        )
    record = snapshot.keys_by_hash.get(hash_key(key))
    if record is None or record.revoked:
        raise Unauthorized("invalid API key")
    request[AUTHENTICATED] = record
    return record
