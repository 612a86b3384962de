"""Where a reasoning signature came from, so it only ever goes back to the vendor that issued it.

Thinking signatures (Anthropic), thought signatures (Gemini), encrypted reasoning (OpenAI Responses)
and redacted thinking are opaque tokens that only their issuer can verify. When a translated answer
hands one to a client of another format, the client stores it in its history and sends it back on
the next turn — possibly to a different upstream, which would reject it with a 400. So a translated
answer tags each token with its origin (`vr1:<format>:<token>`), and a translated request keeps a
token only for the upstream of that origin, untagged; anything else is left out (and reported).

Untagged tokens in a client's request were issued by an upstream of the client's own format (a
passthrough turn), so they are kept only when the request goes to that format.

This is not the `vansroute.v1.` envelope of the Responses adapter (`openai_responses.reasoning.seal`):
the two are different layers and neither subsumes the other. A tag says which vendor issued a token,
whatever field carries it; the envelope is how a token Responses has no field for (an Anthropic
signature, redacted thinking, Gemini thought signatures) rides inside `encrypted_content`, whoever
issued it. A token bound for a Responses client is tagged here, then sealed by the encoder; coming
back it is unsealed by the decoder, then untagged here.
"""

from __future__ import annotations

import dataclasses

from app.core.records import WireFormat
from app.formats.ir import (
    BlockStart,
    Drop,
    Message,
    Part,
    RedactedThinkingPart,
    Request,
    Response,
    SignatureDelta,
    StreamEvent,
    ThinkingPart,
    ToolCallPart,
)

PREFIX = "vr1:"
MARKER = PREFIX.encode()


def tag(value: str | None, origin: WireFormat) -> str | None:
    if value is None or value.startswith(PREFIX):
        return value
    return f"{PREFIX}{origin.value}:{value}"


def untag(value: str | None, target: WireFormat, client: WireFormat) -> str | None:
    """The token as `target` should see it, or None when `target` did not issue it."""
    if value is None:
        return None
    if not value.startswith(PREFIX):
        return value if target is client else None
    origin, sep, token = value[len(PREFIX) :].partition(":")
    if not sep or origin != target.value:
        return None
    return token


# --- answers going to a client of another format ------------------------------------------------


def _tag_part(part: Part, origin: WireFormat) -> Part:
    if isinstance(part, ThinkingPart) and (part.signature or part.encrypted):
        return dataclasses.replace(
            part, signature=tag(part.signature, origin), encrypted=tag(part.encrypted, origin)
        )
    if isinstance(part, ToolCallPart) and part.thought_signature:
        return dataclasses.replace(part, thought_signature=tag(part.thought_signature, origin))
    if isinstance(part, RedactedThinkingPart):
        return RedactedThinkingPart(tag(part.data, origin) or part.data)
    return part


def tag_response(response: Response, origin: WireFormat) -> Response:
    return dataclasses.replace(response, content=tuple(_tag_part(p, origin) for p in response.content))


def tag_event(event: StreamEvent, origin: WireFormat) -> StreamEvent:
    if isinstance(event, SignatureDelta):
        return dataclasses.replace(
            event, signature=tag(event.signature, origin), encrypted=tag(event.encrypted, origin)
        )
    if isinstance(event, BlockStart) and (event.thought_signature or event.data):
        data = event.data
        if data is not None and event.kind.value == "redacted_thinking":
            data = tag(data, origin)
        return dataclasses.replace(event, thought_signature=tag(event.thought_signature, origin), data=data)
    return event


# --- requests going to an upstream --------------------------------------------------------------


def for_upstream(
    request: Request, target: WireFormat, client: WireFormat
) -> tuple[Request, tuple[Drop, ...]]:
    """The request with every token untagged for `target`, and those it did not issue left out."""
    drops: list[Drop] = []
    messages: list[Message] = []
    changed = False
    for m_index, message in enumerate(request.messages):
        parts: list[Part] = []
        touched = False
        for p_index, part in enumerate(message.parts):
            kept, lost = _untag_part(part, target, client)
            if kept is not part:
                touched = True
            if lost:
                drops.append(
                    Drop(
                        f"messages[{m_index}].parts[{p_index}]",
                        f"reasoning token not issued by {target.value}",
                    )
                )
            if kept is not None:
                parts.append(kept)
        if not touched:
            messages.append(message)
            continue
        changed = True
        if parts:
            messages.append(dataclasses.replace(message, parts=tuple(parts)))
    if not changed:
        return request, ()
    return dataclasses.replace(request, messages=tuple(messages)), tuple(drops)


def _untag_part(part: Part, target: WireFormat, client: WireFormat) -> tuple[Part | None, bool]:
    """The part as `target` should see it, and whether a token had to be left out."""
    if isinstance(part, ThinkingPart):
        if part.signature is None and part.encrypted is None:
            return part, False
        signature = untag(part.signature, target, client)
        encrypted = untag(part.encrypted, target, client)
        if signature == part.signature and encrypted == part.encrypted:
            return part, False
        lost = (part.signature is not None and signature is None) or (
            part.encrypted is not None and encrypted is None
        )
        return dataclasses.replace(part, signature=signature, encrypted=encrypted), lost
    if isinstance(part, ToolCallPart):
        if part.thought_signature is None:
            return part, False
        signature = untag(part.thought_signature, target, client)
        if signature == part.thought_signature:
            return part, False
        return dataclasses.replace(part, thought_signature=signature), signature is None
    if isinstance(part, RedactedThinkingPart):
        data = untag(part.data, target, client)
        if data == part.data:
            return part, False
        return (None, True) if data is None else (RedactedThinkingPart(data), False)
    return part, False
