"""Canonical parts → Gemini content parts, for requests and responses alike. Signatures are put back
on the part they came from, synthetic call ids are left out, tool results become
`functionResponse` parts (media nested for Gemini 3, siblings otherwise), and anything Gemini
cannot take is recorded as a Drop; Gemini 3 history whose calls came unsigned gets the skip value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.formats import ir
from app.formats.gemini.fields import FORMAT, SKIP_SIGNATURE, SYNTHETIC_ID_PREFIX, _JSONDict
from app.formats.gemini.media import _media_part
from app.formats.gemini.model_version import _is_gemini3
from app.formats.gemini.tools import sanitize_name
from app.formats.tool_arguments import arguments_object


@dataclass
class _PartEncoder:
    """Canonical parts → Gemini parts for one request or response."""

    model: str
    drops: list[ir.Drop]
    call_names: Mapping[str, str] = field(default_factory=dict)

    def encode(self, parts: Iterable[ir.Part], param: str, role: ir.Role) -> list[_JSONDict]:
        out: list[_JSONDict] = []
        # Whether out[-1] may take a signature handed over by a following empty ThinkingPart.
        signable = False
        for k, part in enumerate(parts):
            p_param = f"{param}[{k}]"
            cache = getattr(part, "cache", None)
            if cache is not None:
                self.drops.append(ir.Drop(f"{p_param}.cache", "Gemini has no per-part cache marks"))
            if isinstance(part, ir.TextPart):
                original = part.extras.get(FORMAT) if part.extras else None
                if isinstance(original, Mapping) and isinstance(original.get("part"), Mapping):
                    out.append(dict(original["part"]))
                else:
                    out.append({"text": part.text})
                signable = True
            elif isinstance(part, ir.ThinkingPart):
                if not part.text and part.signature and signable and "thoughtSignature" not in out[-1]:
                    out[-1]["thoughtSignature"] = part.signature
                    signable = False
                    continue
                signable = False
                if not part.text and not part.signature:
                    if part.encrypted:
                        self.drops.append(ir.Drop(p_param, "encrypted reasoning cannot be sent to Gemini"))
                    continue
                if not part.text and not part.encrypted:
                    # A signature that stood on its own part (Gemini's empty closing text part).
                    out.append({"text": "", "thoughtSignature": part.signature})
                    continue
                thought: _JSONDict = {"text": part.text, "thought": True}
                if part.signature:
                    thought["thoughtSignature"] = part.signature
                if part.encrypted:
                    self.drops.append(
                        ir.Drop(f"{p_param}.encrypted", "Gemini cannot take encrypted reasoning")
                    )
                out.append(thought)
            elif isinstance(part, ir.ImagePart | ir.DocumentPart):
                encoded = _media_part(part.source)
                if encoded is None:
                    self.drops.append(
                        ir.Drop(p_param, f"Gemini cannot reference a {part.source.kind} source")
                    )
                    signable = False
                    continue
                if isinstance(part, ir.ImagePart) and part.detail not in (None, "auto"):
                    self.drops.append(ir.Drop(f"{p_param}.detail", "Gemini has no image detail setting"))
                out.append(encoded)
                signable = True
            elif isinstance(part, ir.ToolCallPart):
                signable = False
                if role is not ir.Role.ASSISTANT:
                    self.drops.append(ir.Drop(p_param, "a tool call in a user turn"))
                    continue
                call: _JSONDict = {"name": sanitize_name(part.name)}
                own = part.extras.get(FORMAT) if part.extras else None
                id_from_response = isinstance(own, Mapping) and own.get("idFromResponse") is True
                if part.id and not id_from_response and not part.id.startswith(SYNTHETIC_ID_PREFIX):
                    call["id"] = part.id
                call["args"] = arguments_object(part.arguments, f"{p_param}.arguments", self.drops)
                encoded_call: _JSONDict = {"functionCall": call}
                if part.thought_signature:
                    encoded_call["thoughtSignature"] = part.thought_signature
                out.append(encoded_call)
            elif isinstance(part, ir.ToolResultPart):
                signable = False
                if role is not ir.Role.USER:
                    self.drops.append(ir.Drop(p_param, "a tool result in a model turn"))
                    continue
                out.extend(self._result(part, p_param))
            else:  # RedactedThinkingPart
                signable = False
                self.drops.append(ir.Drop(p_param, "Gemini cannot take redacted thinking"))
        return out

    def _result(self, part: ir.ToolResultPart, param: str) -> list[_JSONDict]:
        name = part.name or self.call_names.get(part.call_id)
        if not name:
            name = "unknown_function"
            self.drops.append(
                ir.Drop(f"{param}.name", "no tool call with this id: the result is sent unnamed")
            )
        texts = [p for p in part.content if isinstance(p, ir.TextPart)]
        media = [p for p in part.content if not isinstance(p, ir.TextPart)]
        response: _JSONDict
        original = texts[0].extras.get(FORMAT) if len(texts) == 1 and texts[0].extras else None
        if (
            isinstance(original, Mapping)
            and isinstance(original.get("response"), Mapping)
            and not part.is_error
        ):
            response = dict(original["response"])
        elif part.is_error:
            response = {"error": "\n".join(p.text for p in texts)}
        elif texts:
            response = {"output": "\n".join(p.text for p in texts)}
        else:
            response = {}
        fr: _JSONDict = {"name": sanitize_name(name)}
        if part.call_id and not part.call_id.startswith(SYNTHETIC_ID_PREFIX):
            fr["id"] = part.call_id
        fr["response"] = response
        for p in texts:
            if p.cache is not None:
                self.drops.append(ir.Drop(f"{param}.content.cache", "Gemini has no per-part cache marks"))
        encoded_media: list[_JSONDict] = []
        for m, item in enumerate(media):
            encoded = _media_part(item.source)
            if encoded is None:
                self.drops.append(
                    ir.Drop(f"{param}.content[{m}]", f"Gemini cannot reference a {item.source.kind} source")
                )
                continue
            encoded_media.append(encoded)
        if encoded_media and _is_gemini3(self.model):
            fr["parts"] = encoded_media
            return [{"functionResponse": fr}]
        return [{"functionResponse": fr}, *encoded_media]


def _finish_signatures(contents: list[_JSONDict], model: str) -> None:
    """Gemini 3 rejects history whose steps' first function call has no signature: give such calls
    (they came from another vendor) the documented skip value."""
    if not _is_gemini3(model):
        return
    for content in contents:
        if content.get("role") != "model":
            continue
        calls = [p for p in content["parts"] if "functionCall" in p]
        if calls and not any("thoughtSignature" in p for p in calls):
            calls[0]["thoughtSignature"] = SKIP_SIGNATURE
