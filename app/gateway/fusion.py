"""Fusion, the I/O half: the panel's parallel calls, each through the normal attempt loop (so
breakers, cooldowns and concurrency limits apply to every member), with a straggler grace after the
first answer and a hard limit for the whole panel. Every panel call is accounted as its own usage
row; the judge's call is the request itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import orjson

from app.core.errors import GatewayError, InvalidRequest, UpstreamError
from app.core.records import ApiKeyRecord, WireFormat
from app.core.tasks import spawn
from app.formats import ir
from app.formats.registry import adapter_for
from app.gateway import upstream_call
from app.gateway.access import permitted
from app.gateway.accounting import RequestLog
from app.gateway.context import GatewayContext
from app.routing.accounts import order_accounts
from app.routing.execute import Exhausted, first_answer
from app.routing.fusion import DEFAULT_GRACE_S, DEFAULT_TIMEOUT_S, PanelAnswer, answer_text, panel_request
from app.routing.resolve import ComboRoute, ModelRoute
from app.routing.snapshot import Candidate

_log = logging.getLogger(__name__)


def panel_limits(route: ComboRoute) -> tuple[float, float]:
    options = route.combo.options
    grace, timeout = options.get("grace_s"), options.get("timeout_s")
    return (
        float(grace) if isinstance(grace, int | float) else DEFAULT_GRACE_S,
        float(timeout) if isinstance(timeout, int | float) else DEFAULT_TIMEOUT_S,
    )


async def run_panel(
    ctx: GatewayContext,
    route: ComboRoute,
    members: list[ModelRoute],
    request: ir.Request,
    *,
    key: ApiKeyRecord,
    client_format: WireFormat,
    client_headers: Mapping[str, str],
) -> list[PanelAnswer]:
    """The panel's answers, first come first; members that fail or straggle are left out."""
    base = panel_request(request)
    grace_s, timeout_s = panel_limits(route)

    async def ask(member: ModelRoute) -> PanelAnswer | None:
        """A member's answer, or None when it failed (its failure is accounted, never raised)."""
        log = RequestLog(ctx, client_format, ctx.clock.monotonic())
        log.identify(key, client_headers)
        log.model = f"combo/{route.combo.name} panel"
        try:
            candidates = permitted(
                key,
                tuple(
                    Candidate(t, member.upstream_model) for t in order_accounts(member.provider, ctx.routing)
                ),
            )

            async def attempt(candidate: Candidate) -> ir.Response:
                return await _ask_once(ctx, candidate, base, client_format, client_headers)

            outcome = await first_answer(candidates, attempt, ctx.guards, model=member.upstream_model)
            outcome.slot.release()
            target = outcome.candidate.target
            log.provider_id, log.account_id = target.provider_id, target.account_id
            log.upstream_model, log.attempts = outcome.candidate.upstream_model, outcome.attempts
            log.record_usage(outcome.result.usage)
            return PanelAnswer(member.key, answer_text(outcome.result), outcome.result.usage)
        except Exhausted as exc:
            log.status, log.error, log.attempts = 503, "panel_member_failed", exc.attempts
            return None
        except GatewayError as exc:
            log.status, log.error = exc.status, exc.code
            return None
        except asyncio.CancelledError:
            log.status, log.error = 499, "panel_straggler"
            raise
        finally:
            log.publish()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    pending: set[asyncio.Task[PanelAnswer | None]] = {
        spawn(ask(m), name=f"fusion-{route.combo.name}-{i}") for i, m in enumerate(members)
    }
    answers: list[PanelAnswer] = []
    first_at: float | None = None
    try:
        while pending:
            limit = deadline if first_at is None else min(deadline, first_at + grace_s)
            wait = limit - loop.time()
            if wait <= 0:
                break
            done, pending = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                answer = task.result()
                if answer is not None and answer.text:
                    answers.append(answer)
                    first_at = loop.time() if first_at is None else first_at
                else:
                    _log.info("fusion combo '%s': a panel member gave no answer", route.combo.name)
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return answers


async def _ask_once(
    ctx: GatewayContext,
    candidate: Candidate,
    base: ir.Request,
    client_format: WireFormat,
    client_headers: Mapping[str, str],
) -> ir.Response:
    body, _ = upstream_call.encode_translated(base, candidate, client_format)
    response = await upstream_call.send(ctx, candidate, body, client_format, client_headers, stream=False)
    data = await response.read()
    try:
        return adapter_for(candidate.target.wire_format).decode_response(orjson.loads(data))
    except (orjson.JSONDecodeError, InvalidRequest) as exc:
        # A panel member that answers garbage is a failed member, not a failed request.
        raise UpstreamError(f"panel member {candidate.target.provider_id} sent an unreadable answer") from exc
