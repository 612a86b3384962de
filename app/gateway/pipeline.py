"""One request through the gateway, whatever the client's format and the upstream's.

Same format in and out is passthrough: the client's body goes upstream with only the model (and auth)
changed, and the answer comes back byte for byte while usage is read on the side. Otherwise the body
is decoded into the canonical form once, encoded for each candidate's format, and the answer (or its
stream, event by event) is translated back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from aiohttp import web

from app.core.errors import GatewayError, InvalidRequest, NoRouteAvailable, UpstreamError, UpstreamHTTPError
from app.core.events import ComboExhausted
from app.core.records import ApiKeyRecord, WireFormat
from app.formats import anthropic, openai_chat, signatures
from app.formats.adapter import ErrorInfo, FormatAdapter
from app.formats.ir import Drop, Reasoning, Request, Response, StreamEnd, StreamError, StreamEvent, Usage
from app.formats.openai_responses import stateful_fields
from app.formats.registry import adapter_for
from app.formats.token_count import count_text
from app.gateway import upstream_call
from app.gateway.access import permitted
from app.gateway.accounting import RequestLog
from app.gateway.auth import authenticate
from app.gateway.context import CONTEXT, GatewayContext
from app.gateway.fusion import run_panel
from app.gateway.request_body import read_json, require_list, require_str
from app.gateway.request_needs import request_needs
from app.gateway.session_key import session_key
from app.gateway.streaming import SSE_HEADERS, relay_sse
from app.providers.quirks import kimi_tool_markup, nvidia_stream, openai_body
from app.providers.transport import UpstreamResponse
from app.routing.execute import Exhausted, account_key, classify, first_answer, record_failure
from app.routing.fusion import judge_request
from app.routing.model_suffix import split_reasoning_suffix
from app.routing.plan import LoadOf, models_of, plan, stick
from app.routing.resolve import ComboRoute, resolve_route
from app.routing.snapshot import Candidate, Target
from app.routing.strategies import FUSION, RequestNeeds
from app.savers import HEADER as SAVER_HEADER
from app.savers import HeadroomSettings, Saver, SaverOptions, apply_headroom, apply_savers, header_turns_off
from app.savers.tool_results import Rewrite

_log = logging.getLogger(__name__)

# The fields each format cannot do without; checked even on the passthrough path, so a malformed
# request gets a 400 from us rather than a confusing one from the upstream.
_REQUIRED_LISTS: Mapping[WireFormat, str] = {
    WireFormat.OPENAI: "messages",
    WireFormat.ANTHROPIC: "messages",
    WireFormat.GEMINI: "contents",
}


class TranslatedUpstreamError(UpstreamError):
    """An upstream error re-expressed in canonical terms, to be rendered in the client's format."""

    def __init__(self, info: ErrorInfo, retry_after: float | None) -> None:
        super().__init__(info.message, param=info.param)
        self.status = info.status
        self.kind = info.kind
        self.code = info.code or self.code
        self.retry_after = retry_after


class _Call:
    """The state of one request: the client's body, its canonical form (decoded at most once)."""

    def __init__(
        self,
        ctx: GatewayContext,
        client_format: WireFormat,
        body: dict[str, Any],
        model: str,
        stream: bool,
        reasoning: Reasoning | None,
        headers: Mapping[str, str],
    ) -> None:
        self.ctx = ctx
        self.client_format = client_format
        self.client: FormatAdapter = adapter_for(client_format)
        self.body = body
        self.model = model
        self.stream = stream
        self.reasoning = reasoning
        self.client_headers = headers
        self._canonical: Request | None = None
        # Set when the request sent upstream is not the client's (a fusion judge's): no passthrough.
        self.rewritten = False
        options = body.get("stream_options")
        # An OpenAI chat client streaming without asking for usage: the gateway asks for it.
        self.usage_chunk_added = (
            client_format is WireFormat.OPENAI
            and stream
            and not (isinstance(options, dict) and options.get("include_usage") is True)
        )
        self.drops: tuple[Drop, ...] = ()
        self.foreign_tokens = False

    def canonical(self) -> Request:
        if self._canonical is None:
            decoded = self.ctx.signatures.restore(
                self.client.decode_request(self.body, model=self.model, stream=self.stream)
            )
            if self.reasoning is not None:
                decoded = dataclasses.replace(
                    decoded, reasoning=_merge_reasoning(decoded.reasoning, self.reasoning)
                )
            self._canonical = decoded
        return self._canonical

    def rewrite(self, request: Request) -> None:
        self._canonical = request
        self.rewritten = True

    def upstream_streams(self, candidate: Candidate) -> bool:
        # NVIDIA-hosted Kimi streams badly: it is asked for the whole answer, which is then replayed
        # to the client as a stream in its own format.
        return self.stream and not nvidia_stream.needs_unstreamed(
            candidate.target.provider_id, candidate.upstream_model
        )

    def passthrough(self, candidate: Candidate) -> bool:
        # A reasoning suffix has to be written into the body, and tokens another vendor issued have to
        # be left out: both need the canonical route. So do answers that must be repaired on the way
        # back (Kimi's tool-call markup leaked into text) or re-streamed (NVIDIA Kimi).
        return (
            candidate.target.wire_format == self.client_format
            and self.reasoning is None
            and not self.foreign_tokens
            and not self.rewritten
            and not _repaired(candidate)
            # Claude Code puts role "system" messages in `messages` for non-Claude model names; only
            # some Anthropic models take them, so for the others they move to the top-level system.
            and not (
                self.client_format is WireFormat.ANTHROPIC
                and anthropic.system_messages_refused(self.body, candidate.upstream_model)
            )
        )

    def upstream_body(self, candidate: Candidate) -> bytes:
        target = candidate.target
        if self.passthrough(candidate):
            if self.client_format is WireFormat.GEMINI:
                return orjson.dumps(self.body)  # Gemini names the model in the URL, not the body
            body = {**self.body, "model": candidate.upstream_model}
            if self.usage_chunk_added:
                # Without usage a stream cannot be accounted (cost, budgets): ask for it upstream and
                # leave the extra chunk out of what the client receives (_relay_passthrough).
                options = body.get("stream_options")
                body["stream_options"] = {
                    **(options if isinstance(options, dict) else {}),
                    "include_usage": True,
                }
            if target.wire_format is WireFormat.OPENAI:
                body = openai_body.adjust(
                    target.provider_id, candidate.upstream_model, openai_body.reasoning_of(body), body
                )
            return orjson.dumps(body)
        encoded, self.drops = upstream_call.encode_translated(
            dataclasses.replace(self.canonical(), stream=self.upstream_streams(candidate)),
            candidate,
            self.client_format,
            say_unstreamed=self.stream,
        )
        self.ctx.translation_drops += len(self.drops)
        for drop in self.drops:
            _log.debug(
                "%s → %s dropped %s: %s", self.client_format, target.wire_format, drop.field, drop.reason
            )
        return encoded


NO_NEEDS = RequestNeeds()


async def _save_tokens(
    ctx: GatewayContext,
    options: SaverOptions,
    headroom: HeadroomSettings,
    headers: Mapping[str, str],
    client_format: WireFormat,
    body: dict[str, Any],
    model: str,
) -> tuple[dict[str, Any], tuple[Rewrite, ...]]:
    """The body with tool output shrunk (and Caveman/Ponytail added) as the settings say, and what was
    rewritten; the client's own dict, untouched, when nothing applies or the request says
    `x-vansroute-token-saver: off`."""
    if not options.enabled or header_turns_off(headers.get(SAVER_HEADER)):
        return body, ()
    saved = apply_savers(body, client_format, options)
    if options.uses(Saver.HEADROOM):
        compressed = await apply_headroom(
            saved.body, client_format, _headroom_sender(ctx), ctx.headroom_memory, headroom, model=model
        )
        if compressed.failure:
            _log.info("%s", compressed.failure)
        if compressed.changed:
            return compressed.body, _chained(saved.rewrites, compressed.rewrites)
    return saved.body, saved.rewrites


def _chained(first: tuple[Rewrite, ...], second: tuple[Rewrite, ...]) -> tuple[Rewrite, ...]:
    """RTK then Headroom on the same results: count from the original text to Headroom's."""
    originals = {r.after: r.before for r in first}
    merged = [Rewrite(r.kind, originals.pop(r.before, r.before), r.after) for r in second]
    return (*merged, *(Rewrite(r.kind, r.before, r.after) for r in first if r.after in originals))


def _count_rewrites(rewrites: tuple[Rewrite, ...]) -> tuple[int, int]:
    return (
        sum(count_text(r.before) for r in rewrites),
        sum(count_text(r.after) for r in rewrites),
    )


@functools.lru_cache(maxsize=64)
def _key_savers(choice: str, level: str) -> SaverOptions:
    return SaverOptions.parse(choice, level)


def _savers_for(global_options: SaverOptions, key: ApiKeyRecord) -> SaverOptions:
    """A key's own choice (checked when it was set) wins over the global setting."""
    choice = key.limits.token_savers
    return global_options if choice is None else _key_savers(choice, global_options.level.value)


def _headroom_sender(ctx: GatewayContext) -> Callable[[str, bytes, float], Awaitable[tuple[int, bytes]]]:
    async def send(url: str, body: bytes, _limit: float) -> tuple[int, bytes]:
        # apply_headroom bounds the call with its own timeout (3 s); an error status raises here.
        response = await ctx.transport.send(
            "POST", url, body=body, headers={"Content-Type": "application/json"}, proxy_url=None
        )
        return response.status, await response.read()

    return send


def _load(ctx: GatewayContext) -> LoadOf:
    limiter = ctx.guards.limiter

    def load(target: Target) -> tuple[int, int]:
        view = limiter.view(account_key(Candidate(target, "")))
        return view.in_flight, view.limit

    return load


def _repaired(candidate: Candidate) -> bool:
    provider, model = candidate.target.provider_id, candidate.upstream_model
    return kimi_tool_markup.applies(provider, model) or nvidia_stream.needs_unstreamed(provider, model)


async def _fuse(
    ctx: GatewayContext, call: _Call, route: ComboRoute, key: ApiKeyRecord
) -> tuple[Candidate, ...]:
    """Asks the panel, then hands its answers to the judge: returns the judge's candidates, with the
    judge's request in place of the client's."""
    members = models_of(route, NO_NEEDS, ctx.routing, _load(ctx))
    answers = await run_panel(
        ctx,
        route,
        members,
        call.canonical(),
        key=key,
        client_format=call.client_format,
        client_headers=call.client_headers,
    )
    if not answers:
        raise NoRouteAvailable(f"no member of fusion combo '{route.combo.name}' answered")
    judge = route.combo.options.get("judge")
    judge_model = judge if isinstance(judge, str) and judge else members[0].key
    call.rewrite(judge_request(call.canonical(), answers))
    judge_route = resolve_route(ctx.snapshots.current, judge_model)
    return permitted(key, plan(judge_route, NO_NEEDS, ctx.routing, _load(ctx)))


def _honouring_state(call: _Call, candidates: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
    """A Responses request that points at server-side state (previous_response_id, stored items)
    can only go to a Responses upstream: no other can see that state."""
    if call.client_format is not WireFormat.RESPONSES:
        return candidates
    stateful = stateful_fields(call.canonical())
    if not stateful:
        return candidates
    able = tuple(c for c in candidates if c.target.wire_format is WireFormat.RESPONSES)
    if not able:
        raise InvalidRequest(
            f"'{stateful[0]}' refers to state stored by an OpenAI Responses server, but this model is "
            "served by another API; send the full conversation instead (store: false)",
            param=stateful[0].split("[")[0],
        )
    return able


def _merge_reasoning(current: Reasoning | None, suffix: Reasoning) -> Reasoning:
    if current is None:
        return suffix
    return dataclasses.replace(current, effort=suffix.effort, budget_tokens=suffix.budget_tokens)


async def handle(
    request: web.Request,
    client_format: WireFormat,
    *,
    model: str | None = None,
    stream: bool | None = None,
) -> web.StreamResponse:
    """Serves one generation request. `model`/`stream` come from the URL for Gemini."""
    ctx = request.app[CONTEXT]
    log = RequestLog(ctx, client_format, ctx.clock.monotonic())
    try:
        return await _handle(request, ctx, log, client_format, model, stream)
    except GatewayError as exc:
        log.status = exc.status
        log.error = exc.code
        raise
    finally:
        log.close()


async def _handle(
    request: web.Request,
    ctx: GatewayContext,
    log: RequestLog,
    client_format: WireFormat,
    model_from_url: str | None,
    stream_from_url: bool | None,
) -> web.StreamResponse:
    snapshot = ctx.snapshots.current
    key = authenticate(request, snapshot)  # admitted already (gateway/admission.py): kind, limits, budget
    log.identify(key, request.headers)
    if ctx.paused:
        raise NoRouteAvailable("VansRoute is paused: resume it from the tray menu")
    raw, body = await read_json(request)
    model = model_from_url if model_from_url is not None else require_str(body, "model")
    required = _REQUIRED_LISTS.get(client_format)
    if required is not None:
        require_list(body, required)
    elif "input" not in body:
        raise InvalidRequest("missing required field 'input'", param="input")
    stream = stream_from_url if stream_from_url is not None else body.get("stream") is True
    log.model, log.stream = model, stream
    base_model, reasoning = split_reasoning_suffix(model)
    body, rewrites = await _save_tokens(
        ctx,
        _savers_for(snapshot.savers, key),
        snapshot.headroom,
        request.headers,
        client_format,
        body,
        base_model,
    )
    if rewrites:
        # 45-95 ms for a big history: counted in a worker thread while the upstream answers.
        log.saver_count = asyncio.get_running_loop().run_in_executor(None, _count_rewrites, rewrites)
    route = resolve_route(snapshot, base_model)
    needs = request_needs(raw, body, reasoning) if isinstance(route, ComboRoute) else NO_NEEDS
    candidates = plan(route, needs, ctx.routing, _load(ctx))
    session = session_key(request.headers, body, client_format, key.name) if len(candidates) > 1 else None
    if session is not None:
        candidates = stick(candidates, ctx.routing, session)
    # Access lists: drop candidates on providers this key may not use (403 if none is left).
    candidates = permitted(
        key, candidates, combo_name=route.combo.name if isinstance(route, ComboRoute) else None
    )
    call = _Call(ctx, client_format, body, model, stream, reasoning, request.headers)
    # Reasoning tokens issued by another vendor must be sorted out before anything goes upstream.
    call.foreign_tokens = signatures.MARKER in raw
    if isinstance(route, ComboRoute) and route.combo.strategy == FUSION:
        candidates = await _fuse(ctx, call, route, key)
    if reasoning is not None or any(not call.passthrough(c) for c in candidates):
        call.canonical()  # a malformed body is the client's 400, before any upstream is tried
        candidates = _honouring_state(call, candidates)

    async def attempt(candidate: Candidate) -> UpstreamResponse:
        target = candidate.target
        started = ctx.clock.monotonic()
        answer = await upstream_call.send(
            ctx,
            candidate,
            call.upstream_body(candidate),
            client_format,
            request.headers,
            stream=call.upstream_streams(candidate),
        )
        # Time to the upstream's first byte (its headers): what lowest-latency combos compare.
        ctx.routing.note_latency(
            f"{target.provider_id}/{candidate.upstream_model}", ctx.clock.monotonic() - started
        )
        return answer

    try:
        outcome = await first_answer(candidates, attempt, ctx.guards, model=base_model)
    except Exhausted as exc:
        log.attempts = exc.attempts
        if isinstance(route, ComboRoute):
            ctx.bus.publish(ComboExhausted(route.combo.name, exc.attempts, exc.retry_after_s))
        raise _client_error(call, exc) from None
    chosen, upstream_response = outcome.candidate, outcome.result
    ctx.routing.note_used(chosen.target.account_id)
    if session is not None:
        ctx.routing.pin_session(session, chosen.target.provider_id, chosen.target.account_id)
    log.provider_id = chosen.target.provider_id
    log.account_id = chosen.target.account_id
    log.upstream_model, log.attempts = chosen.upstream_model, outcome.attempts
    headers = {
        "X-VansRoute-Provider": chosen.target.provider_id,
        "X-VansRoute-Account": chosen.target.account_label,
        "X-VansRoute-Attempts": str(outcome.attempts),
    }
    try:
        if call.passthrough(chosen):
            response, broke = await _relay_passthrough(request, call, upstream_response, log, headers)
        else:
            response, broke = await _relay_translated(request, call, chosen, upstream_response, log, headers)
    finally:
        outcome.slot.release()
    if broke is not None:
        # The stream broke after the first byte: too late to fall back, but the breaker and the
        # cooldowns learn of it like of any other failure.
        record_failure(chosen, classify(broke, ctx.guards), ctx.guards, base_model)
    return response


def _client_error(call: _Call, exhausted: Exhausted) -> GatewayError:
    """What the client hears when no candidate answered."""
    last, candidate = exhausted.last, exhausted.last_candidate
    retry_after = exhausted.retry_after_s
    if last is None or candidate is None:
        wait = f"; retry in {retry_after:.0f} s" if retry_after else ""
        busy = NoRouteAvailable(
            f"every account for '{call.model}' is cooling down, saturated or behind an open breaker{wait}"
        )
        if exhausted.rate_limited:
            busy.status, busy.code, busy.kind = 429, "rate_limited", "rate_limit_error"
            busy.message = f"every account for '{call.model}' is rate-limited{wait}"
        busy.retry_after = retry_after
        return busy
    if isinstance(last, UpstreamHTTPError):
        if exhausted.rate_limited:
            last.status = 429
        if retry_after is not None:
            last.retry_after = retry_after
        if call.passthrough(candidate):
            return last  # already in the client's shape: relayed as is
        info = adapter_for(candidate.target.wire_format).decode_error(last.status, last.body)
        return TranslatedUpstreamError(
            dataclasses.replace(info, status=last.status), retry_after or info.retry_after
        )
    return last


async def _relay_passthrough(
    request: web.Request, call: _Call, upstream: UpstreamResponse, log: RequestLog, headers: dict[str, str]
) -> tuple[web.StreamResponse, UpstreamError | None]:
    if call.stream and upstream.content_type == "text/event-stream":

        def stream_error(err: UpstreamError) -> bytes:
            return call.client.encode_stream_error(ErrorInfo(err.status, err.message, err.kind, err.code))

        response, outcome = await relay_sse(
            request,
            upstream,
            error_event=stream_error,
            headers=headers,
            on_first_chunk=log.first_byte,
            drop_event=(openai_chat.is_usage_only_event, openai_chat.USAGE_ONLY_MARKERS)
            if call.usage_chunk_added
            else None,
        )
        _record_outcome(log, outcome.error, outcome.client_gone)
        _record_usage(log, call.client.usage_from_stream(outcome.head, outcome.tail))
        return response, outcome.error
    data = await upstream.read()
    _record_usage(log, call.client.usage_from_body(data))
    return web.Response(
        status=upstream.status,
        body=data,
        content_type=upstream.content_type or "application/json",
        headers=headers,
    ), None


async def _relay_translated(
    request: web.Request,
    call: _Call,
    chosen: Candidate,
    upstream: UpstreamResponse,
    log: RequestLog,
    headers: dict[str, str],
) -> tuple[web.StreamResponse, UpstreamError | None]:
    up_format = chosen.target.wire_format
    up = adapter_for(up_format)
    retag = up_format is not call.client_format
    memory = call.ctx.signatures
    client_request = call.canonical()
    markup = kimi_tool_markup.applies(chosen.target.provider_id, chosen.upstream_model)
    if not (call.stream and upstream.content_type == "text/event-stream"):
        data = await upstream.read()
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise TranslatedUpstreamError(
                ErrorInfo(502, "upstream sent an answer that is not JSON", "api_error"), None
            ) from None
        try:
            canonical = up.decode_response(parsed)
            if up_format is not call.client_format:
                canonical = signatures.tag_response(canonical, up_format)
                call.ctx.signatures.remember_response(canonical)
        except InvalidRequest as exc:
            # The upstream's answer, not the client's request, is malformed: a bad gateway.
            raise TranslatedUpstreamError(
                ErrorInfo(502, f"upstream sent an answer that could not be read: {exc.message}", "api_error"),
                None,
            ) from None
        if markup:
            canonical = kimi_tool_markup.fix_response(canonical)
        _record_usage(log, canonical.usage)
        if call.stream:
            # The client streams but the upstream answered whole (NVIDIA Kimi, or an upstream that
            # ignored `stream`): the answer is replayed as the client's own stream.
            return await _replay_as_stream(request, call, canonical, log, headers), None
        encoded = call.client.encode_response(canonical, client_request)
        body = orjson.dumps(encoded.body)
        return web.Response(status=200, body=body, content_type="application/json", headers=headers), None

    decoder = up.stream_decoder()
    repair = kimi_tool_markup.MarkupStreamFilter() if markup else None
    encoder = call.client.stream_encoder(client_request)
    response = web.StreamResponse(status=200, headers={**SSE_HEADERS, **headers})
    await response.prepare(request)
    chunks = upstream.chunks()
    failed: StreamError | None = None
    broke: UpstreamError | None = None
    try:
        try:
            async for chunk in chunks:
                pieces = []
                for event in _repairing(repair, decoder.feed(chunk)):
                    _watch(log, event)
                    if retag:
                        event = signatures.tag_event(event, up_format)
                        memory.remember_event(event)
                    pieces.append(encoder.feed(event))
                out = b"".join(pieces)
                if out:
                    log.first_byte()
                    await response.write(out)
            tail = _repairing(repair, decoder.close())
        except UpstreamError as exc:
            broke = exc
            tail = _repairing(repair, [StreamError(status=exc.status, message=exc.message)])
        finally:
            await chunks.aclose()
        for event in tail:
            if isinstance(event, StreamError):
                failed = event
            _watch(log, event)
        out = b"".join(encoder.feed(signatures.tag_event(e, up_format) if retag else e) for e in tail)
        out += encoder.close()
        if out:
            await response.write(out)
        await response.write_eof()
    except ConnectionError:
        upstream.close()
        log.status, log.error = 499, "client_disconnected"
        return response, None
    if failed is not None:
        log.status, log.error = failed.status, "stream_interrupted"
    return response, broke


def _repairing(
    repair: kimi_tool_markup.MarkupStreamFilter | None, events: list[StreamEvent]
) -> list[StreamEvent]:
    if repair is None:
        return events
    return [out for event in events for out in repair.feed(event)]


async def _replay_as_stream(
    request: web.Request, call: _Call, canonical: Response, log: RequestLog, headers: dict[str, str]
) -> web.StreamResponse:
    encoder = call.client.stream_encoder(call.canonical())
    body = b"".join(encoder.feed(e) for e in nvidia_stream.response_as_stream(canonical)) + encoder.close()
    response = web.StreamResponse(status=200, headers={**SSE_HEADERS, **headers})
    try:
        await response.prepare(request)
        await response.write(body)
        await response.write_eof()
    except ConnectionError:
        log.status, log.error = 499, "client_disconnected"
    return response


def _watch(log: RequestLog, event: object) -> None:
    if isinstance(event, StreamEnd):
        _record_usage(log, event.usage)
    elif isinstance(event, StreamError):
        log.status, log.error = event.status, "stream_interrupted"


def _record_usage(log: RequestLog, usage: Usage) -> None:
    log.record_usage(usage)


def _record_outcome(log: RequestLog, error: UpstreamError | None, client_gone: bool) -> None:
    if error is not None:
        log.status, log.error = error.status, error.code
    elif client_gone:
        log.status, log.error = 499, "client_disconnected"
