"""Reasoning items and reasoning settings. Decodes `reasoning` items into ThinkingParts (summary
vs raw text, encrypted content and item id on the right parts), decides which consecutive
ThinkingParts form one item on the way back, and maps the canonical Reasoning to `reasoning` /
`include`. Also the `vansroute.v1.` envelope (`seal` / `unseal`) that carries other vendors'
signatures (Anthropic thinking, redacted thinking, Gemini thought signatures) through a Responses
client's `encrypted_content` and back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

import orjson

from app.formats import ir
from app.formats.openai_responses.checks import _join, _list, _obj, _opt_str, _req_str
from app.formats.openai_responses.extras import FORMAT
from app.formats.reasoning_levels import OPENAI_EFFORTS

# The envelope is a Responses-format matter: which field a foreign token rides in. Which vendor issued
# the token is said by the `vr1:<format>:` tag inside it (`app.formats.signatures`), a separate layer
# applied by the gateway before sealing and after unsealing; both are needed.
ENVELOPE_PREFIX: Final = "vansroute.v1."

_INCLUDE_ENCRYPTED: Final = "reasoning.encrypted_content"


def seal(payload: Mapping[str, Any]) -> str:
    """Wraps another vendor's reasoning signature for a Responses client's `encrypted_content`."""
    return ENVELOPE_PREFIX + base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def unseal(value: str) -> dict[str, Any] | None:
    if not value.startswith(ENVELOPE_PREFIX):
        return None
    raw = value[len(ENVELOPE_PREFIX) :]
    try:
        data = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _summary_texts(item: Mapping[str, Any], key: str, path: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    texts = []
    for j, raw in enumerate(_list(value, _join(path, key))):
        entry = _obj(raw, f"{path}.{key}[{j}]")
        texts.append(_req_str(entry, "text", f"{path}.{key}[{j}]"))
    return texts


def _decode_reasoning(item: Mapping[str, Any], path: str, tool_sigs: dict[str, str]) -> list[ir.Part]:
    rid = _opt_str(item, "id", path)
    encrypted = _opt_str(item, "encrypted_content", path)
    summary = _summary_texts(item, "summary", path)
    content = _summary_texts(item, "content", path)
    if encrypted is not None:
        sealed = unseal(encrypted)
        if sealed is not None:
            kind = sealed.get("k")
            if kind == "thinking" and isinstance(sealed.get("sig"), str):
                return [ir.ThinkingPart("\n\n".join(summary + content), signature=sealed["sig"])]
            if kind == "redacted" and isinstance(sealed.get("data"), str):
                return [ir.RedactedThinkingPart(sealed["data"])]
            if kind == "tool_sigs" and isinstance(sealed.get("sigs"), Mapping):
                tool_sigs.update({str(k): str(v) for k, v in sealed["sigs"].items()})
                return []
    texts = [(text, "summary") for text in summary] + [(text, "thinking") for text in content]
    if not texts:
        texts = [("", "summary")]
    # The first part of the item carries the encrypted reasoning; all carry the item id.
    return [
        ir.ThinkingPart(text, encrypted=encrypted if n == 0 else None, reasoning_id=rid, kind=kind)
        for n, (text, kind) in enumerate(texts)
    ]


def _continues_reasoning(prev: ir.Part, part: ir.Part) -> bool:
    """Whether `part` belongs to the same reasoning item as `prev` (see _decode_reasoning)."""
    if not isinstance(prev, ir.ThinkingPart) or not isinstance(part, ir.ThinkingPart):
        return False
    if part.encrypted is not None or part.signature is not None or prev.signature is not None:
        return False
    native_prev = prev.encrypted is not None or prev.reasoning_id is not None or prev.kind == "summary"
    native = part.reasoning_id is not None or part.kind == "summary"
    return native_prev and native and part.reasoning_id == prev.reasoning_id


def _encode_reasoning(request: ir.Request, drops: list[ir.Drop]) -> dict[str, Any] | None:
    r = request.reasoning
    if r is None:
        return None
    ours = request.extras.get(FORMAT) or {}
    out: dict[str, Any] = {}
    effort = r.effective_effort()
    if effort is not None and effort not in OPENAI_EFFORTS:
        clamped = "xhigh" if effort == "max" else "medium"
        drops.append(ir.Drop("reasoning.effort", f"OpenAI has no effort {effort!r}; sent {clamped!r}"))
        effort = clamped
    if effort is not None:
        out["effort"] = effort
    # Not derived from Gemini's includeThoughts: OpenAI refuses summaries to unverified
    # organisations on some models, so asking for one unasked could fail the request.
    summary = r.summary
    if summary is not None:
        out["summary"] = summary
    other = dict(ours.get("reasoning") or {})
    if ours.get("summary_from_generate_summary") and summary == other.get("generate_summary"):
        out.pop("summary", None)  # the client only sent the deprecated spelling
    for key, value in other.items():
        out.setdefault(key, value)
    return out


def _encode_include(request: ir.Request) -> list[str] | None:
    ours = request.extras.get(FORMAT) or {}
    include = list(ours.get("include") or [])
    had = "include" in ours
    r = request.reasoning
    if r is not None:
        if r.include_encrypted and _INCLUDE_ENCRYPTED not in include:
            include.append(_INCLUDE_ENCRYPTED)
        elif not r.include_encrypted and _INCLUDE_ENCRYPTED in include:
            include.remove(_INCLUDE_ENCRYPTED)
    if include or had:
        return include
    return None
