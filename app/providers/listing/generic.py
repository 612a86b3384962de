"""Model lists read by wire format, for providers without a dialect of their own.

OpenAI-compatible servers (and Ollama, LM Studio, vLLM, llama.cpp) answer `{"data": [{"id"}]}`, some
with a context window under one of a few common names (vLLM `max_model_len`, Groq `context_window`,
Mistral `max_context_length`…). Anthropic pages with `has_more`/`last_id` and states `max_input_tokens`,
`max_tokens` and `capabilities`. Gemini answers `{"models": [{"name": "models/…"}]}` paged by
`nextPageToken` with `inputTokenLimit`/`outputTokenLimit`; only models that generate content are kept.
No price is read here: its unit differs from provider to provider.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.core.records import WireFormat
from app.providers.catalog import Capability
from app.providers.listing.model import ListedModel, caps, first_count

_CONTEXT_KEYS = ("context_length", "context_window", "max_context_length", "max_model_len", "context_size")
_OUTPUT_KEYS = ("max_completion_tokens", "max_output_tokens", "max_output_length")


def parse(wire_format: WireFormat, body: object) -> tuple[list[ListedModel], str | None]:
    if not isinstance(body, Mapping):
        return [], None
    if wire_format is WireFormat.GEMINI:
        return _gemini(body)
    models = [m for m in (_openai_like(item) for item in _items(body.get("data"))) if m is not None]
    if wire_format is WireFormat.ANTHROPIC:
        models = [_with_anthropic_fields(m, item) for m, item in _paired(body.get("data"))]
        if body.get("has_more") and isinstance(body.get("last_id"), str):
            return models, body["last_id"]
    return models, None


def _items(data: object) -> list[Mapping[str, object]]:
    return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []


def _openai_like(item: Mapping[str, object]) -> ListedModel | None:
    model_id = item.get("id")
    if not isinstance(model_id, str) or not model_id:
        return None
    return ListedModel(
        id=model_id,
        context_window=first_count(item, *_CONTEXT_KEYS),
        max_output=first_count(item, *_OUTPUT_KEYS),
    )


def _paired(data: object) -> list[tuple[ListedModel, Mapping[str, object]]]:
    pairs = []
    for item in _items(data):
        model = _openai_like(item)
        if model is not None:
            pairs.append((model, item))
    return pairs


def _supported(capabilities: object, key: str) -> bool:
    entry = capabilities.get(key) if isinstance(capabilities, Mapping) else None
    return isinstance(entry, Mapping) and entry.get("supported") is True


def _with_anthropic_fields(model: ListedModel, item: Mapping[str, object]) -> ListedModel:
    capabilities = item.get("capabilities")
    return ListedModel(
        id=model.id,
        context_window=first_count(item, "max_input_tokens") or model.context_window,
        max_output=first_count(item, "max_tokens") or model.max_output,
        capabilities=caps(
            (
                (_supported(capabilities, "image_input"), Capability.VISION),
                (_supported(capabilities, "pdf_input"), Capability.PDF),
                (_supported(capabilities, "thinking"), Capability.REASONING),
            )
        ),
    )


def _gemini(body: Mapping[str, object]) -> tuple[list[ListedModel], str | None]:
    models = []
    for item in _items(body.get("models")):
        name = item.get("name")
        if not isinstance(name, str) or not name:
            continue
        methods = item.get("supportedGenerationMethods")
        if isinstance(methods, list) and "generateContent" not in methods:
            continue  # embedding and other non-chat models
        models.append(
            ListedModel(
                id=name.removeprefix("models/"),
                context_window=first_count(item, "inputTokenLimit"),
                max_output=first_count(item, "outputTokenLimit"),
                capabilities=caps(((item.get("thinking") is True, Capability.REASONING),)),
            )
        )
    token = body.get("nextPageToken")
    return models, token if isinstance(token, str) and token else None
