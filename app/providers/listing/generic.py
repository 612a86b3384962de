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
from app.providers.listing.model import ListedModel, caps, first_count, read_list

_CONTEXT_KEYS = ("context_length", "context_window", "max_context_length", "max_model_len", "context_size")
_OUTPUT_KEYS = ("max_completion_tokens", "max_output_tokens", "max_output_length")


def parse(wire_format: WireFormat, body: object) -> tuple[list[ListedModel], str | None]:
    if not isinstance(body, Mapping):
        return [], None
    if wire_format is WireFormat.GEMINI:
        return _gemini(body)
    if wire_format is WireFormat.ANTHROPIC:
        models = read_list(body.get("data"), _anthropic)
        if body.get("has_more") and isinstance(body.get("last_id"), str):
            return models, body["last_id"]
        return models, None
    return read_list(body.get("data"), _openai_like), None


def _openai_like(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    return ListedModel(
        id=model_id,
        context_window=first_count(item, *_CONTEXT_KEYS),
        max_output=first_count(item, *_OUTPUT_KEYS),
    )


def _supported(capabilities: object, key: str) -> bool:
    entry = capabilities.get(key) if isinstance(capabilities, Mapping) else None
    return isinstance(entry, Mapping) and entry.get("supported") is True


def _anthropic(model_id: str, item: Mapping[str, object]) -> ListedModel | None:
    capabilities = item.get("capabilities")
    return ListedModel(
        id=model_id,
        context_window=first_count(item, "max_input_tokens", *_CONTEXT_KEYS),
        max_output=first_count(item, "max_tokens", *_OUTPUT_KEYS),
        capabilities=caps(
            (
                (_supported(capabilities, "image_input"), Capability.VISION),
                (_supported(capabilities, "pdf_input"), Capability.PDF),
                (_supported(capabilities, "thinking"), Capability.REASONING),
            )
        ),
    )


def _gemini(body: Mapping[str, object]) -> tuple[list[ListedModel], str | None]:
    token = body.get("nextPageToken")
    models = read_list(body.get("models"), _gemini_model, id_key="name")
    return models, token if isinstance(token, str) and token else None


def _gemini_model(name: str, item: Mapping[str, object]) -> ListedModel | None:
    methods = item.get("supportedGenerationMethods")
    if isinstance(methods, list) and "generateContent" not in methods:
        return None  # embedding and other non-chat models
    return ListedModel(
        id=name.removeprefix("models/"),
        context_window=first_count(item, "inputTokenLimit"),
        max_output=first_count(item, "outputTokenLimit"),
        capabilities=caps(((item.get("thinking") is True, Capability.REASONING),)),
    )
