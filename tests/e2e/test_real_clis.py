"""The real coding CLIs from npm, through a running gateway, to scripted fake upstreams.

Each test gives a CLI a task that needs one tool call: read a file (Claude Code's `Read`) or run
`cat` on it (Codex's `exec_command`), then answer. The fake upstream, in a different wire format
than the CLI speaks, answers the first request with that tool call and the second with text; the
test then checks that the second upstream request carried the call and its result intact (the
file's content, paired with the call), and that the CLI printed the answer.

The CLIs are pinned in tests/e2e/package.json: `npm ci --prefix tests/e2e` installs them (skipped
when missing, failed under VANSROUTE_TEST_REQUIRE_ALL=1). A recording tap sits between the CLI and
the gateway so that a failure shows what the CLI sent and exactly which bytes came back; the full
exchange is saved next to the test's tmp_path. No network is needed beyond loopback: calls home go
to a sink that refuses them, and the tests fail if there are any.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.services.admin import KeySource
from tests.component.conftest import Gateway, start_gateway
from tests.e2e.clis import (
    CLAUDE,
    CODEX,
    ClaudeResult,
    CodexResult,
    NetworkSink,
    Tap,
    dump,
    gemini_call_signatures,
    network_sink,
    request_shape,
    require_cli,
    run_claude,
    run_codex,
    tap,
    tool_calls,
    tool_names,
    tool_results,
)
from tests.fakes.anthropic_upstream import Behaviour as AnthropicBehaviour
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.gemini_upstream import Behaviour as GeminiBehaviour
from tests.fakes.gemini_upstream import FakeGemini
from tests.fakes.openai_upstream import Behaviour as OpenAIBehaviour
from tests.fakes.openai_upstream import FakeOpenAI, RecordedRequest

# Two CLI runs of at most 120 s each would be the worst case; normally a test takes a few seconds.
pytestmark = pytest.mark.timeout(300)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    gw = await start_gateway(tmp_path / "gateway")
    try:
        yield gw
    finally:
        await gw.runtime.stop()
        gw.store.db.close()


@pytest.fixture
async def sink() -> AsyncIterator[NetworkSink]:
    async with network_sink() as s:
        yield s


@pytest.fixture
async def tapped(gateway: Gateway, tmp_path: Path) -> AsyncIterator[Tap]:
    async with tap(gateway.url) as t:
        t.log_path = tmp_path / "cli-gateway-exchanges.jsonl"
        yield t
        t.save(t.log_path)


class Task:
    """A project directory with one file whose content only the tool call can reveal."""

    def __init__(self, root: Path) -> None:
        self.code = f"PELICAN-{secrets.token_hex(4).upper()}"
        self.workdir = root / "project"
        self.workdir.mkdir(parents=True)
        self.notes = self.workdir / "notes.txt"
        self.notes.write_text(f"The launch code is {self.code}.\n")
        self.answer = f"According to notes.txt, the launch code is {self.code}."


@pytest.fixture
def task(tmp_path: Path) -> Task:
    return Task(tmp_path)


async def add_provider(gateway: Gateway, provider_id: str, wire_format: str, fake: Any, model: str) -> str:
    gateway.admin.add_provider(
        provider_id,
        wire_format=wire_format,
        base_url=fake.base_url,
        models=model,
        key=KeySource(value=fake.api_key),
    )
    await gateway.wait_for_config()
    return f"{provider_id}/{model}"


# --------------------------------------------------------------------------- checks


def generation_requests(fake: Any) -> list[RecordedRequest]:
    """The upstream requests that asked for a completion (not model lists or token counts)."""
    return [
        r
        for r in fake.requests
        if r.method == "POST" and isinstance(r.json, dict) and "count" not in r.path.lower()
    ]


def explain(
    what: str, result: ClaudeResult | CodexResult, tapped: Tap, upstream: Sequence[RecordedRequest]
) -> str:
    outline = [f"{r.method} {r.path} {request_shape(r.json)}" for r in upstream]
    return (
        f"{what}\n\n=== CLI run ===\n{result.describe()}\n\n=== CLI ⇄ gateway ===\n{tapped.describe()}\n\n"
        f"=== gateway → upstream ({len(upstream)} generation request(s)) ===\n" + "\n".join(outline)
    )


def check_tool_exchange(
    wire_format: str,
    upstream: Sequence[RecordedRequest],
    *,
    tool: str,
    argument: tuple[str, str],
    content: str,
    context: str,
) -> None:
    """The first upstream request offered `tool`; the second carried the scripted call (with
    `argument` = (name, expected substring)) and its result, paired with it, containing `content`."""
    assert len(upstream) == 2, (
        f"expected exactly 2 generation requests upstream (tool call, then answer), got {len(upstream)}\n{context}"
    )
    first, second = upstream[0].json, upstream[1].json
    offered = tool_names(wire_format, first)
    assert tool in offered, f"the {tool!r} tool was not offered upstream; tools: {offered}\n{context}"

    calls = tool_calls(wire_format, second)
    results = tool_results(wire_format, second)
    assert len(calls) == 1 and calls[0].name == tool, (
        f"the second upstream request should replay the one {tool!r} call; calls: {calls}\n{context}"
    )
    name, expected = argument
    value = calls[0].arguments.get(name)
    assert isinstance(value, str) and expected in value, (
        f"the replayed {tool!r} call lost its arguments: {dict(calls[0].arguments)}\n{context}"
    )
    assert len(results) == 1, f"expected one tool result upstream, got {results}\n{context}"
    result = results[0]
    assert not result.is_error, f"the tool result is marked as an error: {result}\n{context}"
    if wire_format == "gemini":
        assert result.name == calls[0].name, (
            f"functionResponse name does not match the call: {result}\n{context}"
        )
    else:
        assert result.call_id and result.call_id == calls[0].id, (
            f"the tool result is not paired with the call: call id {calls[0].id!r}, result for {result.call_id!r}\n"
            f"{context}"
        )
    assert content in result.text, (
        f"the file's content {content!r} is missing from the tool result that reached the upstream:\n"
        f"{result.text[:2000]}\n{context}\n\nsecond upstream request:\n{dump(second)}"
    )


def check_no_calls_home(sink: NetworkSink, cli: str) -> None:
    assert not sink.attempts, (
        f"{cli} tried to reach the network beyond loopback: {sink.hosts} ({sink.attempts}); "
        "switch that traffic off in tests/e2e/clis.py and note it in docs/CLIENTS.md"
    )


# --------------------------------------------------------------------------- Claude Code


async def claude_reads_a_file(
    gateway: Gateway,
    tapped: Tap,
    sink: NetworkSink,
    task: Task,
    tmp_path: Path,
    fake: Any,
    wire_format: str,
    model: str,
) -> None:
    result = await run_claude(
        "What is the launch code written in notes.txt? Read the file to find out.",
        base_url=tapped.url,
        key=gateway.key,
        model=model,
        workdir=task.workdir,
        home=tmp_path / "home",
        sink=sink,
    )
    upstream = generation_requests(fake)
    context = explain(f"Claude Code → gateway → {wire_format} upstream", result, tapped, upstream)
    assert not result.run.timed_out, f"claude did not finish in time\n{context}"
    assert result.ok, f"claude failed\n{context}"
    check_tool_exchange(
        wire_format,
        upstream,
        tool="Read",
        argument=("file_path", str(task.notes)),
        content=task.code,
        context=context,
    )
    if wire_format == "gemini" and fake.issued_signatures:
        # Gemini 3 signed its function call; the next turn must hand that very signature back
        # (the documented "skip_thought_signature_validator" is accepted, but degrades the model).
        sent = gemini_call_signatures(upstream[1].json)
        assert sent and all(sig in fake.issued_signatures for sig in sent), (
            f"the Gemini thought signature of the Read call was lost on the way through Claude Code: "
            f"the upstream issued {sorted(fake.issued_signatures)}, the next turn carried {sent}\n{context}"
        )
    assert task.answer in result.text, (
        f"claude did not print the upstream's answer {task.answer!r}\n{context}"
    )
    assert result.result.get("num_turns") == 2, f"expected 2 turns (tool call, answer)\n{context}"
    check_no_calls_home(sink, "claude")


async def test_claude_code_reads_a_file_through_an_openai_chat_upstream(
    gateway: Gateway, tapped: Tap, sink: NetworkSink, task: Task, tmp_path: Path
) -> None:
    require_cli(CLAUDE)
    async with FakeOpenAI(models=("gpt-4o-mini",)) as fake:
        model = await add_provider(gateway, "oai", "openai", fake, "gpt-4o-mini")
        fake.script(
            OpenAIBehaviour(tool_calls=[{"name": "Read", "arguments": {"file_path": str(task.notes)}}]),
            OpenAIBehaviour(text=task.answer),
        )
        await claude_reads_a_file(gateway, tapped, sink, task, tmp_path, fake, "openai", model)


# Gemini 3 signs its function calls and refuses a next turn that does not hand the signature back:
# the signature has to survive the trip through Claude Code's Anthropic history.
@pytest.mark.parametrize("gemini_model", ["gemini-2.5-flash", "gemini-3-pro-preview"])
async def test_claude_code_reads_a_file_through_a_gemini_upstream(
    gateway: Gateway, tapped: Tap, sink: NetworkSink, task: Task, tmp_path: Path, gemini_model: str
) -> None:
    require_cli(CLAUDE)
    async with FakeGemini(models=(gemini_model,), verify_thought_signatures=True) as fake:
        model = await add_provider(gateway, "gem", "gemini", fake, gemini_model)
        fake.script(
            GeminiBehaviour(tool_calls=[{"name": "Read", "args": {"file_path": str(task.notes)}}]),
            GeminiBehaviour(text=task.answer),
        )
        await claude_reads_a_file(gateway, tapped, sink, task, tmp_path, fake, "gemini", model)


# --------------------------------------------------------------------------- Codex


async def test_codex_runs_cat_through_an_anthropic_upstream(
    gateway: Gateway, tapped: Tap, sink: NetworkSink, task: Task, tmp_path: Path
) -> None:
    require_cli(CODEX)
    async with FakeAnthropic(models=("claude-sonnet-4-5",)) as fake:
        model = await add_provider(gateway, "ant", "anthropic", fake, "claude-sonnet-4-5")
        fake.script(
            AnthropicBehaviour(tool_calls=[{"name": "exec_command", "input": {"cmd": f"cat {task.notes}"}}]),
            AnthropicBehaviour(text=task.answer),
        )
        result = await run_codex(
            "What is the launch code written in notes.txt? Run cat on the file to find out.",
            base_url=tapped.url + "/v1",
            key=gateway.key,
            model=model,
            workdir=task.workdir,
            home=tmp_path / "home",
            sink=sink,
        )
        upstream = generation_requests(fake)
    context = explain("Codex → gateway → anthropic upstream", result, tapped, upstream)
    assert not result.run.timed_out, f"codex did not finish in time\n{context}"
    assert result.ok, f"codex failed\n{context}"
    commands = result.items("command_execution")
    assert len(commands) == 1 and commands[0].get("exit_code") == 0, (
        f"codex should have run the scripted `cat` once, successfully: {commands}\n{context}"
    )
    assert task.code in str(commands[0].get("aggregated_output")), f"`cat` did not print the file\n{context}"
    check_tool_exchange(
        "anthropic",
        upstream,
        tool="exec_command",
        argument=("cmd", f"cat {task.notes}"),
        content=task.code,
        context=context,
    )
    assert task.answer in result.last_message, (
        f"codex did not print the upstream's answer {task.answer!r}\n{context}"
    )
    assert task.answer in result.run.stdout, (
        f"the answer is missing from `codex exec --json` output\n{context}"
    )
    check_no_calls_home(sink, "codex")
