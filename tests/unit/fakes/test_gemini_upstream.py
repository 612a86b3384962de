"""The fake Gemini upstream speaks the documented REST shapes (no Gemini SDK here: plain aiohttp)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from app.formats import ir
from app.formats.gemini import ADAPTER
from tests.fakes.gemini_upstream import DEFAULT_TEXT, SKIP_SIGNATURE, Behaviour, FakeGemini

FLASH = "gemini-2.5-flash"
PRO3 = "gemini-3-pro-preview"
# The Gemini SDKs' own framing regex (js-genai `responseLineRE`).
SDK_LINE = re.compile(r"^data: (.*)(?:\n\n|\r\r|\r\n\r\n)")
HELLO: dict[str, Any] = {
    "systemInstruction": {"parts": [{"text": "You are terse."}]},
    "contents": [{"role": "user", "parts": [{"text": "Say hello please"}]}],
}
TOOLS: list[Any] = [
    {
        "functionDeclarations": [
            {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            }
        ]
    }
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeGemini]:
    async with FakeGemini() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def call(
    session: aiohttp.ClientSession,
    fake: FakeGemini,
    body: Any,
    *,
    model: str = FLASH,
    action: str = "generateContent",
    query: str = "",
    key: str | None = "header",
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if key == "header":
        assert fake.api_key is not None
        headers["x-goog-api-key"] = fake.api_key
    elif key is not None:
        headers["x-goog-api-key"] = key
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    url = f"{fake.base_url}/models/{model}:{action}{query}"
    async with session.post(url, data=data, headers=headers) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def sdk_chunks(raw: bytes) -> list[Any]:
    """Parse a stream exactly as the SDKs do; fail on anything they would not accept."""
    text = raw.decode()
    chunks = []
    while text:
        match = SDK_LINE.match(text)
        assert match is not None, text[:80]
        chunks.append(orjson.loads(match.group(1)))
        text = text[match.end() :]
    return chunks


# --------------------------------------------------------------------------- basics


async def test_generate_content(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    status, headers, raw = await call(session, fake, HELLO)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    assert headers["Server"] == "scaffolding on HTTPServer2"
    body = orjson.loads(raw)
    assert body["candidates"] == [
        {"content": {"parts": [{"text": DEFAULT_TEXT}], "role": "model"}, "finishReason": "STOP", "index": 0}
    ]
    assert body["usageMetadata"] == {
        "promptTokenCount": 6,
        "candidatesTokenCount": 4,
        "totalTokenCount": 10,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 6}],
    }
    assert body["modelVersion"] == FLASH
    assert body["responseId"].startswith("fakeResp")
    rec = fake.generate_requests[-1]
    assert (rec.model, rec.action, rec.api_key) == (FLASH, "generateContent", fake.api_key)
    assert rec.json == HELLO


async def test_key_in_the_query_works_too(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    status, _, _ = await call(session, fake, HELLO, query=f"?key={fake.api_key}", key=None)
    assert status == 200
    assert fake.requests[-1].query["key"] == fake.api_key


@pytest.mark.parametrize(
    ("key", "bearer", "status", "google_status", "reason"),
    [
        (None, False, 403, "PERMISSION_DENIED", None),
        ("AIzaWrong", False, 400, "INVALID_ARGUMENT", "API_KEY_INVALID"),
        (None, True, 401, "UNAUTHENTICATED", "ACCESS_TOKEN_TYPE_UNSUPPORTED"),
    ],
)
async def test_auth_errors(
    fake: FakeGemini,
    session: aiohttp.ClientSession,
    key: str | None,
    bearer: bool,
    status: int,
    google_status: str,
    reason: str | None,
) -> None:
    headers = {"Authorization": "Bearer ya29.token"} if bearer else {}
    if key:
        headers["x-goog-api-key"] = key
    async with session.post(
        f"{fake.base_url}/models/{FLASH}:generateContent", json=HELLO, headers=headers
    ) as resp:
        assert resp.status == status
        body = orjson.loads(await resp.read())
    assert body["error"]["code"] == status and body["error"]["status"] == google_status
    reasons = [d.get("reason") for d in body["error"].get("details", [])]
    assert (reason in reasons) if reason else not reasons
    info = ADAPTER.decode_error(status, orjson.dumps(body))
    assert info.kind in ("authentication_error", "permission_error")
    assert fake.requests[-1].json == HELLO


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{nope", "Invalid JSON payload received"),
        ({"contents": []}, "contents is not specified"),
        ({"contents": [{"role": "user", "parts": []}]}, "contents.parts must not be empty"),
        ({"contents": [{"role": "system", "parts": [{"text": "x"}]}]}, "valid role"),
        ({**HELLO, "stream": True}, 'Unknown name "stream"'),
        ({"contents": [{"parts": [{"text": "a", "inlineData": {}}]}]}, "oneof field 'data'"),
        (
            {**HELLO, "generationConfig": {"thinkingConfig": {"thinkingBudget": 10, "thinkingLevel": "LOW"}}},
            "only one of thinking budget and thinking level",
        ),
    ],
)
async def test_invalid_requests_get_the_real_400s(
    fake: FakeGemini, session: aiohttp.ClientSession, body: Any, message: str
) -> None:
    fake.script(Behaviour(text="never"))
    status, _, raw = await call(session, fake, body)
    assert status == 400
    error = orjson.loads(raw)["error"]
    assert error["status"] == "INVALID_ARGUMENT" and message in error["message"]
    assert fake.pending == 1  # a refused request does not consume the script


async def test_unknown_model_and_method(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    status, _, raw = await call(session, fake, HELLO, model="gemini-0-nope")
    assert status == 404
    assert orjson.loads(raw)["error"]["message"].startswith(
        "models/gemini-0-nope is not found for API version v1beta"
    )
    status, _, _ = await call(session, fake, HELLO, action="embedContent")
    assert status == 404


async def test_models_list_get_and_count_tokens(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    headers = {"x-goog-api-key": fake.api_key or ""}
    async with session.get(f"{fake.base_url}/models", headers=headers) as resp:
        listed = orjson.loads(await resp.read())
    assert [m["name"] for m in listed["models"]] == [f"models/{FLASH}", f"models/{PRO3}"]
    first = listed["models"][0]
    assert first["displayName"] == "Gemini 2.5 Flash"
    assert "generateContent" in first["supportedGenerationMethods"]
    assert (first["inputTokenLimit"], first["outputTokenLimit"]) == (1048576, 65536)
    async with session.get(f"{fake.base_url}/models/{PRO3}", headers=headers) as resp:
        assert orjson.loads(await resp.read())["name"] == f"models/{PRO3}"
    async with session.get(f"{fake.base_url}/models/nope", headers=headers) as resp:
        assert resp.status == 404
    status, _, raw = await call(session, fake, HELLO, action="countTokens")
    assert status == 200 and orjson.loads(raw)["totalTokens"] == 6
    status, _, raw = await call(session, fake, {"generateContentRequest": HELLO}, action="countTokens")
    assert orjson.loads(raw)["totalTokens"] == 6


# --------------------------------------------------------------------------- streams


async def test_stream_framing_matches_the_sdks(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    fake.script(Behaviour(text="one two three"))
    status, headers, raw = await call(session, fake, HELLO, action="streamGenerateContent", query="?alt=sse")
    assert status == 200
    assert headers["Content-Type"] == "text/event-stream"
    assert b"[DONE]" not in raw and b"event:" not in raw
    assert raw.endswith(b"\r\n\r\n")
    chunks = sdk_chunks(raw)
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks) == "one two three"
    assert [c["candidates"][0].get("finishReason") for c in chunks] == [None, None, "STOP"]
    assert chunks[0]["usageMetadata"] == {
        "promptTokenCount": 6,
        "totalTokenCount": 6,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 6}],
    }
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == 3
    assert len({c["responseId"] for c in chunks}) == 1
    # The adapter reads it back.
    decoder = ADAPTER.stream_decoder()
    events = decoder.feed(raw) + decoder.close()
    assert events[-1] == ir.StreamEnd(ir.StopReason.END_TURN, ir.Usage(input_tokens=6, output_tokens=3))
    assert ADAPTER.usage_from_stream(raw[:100], raw[-400:]) == ir.Usage(input_tokens=6, output_tokens=3)


async def test_stream_without_alt_sse_is_a_json_array(
    fake: FakeGemini, session: aiohttp.ClientSession
) -> None:
    status, headers, raw = await call(session, fake, HELLO, action="streamGenerateContent")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    chunks = orjson.loads(raw)
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"


async def test_stream_error_chunk_and_drop(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    fake.script(Behaviour(text="a b c d", error_after_chunks=2))
    _, _, raw = await call(session, fake, HELLO, action="streamGenerateContent", query="?alt=sse")
    chunks = sdk_chunks(raw)
    assert len(chunks) == 3
    assert chunks[-1] == {
        "error": {
            "code": 500,
            "message": "An internal error has occurred. Please retry or report in "
            "https://developers.generativeai.google/guide/troubleshooting",
            "status": "INTERNAL",
        }
    }
    decoder = ADAPTER.stream_decoder()
    events = decoder.feed(raw) + decoder.close()
    assert isinstance(events[-1], ir.StreamError) and events[-1].status == 500
    fake.script(Behaviour(text="a b c d", drop_after_chunks=1))
    with pytest.raises(aiohttp.ClientPayloadError):
        await call(session, fake, HELLO, action="streamGenerateContent", query="?alt=sse")


# --------------------------------------------------------------------------- tools, thoughts, signatures


async def test_gemini3_signs_the_first_function_call(
    fake: FakeGemini, session: aiohttp.ClientSession
) -> None:
    fake.script(
        Behaviour(
            tool_calls=[
                {"name": "get_weather", "args": {"city": "Paris"}},
                {"name": "get_weather", "args": '{"city": "Rome"}'},
            ]
        )
    )
    status, _, raw = await call(session, fake, {**HELLO, "tools": TOOLS}, model=PRO3)
    assert status == 200
    parts = orjson.loads(raw)["candidates"][0]["content"]["parts"]
    assert parts[0]["functionCall"] == {"name": "get_weather", "args": {"city": "Paris"}}
    assert parts[0]["thoughtSignature"] in fake.issued_signatures
    assert "thoughtSignature" not in parts[1]
    # Gemini 2.5 does not sign by default.
    fake.script(Behaviour(tool_calls=[{"name": "get_weather", "args": {}}]))
    _, _, raw = await call(session, fake, {**HELLO, "tools": TOOLS})
    assert "thoughtSignature" not in orjson.loads(raw)["candidates"][0]["content"]["parts"][0]


async def test_thoughts_only_when_asked(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    thinking = {"generationConfig": {"thinkingConfig": {"includeThoughts": True, "thinkingLevel": "HIGH"}}}
    fake.script(Behaviour(text="391", thinking="17*23 = 391"), Behaviour(text="391", thinking="17*23 = 391"))
    _, _, raw = await call(session, fake, {**HELLO, **thinking}, model=PRO3)
    body = orjson.loads(raw)
    thought, text = body["candidates"][0]["content"]["parts"]
    assert thought["text"] == "17*23 = 391" and thought["thought"] is True and thought["thoughtSignature"]
    assert text["text"] == "391" and text["thoughtSignature"]
    assert body["usageMetadata"]["thoughtsTokenCount"] == 3
    response = ADAPTER.decode_response(body)
    assert response.content == (
        ir.ThinkingPart("17*23 = 391", signature=thought["thoughtSignature"]),
        ir.TextPart("391"),
        ir.ThinkingPart("", signature=text["thoughtSignature"]),
    )
    _, _, raw = await call(session, fake, HELLO, model=PRO3)
    body = orjson.loads(raw)
    assert [p["text"] for p in body["candidates"][0]["content"]["parts"]] == ["391"]
    assert body["usageMetadata"]["thoughtsTokenCount"] == 3


def _second_turn(first_parts: list[Any]) -> dict[str, Any]:
    return {
        **HELLO,
        "tools": TOOLS,
        "contents": [
            *HELLO["contents"],
            {"role": "model", "parts": first_parts},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}}],
            },
        ],
    }


async def test_missing_thought_signature_is_refused_like_the_real_api(
    fake: FakeGemini, session: aiohttp.ClientSession
) -> None:
    fake.script(Behaviour(tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}}]))
    _, _, raw = await call(session, fake, {**HELLO, "tools": TOOLS}, model=PRO3)
    parts = orjson.loads(raw)["candidates"][0]["content"]["parts"]

    status, _, _ = await call(session, fake, _second_turn(parts), model=PRO3)
    assert status == 200
    stripped = [{"functionCall": parts[0]["functionCall"]}]
    status, _, raw = await call(session, fake, _second_turn(stripped), model=PRO3)
    assert status == 400
    message = orjson.loads(raw)["error"]["message"]
    assert message.startswith("Function call is missing a thought_signature in functionCall parts.")
    assert "`default_api:get_weather` , position 2" in message
    skipped = [{**stripped[0], "thoughtSignature": SKIP_SIGNATURE}]
    assert (await call(session, fake, _second_turn(skipped), model=PRO3))[0] == 200
    # Only the current turn is checked: a new user message starts a new one.
    later = _second_turn(stripped)
    later["contents"].append({"role": "model", "parts": [{"text": "It is sunny."}]})
    later["contents"].append({"role": "user", "parts": [{"text": "thanks"}]})
    assert (await call(session, fake, later, model=PRO3))[0] == 200
    # Older models do not check, unless asked to.
    assert (await call(session, fake, _second_turn(stripped)))[0] == 200
    fake.require_thought_signatures = True
    assert (await call(session, fake, _second_turn(stripped)))[0] == 400


async def test_verify_refuses_forged_signatures(session: aiohttp.ClientSession) -> None:
    async with FakeGemini(verify_thought_signatures=True) as fake:
        forged = [{"functionCall": {"name": "get_weather", "args": {}}, "thoughtSignature": "Zm9yZ2Vk"}]
        status, _, raw = await call(session, fake, _second_turn(forged), model=PRO3)
        assert status == 400 and "Thought signature is not valid" in orjson.loads(raw)["error"]["message"]


# --------------------------------------------------------------------------- scripted failures


async def test_rate_limit_carries_retry_info(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    fake.script(Behaviour.rate_limited(retry_after=7))
    status, headers, raw = await call(session, fake, HELLO)
    assert status == 429 and "Retry-After" not in headers
    error = orjson.loads(raw)["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"} in error["details"]
    assert ADAPTER.decode_error(429, raw).retry_after == 7.0
    assert ADAPTER.decode_error(429, raw).kind == "rate_limit_error"


@pytest.mark.parametrize(
    ("status", "google_status", "kind"),
    [
        (500, "INTERNAL", "api_error"),
        (503, "UNAVAILABLE", "overloaded_error"),
        (404, "NOT_FOUND", "not_found_error"),
    ],
)
async def test_scripted_errors(
    fake: FakeGemini, session: aiohttp.ClientSession, status: int, google_status: str, kind: str
) -> None:
    fake.script(Behaviour(status=status))
    got, _, raw = await call(session, fake, HELLO)
    assert got == status
    assert orjson.loads(raw)["error"]["status"] == google_status
    assert ADAPTER.decode_error(status, raw).kind == kind
    assert (await call(session, fake, HELLO))[0] == 200  # the script was consumed


async def test_blocked_prompt_echo_and_usage_override(
    fake: FakeGemini, session: aiohttp.ClientSession
) -> None:
    fake.script(
        Behaviour(block_reason="SAFETY"),
        Behaviour(echo=True, usage={"promptTokenCount": 100, "cachedContentTokenCount": 40}),
    )
    _, _, raw = await call(session, fake, HELLO)
    body = orjson.loads(raw)
    assert "candidates" not in body and body["promptFeedback"] == {"blockReason": "SAFETY"}
    assert ADAPTER.decode_response(body).stop_reason is ir.StopReason.CONTENT_FILTER
    _, _, raw = await call(session, fake, HELLO)
    body = orjson.loads(raw)
    assert body["candidates"][0]["content"]["parts"][0]["text"] == "Say hello please"
    assert ADAPTER.decode_response(body).usage == ir.Usage(
        input_tokens=100, output_tokens=3, cache_read_tokens=40
    )


async def test_drop_mid_body(fake: FakeGemini, session: aiohttp.ClientSession) -> None:
    fake.script(Behaviour(drop_after_chunks=1))
    with pytest.raises(aiohttp.ClientPayloadError):
        await call(session, fake, HELLO)


# --------------------------------------------------------------------------- the adapter against the fake


async def test_history_from_another_vendor_passes_gemini3_validation(
    fake: FakeGemini, session: aiohttp.ClientSession
) -> None:
    """Claude Code → Gemini 3: tool calls without signatures get the skip value and are accepted."""
    request = ir.Request(
        model=PRO3,
        messages=(
            ir.Message(ir.Role.USER, (ir.TextPart("weather in Paris?"),)),
            ir.Message(
                ir.Role.ASSISTANT,
                (ir.ToolCallPart(id="toolu_01", name="get_weather", arguments='{"city":"Paris"}'),),
            ),
            ir.Message(ir.Role.USER, (ir.ToolResultPart("toolu_01", (ir.TextPart("18°C"),)),)),
        ),
        tools=(
            ir.Tool(
                "get_weather",
                "Weather",
                {"type": "object", "properties": {"city": {"type": "string"}}, "additionalProperties": False},
            ),
        ),
        reasoning=ir.Reasoning(effort="high"),
    )
    encoded = ADAPTER.encode_request(request)
    url = fake.base_url + ADAPTER.upstream_path(PRO3, True)
    headers = {"x-goog-api-key": fake.api_key or ""}
    async with session.post(url, data=orjson.dumps(encoded.body), headers=headers) as resp:
        status, raw = resp.status, await resp.read()
    assert status == 200, raw
    decoder = ADAPTER.stream_decoder()
    events = decoder.feed(raw) + decoder.close()
    assert isinstance(events[0], ir.StreamStart) and isinstance(events[-1], ir.StreamEnd)
    sent = fake.generate_requests[-1].json
    assert sent["contents"][1]["parts"][0]["thoughtSignature"] == SKIP_SIGNATURE
    assert sent["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "HIGH", "includeThoughts": True}


async def test_round_trip_of_signed_calls_through_the_canonical_form(
    fake: FakeGemini, session: aiohttp.ClientSession
) -> None:
    """Gemini 3 answer → canonical → next request: the signature goes back on the same call."""
    fake.require_thought_signatures = True
    fake.verify_thought_signatures = True
    fake.script(
        Behaviour(tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}}]), Behaviour(text="Sunny.")
    )
    first = ir.Request(
        model=PRO3,
        messages=(ir.Message(ir.Role.USER, (ir.TextPart("weather?"),)),),
        tools=(
            ir.Tool("get_weather", parameters={"type": "object", "properties": {"city": {"type": "string"}}}),
        ),
    )
    _, _, raw = await call(session, fake, ADAPTER.encode_request(first).body, model=PRO3)
    answer = ADAPTER.decode_response(orjson.loads(raw))
    (tool_call,) = [p for p in answer.content if isinstance(p, ir.ToolCallPart)]
    assert tool_call.thought_signature in fake.issued_signatures
    second = ir.Request(
        model=PRO3,
        messages=(
            *first.messages,
            ir.Message(ir.Role.ASSISTANT, answer.content),
            ir.Message(ir.Role.USER, (ir.ToolResultPart(tool_call.id, (ir.TextPart("sunny"),)),)),
        ),
        tools=first.tools,
    )
    status, _, raw = await call(session, fake, ADAPTER.encode_request(second).body, model=PRO3)
    assert status == 200, raw
    sent = fake.generate_requests[-1].json
    assert sent["contents"][1]["parts"][0]["thoughtSignature"] == tool_call.thought_signature
    assert sent["contents"][2]["parts"][0]["functionResponse"] == {
        "name": "get_weather",
        "response": {"output": "sunny"},
    }
