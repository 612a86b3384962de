"""Helpers to drive the real coding CLIs (Claude Code, Codex) from npm against a gateway.

The CLIs are pinned in tests/e2e/package.json and installed with `npm ci --prefix tests/e2e`.
Each run gets a throw-away HOME, a scrubbed environment (nothing of the developer's own
configuration or keys leaks in) and proxy variables pointing at a `NetworkSink`: loopback goes
direct (NO_PROXY), anything else the CLI tries to reach lands in the sink, is refused at once, and
is reported by the test. What each CLI sends is written down in docs/CLIENTS.md.

`tool_results()` / `tool_calls()` read the tool exchange out of an upstream request body in any of
the four wire formats, so a test can check what the gateway handed upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from tests.environment import unavailable

E2E_DIR = Path(__file__).resolve().parent
BIN_DIR = E2E_DIR / "node_modules" / ".bin"
CLAUDE = BIN_DIR / "claude"
CODEX = BIN_DIR / "codex"
INSTALL_HINT = "npm ci --prefix tests/e2e"

# Each CLI run is bounded; a run that hangs is killed with its whole process group.
RUN_TIMEOUT = 120.0
_TAIL = 4000


def require_cli(path: Path) -> Path:
    """The CLI binary, or skip (fail under VANSROUTE_TEST_REQUIRE_ALL=1, as in CI) when it is missing."""
    if path.exists() and os.access(path, os.X_OK):
        return path
    unavailable(f"the {path.name} CLI is not installed at {path}: run `{INSTALL_HINT}`")


# --------------------------------------------------------------------------- network sink


@dataclass
class NetworkSink:
    """A proxy that refuses everything and remembers what was asked for (`CONNECT host:443`…).

    The CLIs get HTTP(S)_PROXY pointing here and NO_PROXY for loopback, so a call home (telemetry,
    update checks, plugin sync) fails fast instead of waiting for DNS, and the test can say which."""

    attempts: list[str] = field(default_factory=list)
    url: str = ""
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            if line:
                self.attempts.append(line.decode(errors="replace").strip())
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def hosts(self) -> list[str]:
        """`host:port` of each attempt (the CONNECT target or the absolute URL's authority)."""
        out = []
        for attempt in self.attempts:
            parts = attempt.split()
            target = parts[1] if len(parts) > 1 else attempt
            if "://" in target:
                target = target.split("://", 1)[1].split("/", 1)[0]
            out.append(target)
        return out

    def env(self) -> dict[str, str]:
        proxy = {name: self.url for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")}
        proxy.update({name.lower(): value for name, value in proxy.items()})
        no_proxy = "127.0.0.1,localhost,::1"
        return {**proxy, "NO_PROXY": no_proxy, "no_proxy": no_proxy}


@contextlib.asynccontextmanager
async def network_sink() -> AsyncIterator[NetworkSink]:
    sink = NetworkSink()
    await sink.start()
    try:
        yield sink
    finally:
        await sink.stop()


# --------------------------------------------------------------------------- tap


_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"}
)


@dataclass
class Exchange:
    """One request a CLI sent to the gateway and the bytes that came back."""

    method: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytearray = field(default_factory=bytearray)
    error: str | None = None

    @property
    def request_json(self) -> Any:
        try:
            return orjson.loads(self.request_body) if self.request_body else None
        except orjson.JSONDecodeError:
            return None

    def summary(self, body_limit: int = 3000) -> str:
        head = f"{self.method} {self.path} -> {self.status if self.status is not None else 'no answer'}"
        if self.error:
            head += f" ({self.error})"
        shape = request_shape(self.request_json)
        response = bytes(self.response_body[:body_limit]).decode(errors="replace")
        more = len(self.response_body) - body_limit
        if more > 0:
            response += f"\n... ({more} more bytes)"
        content_type = self.response_headers.get("Content-Type", "")
        return f"{head}\n  request: {shape}\n  response [{content_type}]:\n{response}"


def _plain(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as a plain dict of str (multidict keys are `istr`, which orjson refuses)."""
    return {str(k): v for k, v in headers.items()}


def request_shape(body: Any) -> str:
    """A one-line outline of a generation request: model, stream, message roles, tool count."""
    if not isinstance(body, dict):
        return "(no JSON body)"
    outline: dict[str, Any] = {k: body[k] for k in ("model", "stream") if k in body}
    if isinstance(body.get("messages"), list):
        outline["messages"] = [m.get("role") if isinstance(m, dict) else "?" for m in body["messages"]]
    if isinstance(body.get("input"), list):
        outline["input"] = [
            i.get("type", "") + (f":{i['role']}" if "role" in i else "") if isinstance(i, dict) else "?"
            for i in body["input"]
        ]
    if isinstance(body.get("contents"), list):
        outline["contents"] = [
            c.get("role", "user") if isinstance(c, dict) else "?" for c in body["contents"]
        ]
    if isinstance(body.get("tools"), list):
        outline["tools"] = len(body["tools"])
    return orjson.dumps(outline).decode()


class Tap:
    """A transparent recording reverse proxy between a CLI and the gateway.

    It forwards every request as is and relays the answer byte for byte as it streams, keeping a
    copy of both, so a failing test can show exactly what the CLI sent and what the gateway said."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.exchanges: list[Exchange] = []
        self.url = ""
        self.log_path: Path | None = None  # where the test saves the full exchange, if it does
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            auto_decompress=False, timeout=aiohttp.ClientTimeout(total=None, sock_connect=10)
        )
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        exchange = Exchange(request.method, request.path_qs, _plain(request.headers), body)
        self.exchanges.append(exchange)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            async with self._session.request(
                request.method,
                self.target + request.path_qs,
                headers=headers,
                data=body,
                allow_redirects=False,
            ) as upstream:
                exchange.status = upstream.status
                exchange.response_headers = _plain(upstream.headers)
                out_headers = {
                    k: v
                    for k, v in upstream.headers.items()
                    if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"
                }
                response = web.StreamResponse(
                    status=upstream.status, reason=upstream.reason, headers=out_headers
                )
                await response.prepare(request)
                async for chunk in upstream.content.iter_any():
                    exchange.response_body += chunk
                    await response.write(chunk)
                await response.write_eof()
                return response
        except Exception as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            raise

    def generation(self) -> list[Exchange]:
        """The exchanges that asked for a completion (not probes, model lists or token counts)."""
        paths = ("/v1/messages", "/v1/responses", "/v1/chat/completions", "/v1beta/models/")
        return [
            e
            for e in self.exchanges
            if e.method == "POST"
            and e.path.startswith(paths)
            and "count_tokens" not in e.path
            and not e.path.split("?")[0].endswith(":countTokens")
        ]

    def describe(self, last: int = 4) -> str:
        if not self.exchanges:
            return "the CLI sent nothing to the gateway"
        shown = self.exchanges[-last:]
        lines = [f"{len(self.exchanges)} request(s) from the CLI to the gateway; the last {len(shown)}:"]
        lines.extend(e.summary() for e in shown)
        if self.log_path is not None:
            lines.append(f"(every exchange in full: {self.log_path}, written at teardown)")
        return "\n".join(lines)

    def save(self, path: Path) -> Path:
        """Every exchange, in full, as JSON lines (request and response bodies as text)."""
        with path.open("wb") as fh:
            for e in self.exchanges:
                fh.write(
                    orjson.dumps(
                        {
                            "method": e.method,
                            "path": e.path,
                            "request_headers": e.request_headers,
                            "request_body": e.request_body.decode(errors="replace"),
                            "status": e.status,
                            "response_headers": e.response_headers,
                            "response_body": bytes(e.response_body).decode(errors="replace"),
                            "error": e.error,
                        }
                    )
                    + b"\n"
                )
        return path


@contextlib.asynccontextmanager
async def tap(target: str) -> AsyncIterator[Tap]:
    t = Tap(target)
    await t.start()
    try:
        yield t
    finally:
        await t.stop()


# --------------------------------------------------------------------------- running a CLI


@dataclass(frozen=True)
class CLIRun:
    argv: Sequence[str]
    code: int | None
    stdout: str
    stderr: str
    elapsed: float
    timed_out: bool

    def describe(self) -> str:
        """Everything needed to understand a failed run, for assertion messages."""
        status = (
            f"killed after {self.elapsed:.0f} s (timeout)" if self.timed_out else f"exit code {self.code}"
        )
        return (
            f"$ {' '.join(_short(a) for a in self.argv)}\n{status} after {self.elapsed:.1f} s\n"
            f"--- stdout (last {_TAIL} chars) ---\n{self.stdout[-_TAIL:]}\n"
            f"--- stderr (last {_TAIL} chars) ---\n{self.stderr[-_TAIL:]}"
        )


def _short(arg: str) -> str:
    return arg if len(arg) <= 80 else arg[:77] + "..."


def base_env(home: Path, sink: NetworkSink | None) -> dict[str, str]:
    """A scrubbed environment: PATH (node for codex.js, bash for tool calls), a locale and HOME."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }
    if sink is not None:
        env.update(sink.env())
    return env


async def run_cli(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float = RUN_TIMEOUT
) -> CLIRun:
    """Runs a CLI to completion without blocking the event loop (the gateway and the fake upstreams
    serve on it). On timeout the whole process group is killed: both CLIs spawn children."""
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=dict(env),
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    timed_out = False
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    return CLIRun(
        argv=list(argv),
        code=proc.returncode,
        stdout=out.decode(errors="replace"),
        stderr=err.decode(errors="replace"),
        elapsed=time.monotonic() - start,
        timed_out=timed_out,
    )


# --------------------------------------------------------------------------- Claude Code


@dataclass(frozen=True)
class ClaudeResult:
    run: CLIRun
    result: Mapping[str, Any]  # the `--output-format json` object; {} when stdout was not JSON

    @property
    def text(self) -> str:
        value = self.result.get("result")
        return value if isinstance(value, str) else ""

    @property
    def ok(self) -> bool:
        return self.run.code == 0 and self.result.get("is_error") is False

    def describe(self) -> str:
        return self.run.describe()


def claude_env(home: Path, *, base_url: str, key: str, sink: NetworkSink | None) -> dict[str, str]:
    env = base_env(home, sink)
    env.update(
        {
            "ANTHROPIC_BASE_URL": base_url,  # the root URL: Claude Code appends /v1/messages?beta=true
            "ANTHROPIC_AUTH_TOKEN": key,  # sent as `Authorization: Bearer`
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",  # no telemetry, error reports, update checks
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
            # The gateway's first error is what the test wants to see, not ten back-offs (~3 min).
            "CLAUDE_CODE_MAX_RETRIES": "0",
            "API_TIMEOUT_MS": "60000",
        }
    )
    return env


async def run_claude(
    prompt: str,
    *,
    base_url: str,
    key: str,
    model: str,
    workdir: Path,
    home: Path,
    sink: NetworkSink | None,
    allowed_tools: str = "Read",
    max_turns: int = 4,
    timeout: float = RUN_TIMEOUT,
) -> ClaudeResult:
    """`claude -p PROMPT --output-format json` (print mode). Tools other than `allowed_tools` would
    need a permission prompt, which print mode answers with a denial; bypassPermissions is refused
    for root (unless IS_SANDBOX=1), so tests allow just the tools they script."""
    argv = [
        str(require_cli(CLAUDE)),
        "-p",
        prompt,
        "--output-format",
        "json",
        "--model",
        model,
        "--allowedTools",
        allowed_tools,
        "--max-turns",
        str(max_turns),
        "--no-session-persistence",
    ]
    run = await run_cli(
        argv, env=claude_env(home, base_url=base_url, key=key, sink=sink), cwd=workdir, timeout=timeout
    )
    result: Mapping[str, Any] = {}
    for line in reversed(run.stdout.strip().splitlines()):
        try:
            parsed = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(parsed, dict):
            result = parsed
            break
    return ClaudeResult(run, result)


# --------------------------------------------------------------------------- Codex


CODEX_PROVIDER = "vansroute"
CODEX_KEY_ENV = "VANSROUTE_KEY"


def codex_config(*, base_url: str, model: str) -> str:
    """~/.codex/config.toml for a run through the gateway, with every call home switched off."""
    return f"""\
model = "{model}"
model_provider = "{CODEX_PROVIDER}"
# No GitHub release check.
check_for_update_on_startup = false

[analytics]
enabled = false  # ab.chatgpt.com

[feedback]
enabled = false

[features]
plugins = false  # plugin marketplace sync: github.com, api.github.com, chatgpt.com

[model_providers.{CODEX_PROVIDER}]
name = "VansRoute"
base_url = "{base_url}"
env_key = "{CODEX_KEY_ENV}"
wire_api = "responses"
# Codex retries 5xx/429 and broken streams up to 4 x 5 times with back-off: in a test the
# gateway's first failure is the interesting one.
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 60000
"""


@dataclass(frozen=True)
class CodexResult:
    run: CLIRun
    events: Sequence[Mapping[str, Any]]  # `codex exec --json` events
    last_message: str  # `--output-last-message`

    def items(self, kind: str) -> list[Mapping[str, Any]]:
        """Completed items of one type: "command_execution", "agent_message", "error"…"""
        return [
            e["item"]
            for e in self.events
            if e.get("type") == "item.completed"
            and isinstance(e.get("item"), dict)
            and e["item"].get("type") == kind
        ]

    @property
    def turn_completed(self) -> bool:
        return any(e.get("type") == "turn.completed" for e in self.events)

    @property
    def ok(self) -> bool:
        return self.run.code == 0 and self.turn_completed

    def describe(self) -> str:
        return self.run.describe()


async def run_codex(
    prompt: str,
    *,
    base_url: str,
    key: str,
    model: str,
    workdir: Path,
    home: Path,
    sink: NetworkSink | None,
    timeout: float = RUN_TIMEOUT,
) -> CodexResult:
    """`codex exec --json` with approvals and the sandbox off: Landlock/seccomp are not available
    in every container, and a read-only sandbox would still need them to run `cat`."""
    (home / ".codex").mkdir(parents=True, exist_ok=True)
    (home / ".codex" / "config.toml").write_text(codex_config(base_url=base_url, model=model))
    last = home / "last-message.txt"
    argv = [
        str(require_cli(CODEX)),
        "exec",
        "--strict-config",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "--ephemeral",
        "--json",
        "--output-last-message",
        str(last),
        "--cd",
        str(workdir),
        prompt,
    ]
    env = base_env(home, sink)
    env[CODEX_KEY_ENV] = key
    run = await run_cli(argv, env=env, cwd=workdir, timeout=timeout)
    events = []
    for line in run.stdout.splitlines():
        with contextlib.suppress(orjson.JSONDecodeError):
            parsed = orjson.loads(line)
            if isinstance(parsed, dict):
                events.append(parsed)
    return CodexResult(run, events, last.read_text() if last.exists() else "")


# --------------------------------------------------------------------------- tool exchanges upstream


@dataclass(frozen=True)
class ToolCall:
    """A tool call in the conversation history, as the upstream received it."""

    id: str | None
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """A tool result in the conversation history, as the upstream received it. `text` is the
    result's text (Gemini's `functionResponse.response` is an object: its JSON)."""

    call_id: str | None
    name: str | None
    text: str
    is_error: bool = False


def _text_of(content: Any) -> str:
    """The text of a tool result's content: a string, or a list of text parts of any format."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_text_of(part) for part in content)
    if isinstance(content, dict):
        for key in ("text", "output", "content"):
            if isinstance(content.get(key), str | list):
                return _text_of(content[key])
        return orjson.dumps(content).decode()
    return str(content)


def _arguments(value: Any) -> Mapping[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        with contextlib.suppress(orjson.JSONDecodeError):
            parsed = orjson.loads(value or "{}")
            if isinstance(parsed, dict):
                return parsed
    return {"_raw": value}


def tool_calls(wire_format: str, body: Mapping[str, Any]) -> list[ToolCall]:
    """The assistant's tool calls in an upstream request body (`wire_format` as providers name it)."""
    calls: list[ToolCall] = []
    if wire_format == "openai":
        for message in body.get("messages") or ():
            if isinstance(message, dict) and message.get("role") == "assistant":
                for call in message.get("tool_calls") or ():
                    function = call.get("function") or {}
                    calls.append(
                        ToolCall(
                            call.get("id"), function.get("name", ""), _arguments(function.get("arguments"))
                        )
                    )
    elif wire_format == "anthropic":
        for message in body.get("messages") or ():
            if (
                isinstance(message, dict)
                and message.get("role") == "assistant"
                and isinstance(message.get("content"), list)
            ):
                for block in message["content"]:
                    if isinstance(block, dict) and block.get("type") == "tool_use":
                        calls.append(
                            ToolCall(block.get("id"), block.get("name", ""), _arguments(block.get("input")))
                        )
    elif wire_format == "gemini":
        for content in body.get("contents") or ():
            if isinstance(content, dict) and content.get("role") == "model":
                for part in content.get("parts") or ():
                    call = part.get("functionCall") if isinstance(part, dict) else None
                    if isinstance(call, dict):
                        calls.append(
                            ToolCall(call.get("id"), call.get("name", ""), _arguments(call.get("args")))
                        )
    elif wire_format == "responses":
        items = body.get("input")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("type") == "function_call":
                calls.append(
                    ToolCall(item.get("call_id"), item.get("name", ""), _arguments(item.get("arguments")))
                )
    else:
        raise ValueError(f"unknown wire format {wire_format!r}")
    return calls


def tool_results(wire_format: str, body: Mapping[str, Any]) -> list[ToolResult]:
    """The tool results in an upstream request body (`wire_format` as providers name it)."""
    results: list[ToolResult] = []
    if wire_format == "openai":
        for message in body.get("messages") or ():
            if isinstance(message, dict) and message.get("role") == "tool":
                results.append(
                    ToolResult(
                        message.get("tool_call_id"), message.get("name"), _text_of(message.get("content"))
                    )
                )
    elif wire_format == "anthropic":
        for message in body.get("messages") or ():
            if (
                isinstance(message, dict)
                and message.get("role") == "user"
                and isinstance(message.get("content"), list)
            ):
                for block in message["content"]:
                    if isinstance(block, dict) and block.get("type") == "tool_result":
                        results.append(
                            ToolResult(
                                block.get("tool_use_id"),
                                None,
                                _text_of(block.get("content")),
                                bool(block.get("is_error")),
                            )
                        )
    elif wire_format == "gemini":
        for content in body.get("contents") or ():
            if isinstance(content, dict) and content.get("role", "user") in ("user", "function", "tool"):
                for part in content.get("parts") or ():
                    response = part.get("functionResponse") if isinstance(part, dict) else None
                    if isinstance(response, dict):
                        payload = response.get("response")
                        results.append(
                            ToolResult(
                                response.get("id"),
                                response.get("name"),
                                orjson.dumps(payload).decode() if not isinstance(payload, str) else payload,
                            )
                        )
    elif wire_format == "responses":
        items = body.get("input")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("type") == "function_call_output":
                results.append(ToolResult(item.get("call_id"), None, _text_of(item.get("output"))))
    else:
        raise ValueError(f"unknown wire format {wire_format!r}")
    return results


def gemini_call_signatures(body: Mapping[str, Any]) -> list[str | None]:
    """The `thoughtSignature` of each `functionCall` part in the history of a Gemini request."""
    return [
        part.get("thoughtSignature")
        for content in body.get("contents") or ()
        if isinstance(content, dict) and content.get("role") == "model"
        for part in content.get("parts") or ()
        if isinstance(part, dict) and "functionCall" in part
    ]


def tool_names(wire_format: str, body: Mapping[str, Any]) -> list[str]:
    """The names of the tools offered in an upstream request body."""
    tools = body.get("tools") or ()
    names: list[str] = []
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        if wire_format == "openai":
            names.append((tool.get("function") or {}).get("name", ""))
        elif wire_format == "gemini":
            names.extend(
                d.get("name", "")
                for d in tool.get("functionDeclarations") or tool.get("function_declarations") or ()
            )
        else:  # anthropic, responses: flat `name`
            if tool.get("name"):
                names.append(tool["name"])
    return names


def dump(value: Any, limit: int = 6000) -> str:
    """A JSON rendering for assertion messages, cut to `limit` characters."""
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more chars)"
