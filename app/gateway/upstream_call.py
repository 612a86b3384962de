"""One call to one candidate, shared by the pipeline and the fusion panel: the canonical request
encoded in the candidate's format (reasoning tokens sorted by issuer, the provider's dialect
applied), and the request itself (URL with the provider's query, headers built from scratch)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import orjson

from app.core.records import WireFormat
from app.formats import signatures
from app.formats.ir import Drop, Request
from app.formats.registry import adapter_for
from app.gateway.context import GatewayContext
from app.gateway.upstream_headers import upstream_headers
from app.providers.profile import upstream_url
from app.providers.quirks import openai_body
from app.providers.transport import UpstreamResponse
from app.routing.snapshot import Candidate


def encode_translated(
    request: Request, candidate: Candidate, client_format: WireFormat, *, say_unstreamed: bool = False
) -> tuple[bytes, tuple[Drop, ...]]:
    """The body for `candidate`, and what its format could not carry. `say_unstreamed` writes
    `stream: false` out loud (some hosts stream unless told not to)."""
    target = candidate.target
    canonical, token_drops = signatures.for_upstream(
        dataclasses.replace(request, model=candidate.upstream_model), target.wire_format, client_format
    )
    encoded = adapter_for(target.wire_format).encode_request(canonical)
    body = encoded.body
    if target.wire_format is WireFormat.OPENAI:
        body = openai_body.adjust(target.provider_id, candidate.upstream_model, canonical.reasoning, body)
        if say_unstreamed and not canonical.stream:
            body["stream"] = False
    return orjson.dumps(body), token_drops + encoded.drops


async def send(
    ctx: GatewayContext,
    candidate: Candidate,
    body: bytes,
    client_format: WireFormat,
    client_headers: Mapping[str, str],
    *,
    stream: bool,
) -> UpstreamResponse:
    target = candidate.target
    path = adapter_for(target.wire_format).upstream_path(candidate.upstream_model, stream)
    return await ctx.transport.send(
        "POST",
        upstream_url(target.base_url, path, target.profile),
        body=body,
        headers=upstream_headers(target, client_format, client_headers, stream=stream),
        proxy_url=target.proxy_url,
    )
