"""Overhead of the gateway: the same requests sent straight to a fake upstream and through VansRoute.

    .venv/bin/python -m bench.overhead              # relay, headless, desktop: ~1.5 minutes
    .venv/bin/python -m bench.overhead --quick      # smoke run, ~20 s
    .venv/bin/python -m bench.overhead --requests 5000 --modes headless --out /tmp/r.json

Three processes, all on 127.0.0.1:

* the fake OpenAI upstream (``bench.fake_upstream_server``) and this load generator share core 0;
* the gateway runs alone on core 1 ("one core for the gateway", as in REFERENCE.md), one mode after
  the other: ``headless`` is the real CLI, ``python -m app serve --headless`` (uvloop when installed);
  ``desktop`` is ``bench.desktop_gateway`` (qasync loop, status window and event bridge, Qt
  offscreen); ``desktop-bare`` the same Runtime on qasync without UI; ``relay`` is
  ``bench.bare_relay``, a bare aiohttp relay: the floor REFERENCE.md compares gateways with,
  measured on the same machine in the same run.

Every test sends identical requests to both targets on kept-alive connections and reports direct vs
via-gateway: sequential latency (p50/p99, one connection, direct and gateway interleaved in blocks),
streams (time to first byte, mean gap between chunks against a mock pacing 64 chunks 20 ms apart),
throughput with ``--concurrency`` requests in flight, and for the gateway process its CPU time per
request (utime+stime from /proc), RSS and ready time (process start to ``/health`` 200 "ok").

The result is printed as Markdown and written as JSON and Markdown (``bench/results/<date>.json`` and
``.md``, or ``--out``). On a shared machine, ``--wait-quiet 120 --retries 2`` waits for other processes
to go quiet and repeats a test they disturbed; every test records how much CPU other processes used.
``--ref HEAD`` measures the last commit while the working tree is being edited.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import importlib.metadata
import io
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.fake_upstream_server import MODEL, PACED_INTERVAL_S, STREAM_CHUNKS, UPSTREAM_KEY

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
UPSTREAM_KEY_ENV = "VANSROUTE_BENCH_UPSTREAM_KEY"
CLIENT_CORE = 0
GATEWAY_CORE = 1
MODES = ("relay", "headless", "desktop", "desktop-bare")
DEFAULT_MODES = ("relay", "headless", "desktop")
LOOPS = {
    "relay": "bench.bare_relay: bare aiohttp relay on uvloop, the floor",
    "headless": "`python -m app serve --headless`, uvloop",
    "desktop": "bench.desktop_gateway: qasync, status window + event bridge, Qt offscreen",
    "desktop-bare": "bench.desktop_gateway --bare: Runtime on qasync, no UI",
}
# role chunk + content deltas + finish chunk + [DONE]
STREAM_EVENTS = STREAM_CHUNKS + 3

GOAL_ADDED_P50_MS = 0.5
RELAY_ADDED_P50_MS = (0.33, 0.39)
RELAY_CPU_MS = (0.14, 0.15)
RELAY_RPS = (6500, 7100)
LITELLM_ADDED_P50_MS = (10.0, 12.0)
FOREIGN_LOAD_WARNING = 0.25  # cores used by other processes during a test
QUIET_LOAD = 0.1  # cores: what --wait-quiet waits for


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    requests: int  # per target, for each sequential test
    concurrent_requests: int  # per target, for each concurrent test
    concurrency: int
    paced_streams: int  # per target
    warmup: int  # per target, before each test
    block: int  # sequential requests sent to one target before switching to the other
    rounds: int  # concurrent tests alternate direct/gateway this many times
    modes: tuple[str, ...]
    pin: bool
    wait_quiet_s: float  # before each mode, wait up to this long for other processes to go quiet
    retries: int  # run a test again (after waiting for quiet) when other processes disturbed it


def settings_from(args: argparse.Namespace) -> Settings:
    quick = bool(args.quick)
    requests = args.requests or (200 if quick else 2000)
    return Settings(
        requests=requests,
        concurrent_requests=args.concurrent_requests or 2 * requests,
        concurrency=args.concurrency,
        paced_streams=args.paced_streams or (1 if quick else 6),
        warmup=30 if quick else 200,
        block=max(1, min(100, requests // 10)),
        rounds=2,
        modes=tuple(args.modes),
        pin=not args.no_pin,
        wait_quiet_s=args.wait_quiet,
        retries=args.retries,
    )


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "min": min(values),
        "max": max(values),
    }


def compare(direct: dict[str, float], gateway: dict[str, float], keys: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"direct": direct, "gateway": gateway}
    for key in keys:
        d, g = direct[key], gateway[key]
        out[f"added_{key}"] = g - d
        out[f"ratio_{key}"] = g / d if d else None
    return out


# --------------------------------------------------------------------------- /proc


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of ``pid`` so far (resolution: one clock tick, usually 10 ms)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def memory_mib(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024.0
    return {"rss_mib": values.get("VmRSS", 0.0), "peak_rss_mib": values.get("VmHWM", 0.0)}


def busy_seconds_per_core() -> dict[int, float]:
    """Non-idle time of each core so far (user, nice, system, irq, softirq and steal), from /proc/stat."""
    out: dict[int, float] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            name, *values = line.split()
            v = [int(x) for x in values[:8]]
            out[int(name[3:])] = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / _CLK_TCK
    return out


async def machine_load(seconds: float = 1.0) -> float:
    """Cores' worth of CPU used by the whole machine over the next ``seconds`` (this process is idle)."""
    before = sum(busy_seconds_per_core().values())
    await asyncio.sleep(seconds)
    return (sum(busy_seconds_per_core().values()) - before) / seconds


async def wait_for_quiet(limit_s: float, threshold: float = QUIET_LOAD) -> float:
    """Waits (up to ``limit_s``) until the machine is nearly idle; returns the last load seen, in cores."""
    deadline = time.monotonic() + limit_s
    load = await machine_load()
    while load >= threshold and time.monotonic() < deadline:
        print(
            f"waiting for a quiet machine: other processes use {load:.2f} cores", file=sys.stderr, flush=True
        )
        load = await machine_load(2.0)
    return load


class Meter:
    """CPU used while measuring: by the gateway, the fake upstream, this client and everything else.

    ``measure()`` may be entered several times (rounds); the totals add up. ``foreign_cores`` is the
    CPU of every other process (and the hypervisor's steal) in cores: other work on the machine that
    competed with the benchmark. Resolution is one clock tick (10 ms) per reading.
    """

    def __init__(self, gateway_pid: int, fake_pid: int) -> None:
        self.pids = {"gateway": gateway_pid, "fake_upstream": fake_pid, "client": os.getpid()}
        self.wall_s = 0.0
        self.cpu_s = dict.fromkeys(self.pids, 0.0)
        self.core_s: dict[int, float] = {}

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        gc.collect()
        cpu0 = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        cores0 = busy_seconds_per_core()
        start = time.perf_counter()
        yield
        self.wall_s += time.perf_counter() - start
        for name, pid in self.pids.items():
            self.cpu_s[name] += cpu_seconds(pid) - cpu0[name]
        for core, busy in busy_seconds_per_core().items():
            self.core_s[core] = self.core_s.get(core, 0.0) + busy - cores0.get(core, busy)

    @property
    def gateway_s(self) -> float:
        return self.cpu_s["gateway"]

    def report(self, requests: int) -> dict[str, Any]:
        wall = self.wall_s or 1e-9
        foreign = sum(self.core_s.values()) - sum(self.cpu_s.values())
        return {
            "wall_s": self.wall_s,
            "requests_per_target": requests,
            "cpu_ms_per_request": {name: s * 1000 / requests for name, s in self.cpu_s.items()},
            "process_busy": {name: s / wall for name, s in self.cpu_s.items()},
            "core_busy": {str(core): s / wall for core, s in sorted(self.core_s.items())},
            "foreign_cores": max(0.0, foreign) / wall,
        }


def machine_info() -> dict[str, Any]:
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.partition(":")[2].strip()
                break
    versions: dict[str, str] = {}
    for name in ("aiohttp", "uvloop", "qasync", "PySide6-Essentials", "orjson"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": versions,
        "loadavg_at_start": os.getloadavg(),
    }


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def pinned_to(core: int | None) -> Iterator[None]:
    """Run the block with the calling thread on ``core``: a process forked inside inherits it."""
    if core is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


class FakeUpstream:
    """``bench.fake_upstream_server`` in a child process, driven over its stdin."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.base_url = ""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fake_upstream_server",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        line = await self._line(30)
        if not line.startswith("URL "):
            raise RuntimeError(f"fake upstream did not start: {line!r}")
        self.base_url = line[4:]

    async def _line(self, wait_s: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), wait_s)
        if not raw:
            raise RuntimeError("fake upstream exited")
        return raw.decode().strip()

    async def command(self, command: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()
        answer = await self._line(10)
        if answer != f"ok {command}":
            raise RuntimeError(f"fake upstream refused {command!r}: {answer!r}")

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(Exception):
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"quit\n")
            await self.proc.stdin.drain()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def source_info(ref: str | None) -> dict[str, Any]:
    """Which gateway code is measured: a commit, or the working tree (with its uncommitted paths)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    if ref is not None:
        return {"ref": ref, "commit": git("rev-parse", "--verify", f"{ref}^{{commit}}")}
    changed = [line[3:] for line in git("status", "--porcelain", "--", "app").splitlines()]
    return {"working_tree": True, "head": git("rev-parse", "HEAD"), "uncommitted_app_paths": changed}


def snapshot(ref: str, into: Path) -> Path:
    """Extracts ``app/`` (and ``resources/``, which holds the provider catalogue the app reads, where
    the ref has it) as of git ``ref`` into ``into`` (the working tree is not touched)."""
    paths = ["app"]
    has_resources = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{ref}:resources"], capture_output=True, check=False
    )
    if has_resources.returncode == 0:
        paths.append("resources")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, *paths], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()}")
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def clean_environ() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANSROUTE_")}
    env[UPSTREAM_KEY_ENV] = UPSTREAM_KEY
    # The concurrent tests keep 32 requests in flight on the one bench account; the per-account limit
    # (3 in flight, 20 queued by default) would turn the overhead measurement into a limiter test.
    env["VANSROUTE_LIMITER_MAX_CONCURRENCY"] = "64"
    return env


def prepare_data_dir(source: Path, data_dir: Path, fake_base_url: str) -> str:
    """A fresh database with one local key and provider 'fake' (key read from an env var), set up with
    the measured code's own CLI; returns the local key."""

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app", *args, "--data-dir", str(data_dir)],
            cwd=source,
            env=clean_environ(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"`vansroute {' '.join(args)}` failed (from {source}; `--ref HEAD` measures the last "
                f"commit instead of the working tree):\n{done.stderr.strip()}"
            )
        return done.stdout

    key = cli("keys", "create", "bench").strip().splitlines()[-1].strip()
    cli(
        "providers",
        "add",
        "fake",
        "--type",
        "openai",
        "--base-url",
        fake_base_url,
        "--models",
        MODEL,
        "--key-env",
        UPSTREAM_KEY_ENV,
    )
    return key


class GatewayProcess:
    """The gateway in a child process pinned to its own core."""

    def __init__(
        self, mode: str, data_dir: Path, fake_base_url: str, core: int | None, source: Path = ROOT
    ) -> None:
        self.mode = mode
        self.source = source  # the directory holding the measured `app` package
        self.data_dir = data_dir
        self.fake_base_url = fake_base_url
        self.core = core
        self.port = 0
        self.key = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0
        self.log_path = data_dir / "gateway-stdio.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.mode == "relay":
            return [
                sys.executable,
                "-m",
                "bench.bare_relay",
                "--port",
                str(self.port),
                "--upstream",
                self.fake_base_url,
            ]
        common = ["--data-dir", str(self.data_dir), "--port", str(self.port)]
        if self.mode == "headless":
            return [sys.executable, "-m", "app", "serve", "--headless", *common]
        extra = ["--bare"] if self.mode == "desktop-bare" else []
        return [sys.executable, "-m", "bench.desktop_gateway", *common, *extra]

    def environ(self) -> dict[str, str]:
        env = clean_environ()
        if self.mode != "headless":
            env["QT_QPA_PLATFORM"] = "offscreen"
        if self.source != ROOT:
            # `python -m` puts the working directory (the snapshot's `app`) first; `bench` comes from here.
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        return env

    def spawn(self) -> float:
        """Starts the process on its core; returns the perf_counter() reading taken just before."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        relay = self.mode == "relay"
        self.key = "unused" if relay else prepare_data_dir(self.source, self.data_dir, self.fake_base_url)
        self.port = free_port()
        env = self.environ()
        with self.log_path.open("wb") as log, pinned_to(self.core):
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                self.command(),
                cwd=ROOT if relay else self.source,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        return started

    async def start(self, ready_within_s: float = 60.0) -> None:
        started = self.spawn()
        assert self.proc is not None
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=2)) as http:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.mode} gateway exited early:\n{self.log_tail()}")
                if time.perf_counter() - started > ready_within_s:
                    raise RuntimeError(
                        f"{self.mode} gateway not ready in {ready_within_s:g} s:\n{self.log_tail()}"
                    )
                try:
                    async with http.get(self.url + "/health") as resp:
                        if resp.status == 200 and (await resp.json()).get("status") == "ok":
                            self.ready_s = time.perf_counter() - started
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.005)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 15 s (blocks: nothing else runs while a gateway stops)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# --------------------------------------------------------------------------- the client


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    headers: dict[str, str]


def session(limit: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, keepalive_timeout=60)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=60),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def request_body(stream: bool) -> bytes:
    return orjson.dumps(
        {
            "model": MODEL,
            "messages": [
                {"role": "system", "content": "You are a terse assistant."},
                {"role": "user", "content": "Say hello in five words."},
            ],
            "stream": stream,
            "max_tokens": 64,
        }
    )


NONSTREAM_BODY = request_body(False)
STREAM_BODY = request_body(True)


class BenchError(RuntimeError):
    pass


async def one_completion(http: aiohttp.ClientSession, target: Target) -> float:
    """One non-streaming request; returns its latency in ms (send to last byte of the body)."""
    start = time.perf_counter_ns()
    async with http.post(target.url, data=NONSTREAM_BODY, headers=target.headers) as resp:
        body = await resp.read()
        status = resp.status
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if status != 200 or b'"chat.completion"' not in body:
        raise BenchError(f"{target.name}: HTTP {status}: {body[:300]!r}")
    return elapsed


@dataclass
class StreamSample:
    ttfb_ms: float  # first body bytes (the role chunk)
    ttft_ms: float  # first content delta (event 2)
    total_ms: float  # [DONE] received
    event_ms: list[float] = field(default_factory=list)  # arrival of each SSE event, from the send

    @property
    def gaps_ms(self) -> list[float]:
        return [b - a for a, b in zip(self.event_ms, self.event_ms[1:], strict=False)]


async def one_stream(http: aiohttp.ClientSession, target: Target) -> StreamSample:
    """One streaming request; records when each SSE event (``...\\n\\n``) completes."""
    start = time.perf_counter_ns()
    events: list[float] = []
    first_byte: float | None = None
    tail = b""
    async with http.post(target.url, data=STREAM_BODY, headers=target.headers) as resp:
        if resp.status != 200:
            raise BenchError(f"{target.name}: HTTP {resp.status}: {(await resp.read())[:300]!r}")
        async for chunk in resp.content.iter_any():
            now = (time.perf_counter_ns() - start) / 1e6
            if first_byte is None:
                first_byte = now
            joined = tail + chunk
            events.extend([now] * joined.count(b"\n\n"))
            tail = joined[-1:]
            if len(events) > STREAM_EVENTS:
                break
    total = (time.perf_counter_ns() - start) / 1e6
    if len(events) != STREAM_EVENTS or first_byte is None:
        raise BenchError(f"{target.name}: expected {STREAM_EVENTS} SSE events, got {len(events)}")
    return StreamSample(ttfb_ms=first_byte, ttft_ms=events[1], total_ms=total, event_ms=events)


Fn = Callable[[aiohttp.ClientSession, Target], Awaitable[Any]]


async def sequential(
    sessions: dict[str, aiohttp.ClientSession], targets: Sequence[Target], fn: Fn, n: int, block: int
) -> dict[str, list[Any]]:
    """``n`` requests to each target, one at a time, alternating targets every ``block`` requests."""
    out: dict[str, list[Any]] = {t.name: [] for t in targets}
    done = 0
    while done < n:
        size = min(block, n - done)
        for target in targets:
            http = sessions[target.name]
            samples = out[target.name]
            for _ in range(size):
                samples.append(await fn(http, target))
        done += size
    return out


async def concurrent(
    http: aiohttp.ClientSession, target: Target, fn: Fn, total: int, width: int
) -> tuple[float, list[Any]]:
    """``total`` requests with ``width`` in flight; returns (wall seconds, samples)."""
    remaining = total
    samples: list[Any] = []

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            samples.append(await fn(http, target))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(width)))
    return time.perf_counter() - start, samples


async def warm(sessions: dict[str, aiohttp.ClientSession], targets: Sequence[Target], fn: Fn, n: int) -> None:
    for target in targets:
        for _ in range(n):
            await fn(sessions[target.name], target)


# --------------------------------------------------------------------------- one mode


async def run_mode(
    mode: str, fake: FakeUpstream, settings: Settings, workdir: Path, source: Path
) -> dict[str, Any]:
    core = GATEWAY_CORE if settings.pin else None
    gw = GatewayProcess(mode, workdir / mode, fake.base_url, core, source)
    print(f"[{mode}] starting the gateway", file=sys.stderr, flush=True)
    await gw.start()
    result: dict[str, Any] = {
        "mode": mode,
        "what": LOOPS[mode],
        "gateway_pid": gw.pid,
        "gateway_affinity": sorted(os.sched_getaffinity(gw.pid)),
        "ready_s": gw.ready_s,
        "memory_idle": memory_mib(gw.pid),
    }
    direct = Target(
        "direct",
        fake.base_url + "/chat/completions",
        {"Authorization": f"Bearer {UPSTREAM_KEY}", "Content-Type": "application/json"},
    )
    gateway = Target(
        "gateway",
        gw.url + "/v1/chat/completions",
        {"Authorization": f"Bearer {gw.key}", "Content-Type": "application/json"},
    )
    targets = (direct, gateway)
    seq_sessions = {t.name: session(1) for t in targets}
    conc_sessions = {t.name: session(settings.concurrency) for t in targets}
    try:
        result["tests"] = await _run_tests(gw, fake, settings, targets, seq_sessions, conc_sessions)
        result["memory_after"] = memory_mib(gw.pid)
    finally:
        for http in (*seq_sessions.values(), *conc_sessions.values()):
            await http.close()
        code = gw.stop()
        result["exit_code"] = code
        if code not in (0, None):
            print(f"[{mode}] gateway exited with {code}:\n{gw.log_tail()}", file=sys.stderr)
    return result


async def _run_tests(
    gw: GatewayProcess,
    fake: FakeUpstream,
    settings: Settings,
    targets: Sequence[Target],
    seq_sessions: dict[str, aiohttp.ClientSession],
    conc_sessions: dict[str, aiohttp.ClientSession],
) -> dict[str, Any]:
    n = settings.requests
    mode = gw.mode

    def progress(what: str) -> None:
        print(f"[{mode}] {what}", file=sys.stderr, flush=True)

    async def measured_sequential(fn: Fn, count: int, block: int) -> tuple[dict[str, list[Any]], Meter]:
        meter = Meter(gw.pid, fake.pid)
        with meter.measure():
            samples = await sequential(seq_sessions, targets, fn, count, block)
        return samples, meter

    def stat(samples: dict[str, list[Any]], attr: str) -> tuple[dict[str, float], dict[str, float]]:
        d, g = ([getattr(x, attr) for x in samples[t.name]] for t in targets)
        return summary(d), summary(g)

    async def nonstream_sequential() -> dict[str, Any]:
        progress(f"non-stream sequential: {n} requests per target")
        await fake.command("nonstream")
        await warm(seq_sessions, targets, one_completion, settings.warmup)
        samples, meter = await measured_sequential(one_completion, n, settings.block)
        return {
            "requests": n,
            **compare(summary(samples["direct"]), summary(samples["gateway"]), ("p50", "p99", "mean")),
            "gateway_cpu_ms_per_request": meter.gateway_s * 1000 / n,
            "cpu": meter.report(n),
        }

    async def stream_unpaced_sequential() -> dict[str, Any]:
        # 64 content chunks written at once by the fake: what the relay path costs per stream.
        progress(f"unpaced stream sequential: {n} streams per target")
        await fake.command("stream-unpaced")
        await warm(seq_sessions, targets, one_stream, settings.warmup)
        streams, meter = await measured_sequential(one_stream, n, settings.block)
        return {
            "requests": n,
            "ttfb_ms": compare(*stat(streams, "ttfb_ms"), ("p50", "p99")),
            "total_ms": compare(*stat(streams, "total_ms"), ("p50", "p99")),
            "gateway_cpu_ms_per_request": meter.gateway_s * 1000 / n,
            "cpu": meter.report(n),
        }

    async def stream_paced_sequential() -> dict[str, Any]:
        k = settings.paced_streams
        progress(
            f"paced stream sequential: {k} streams of {STREAM_CHUNKS} x {PACED_INTERVAL_S * 1000:g} ms per target"
        )
        await fake.command("stream-paced")
        streams, meter = await measured_sequential(one_stream, k, 1)
        gaps = {t.name: [g for s in streams[t.name] for g in s.gaps_ms] for t in targets}
        return {
            "streams": k,
            "chunks": STREAM_CHUNKS,
            "interval_ms": PACED_INTERVAL_S * 1000,
            "ttfb_ms": compare(*stat(streams, "ttfb_ms"), ("p50", "mean")),
            "ttft_ms": compare(*stat(streams, "ttft_ms"), ("p50", "mean")),
            "gap_ms": compare(
                summary(gaps["direct"]), summary(gaps["gateway"]), ("mean", "p50", "p99", "max")
            ),
            "total_ms": compare(*stat(streams, "total_ms"), ("p50",)),
            "gateway_cpu_ms_per_request": meter.gateway_s * 1000 / k,
            "cpu": meter.report(k),
        }

    def concurrent_test(name: str, command: str, fn: Fn) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def run() -> dict[str, Any]:
            total = settings.concurrent_requests
            width = settings.concurrency
            progress(f"{name}: {total} requests per target, {width} in flight")
            await fake.command(command)
            for target in targets:  # open every connection (client and gateway pools) before timing
                await concurrent(conc_sessions[target.name], target, fn, width * 4, width)
            meters = {t.name: Meter(gw.pid, fake.pid) for t in targets}
            latencies: dict[str, list[float]] = {t.name: [] for t in targets}
            per_round = max(width, total // settings.rounds)
            for _ in range(settings.rounds):  # direct and gateway alternate
                for target in targets:
                    with meters[target.name].measure():
                        _, got = await concurrent(conc_sessions[target.name], target, fn, per_round, width)
                    latencies[target.name].extend(s if isinstance(s, float) else s.total_ms for s in got)
            count = per_round * settings.rounds
            rps = {t: count / m.wall_s for t, m in meters.items()}
            gateway_meter = meters["gateway"]
            return {
                "requests": count,
                "concurrency": width,
                "direct_rps": rps["direct"],
                "gateway_rps": rps["gateway"],
                "ratio_rps": rps["gateway"] / rps["direct"],
                "latency_ms": compare(
                    summary(latencies["direct"]), summary(latencies["gateway"]), ("p50", "p99")
                ),
                "gateway_cpu_ms_per_request": gateway_meter.gateway_s * 1000 / count,
                # Near 1.0: the gateway's core was saturated (the gateway limited throughput). Well below:
                # the client and fake upstream on the other core, or other processes, were the limit.
                "gateway_core_busy": gateway_meter.gateway_s / gateway_meter.wall_s,
                "cpu_direct": meters["direct"].report(count),
                "cpu_gateway": gateway_meter.report(count),
            }

        return run

    plan: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = [
        ("nonstream_sequential", nonstream_sequential),
        ("stream_unpaced_sequential", stream_unpaced_sequential),
        ("stream_paced_sequential", stream_paced_sequential),
        ("nonstream_concurrent", concurrent_test("nonstream_concurrent", "nonstream", one_completion)),
        (
            "stream_unpaced_concurrent",
            concurrent_test("stream_unpaced_concurrent", "stream-unpaced", one_stream),
        ),
    ]
    tests: dict[str, Any] = {}
    for name, test in plan:
        for attempt in range(1, settings.retries + 2):
            result = await test()
            load = foreign_by_test({name: result})[name]
            result["attempts"] = attempt
            if load <= FOREIGN_LOAD_WARNING or attempt > settings.retries:
                break
            progress(f"{name} disturbed: other processes used {load:.2f} cores; waiting to run it again")
            await wait_for_quiet(max(settings.wait_quiet_s, 30.0))
        tests[name] = result
    return tests


# --------------------------------------------------------------------------- report


def _ms(value: float, signed: bool = False) -> str:
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _row_writer(lines: list[str]) -> Callable[[str, str, dict[str, Any], str], None]:
    def row(test: str, metric: str, c: dict[str, Any], key: str) -> None:
        lines.append(
            f"| {test} | {metric} | {_ms(c['direct'][key])} | {_ms(c['gateway'][key])} "
            f"| {_ms(c['added_' + key], True)} | {_ratio(c['ratio_' + key])} |"
        )

    return row


def foreign_by_test(tests: dict[str, Any]) -> dict[str, float]:
    """The largest CPU load (in cores) of other processes during each test."""
    return {
        name: max(test[key]["foreign_cores"] for key in ("cpu", "cpu_direct", "cpu_gateway") if key in test)
        for name, test in tests.items()
    }


def foreign_loads(tests: dict[str, Any]) -> list[float]:
    """CPU (in cores) that processes other than the benchmark's used during each measurement."""
    return [
        test[key]["foreign_cores"]
        for test in tests.values()
        for key in ("cpu", "cpu_direct", "cpu_gateway")
        if key in test
    ]


def describe_source(source: dict[str, Any]) -> str:
    if "ref" in source:
        return f"app/ at `{source['ref']}` (commit {source['commit'][:12]})"
    changed = source.get("uncommitted_app_paths") or []
    dirty = f", with {len(changed)} uncommitted change(s) under app/" if changed else ""
    return f"the working tree (HEAD {source.get('head', '?')[:12]}{dirty})"


def measured(report: dict[str, Any]) -> dict[str, Any]:
    """The modes that ran (a mode whose gateway failed to start has only an ``error``)."""
    return {mode: r for mode, r in report["modes"].items() if "tests" in r}


def summary_table(report: dict[str, Any]) -> list[str]:
    lines = [
        "## Summary (added = via gateway minus direct; ratio = via gateway / direct)",
        "",
        "| mode | added p50 / p99 ms, non-stream seq. | added TTFB p50 ms, stream seq. "
        "| added TTFT p50 / mean gap ms, paced | throughput ratio, non-stream / stream, "
        "concurrent | CPU ms/request (concurrent) | RSS MiB (after load) | ready s | other load, cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, r in measured(report).items():
        t = r["tests"]
        ns, su, sp = t["nonstream_sequential"], t["stream_unpaced_sequential"], t["stream_paced_sequential"]
        nc, sc = t["nonstream_concurrent"], t["stream_unpaced_concurrent"]
        foreign = foreign_loads(t)
        lines.append(
            f"| {mode} | {ns['added_p50']:+.3f} / {ns['added_p99']:+.3f} | {su['ttfb_ms']['added_p50']:+.3f} "
            f"| {sp['ttft_ms']['added_p50']:+.3f} / {sp['gap_ms']['added_mean']:+.3f} "
            f"| {nc['ratio_rps']:.2f} / {sc['ratio_rps']:.2f} | {nc['gateway_cpu_ms_per_request']:.3f} "
            f"| {r['memory_after']['rss_mib']:.0f} | {r['ready_s']:.2f} "
            f"| {statistics.fmean(foreign):.2f} (max {max(foreign):.2f}) |"
        )
    lines.append("")
    return lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    s = report["settings"]
    lines = [
        f"# VansRoute overhead benchmark — {report['started_at']}",
        "",
        f"Code measured: {describe_source(report['source'])}.",
        "",
        f"{m['nproc']} cores ({m['cpu_model']}), Python {m['python']}, aiohttp {m['versions']['aiohttp']}, "
        f"uvloop {m['versions'].get('uvloop')}, qasync {m['versions'].get('qasync')}, "
        f"PySide6 {m['versions'].get('PySide6-Essentials')}. "
        + (
            f"Gateway pinned to core {GATEWAY_CORE}; fake upstream and client on core {CLIENT_CORE}."
            if s["pin"]
            else "No CPU pinning."
        ),
        f"Sequential: {s['requests']} requests per target on one kept-alive connection, direct and gateway "
        f"interleaved in blocks of {s['block']}; paced: {s['paced_streams']} streams per target; "
        f"concurrent: {s['concurrent_requests']} per target, {s['concurrency']} in flight.",
        "",
    ]
    lines += summary_table(report)
    for mode, r in measured(report).items():
        t = r["tests"]
        lines += [
            f"## {mode} ({r['what']})",
            "",
            f"| test | metric | direct | via {'relay' if mode == 'relay' else 'gateway'} | added | ratio |",
            "|---|---|---:|---:|---:|---:|",
        ]
        row = _row_writer(lines)

        foreign = foreign_loads(t)
        ns = t["nonstream_sequential"]
        row("non-stream, sequential", "latency p50 ms", ns, "p50")
        row("", "latency p99 ms", ns, "p99")
        su = t["stream_unpaced_sequential"]
        row("stream 64 chunks unpaced, sequential", "TTFB p50 ms", su["ttfb_ms"], "p50")
        row("", "TTFB p99 ms", su["ttfb_ms"], "p99")
        row("", "complete p50 ms", su["total_ms"], "p50")
        sp = t["stream_paced_sequential"]
        row("stream 64 x 20 ms paced", "TTFB p50 ms", sp["ttfb_ms"], "p50")
        row("", "TTFT (first content) p50 ms", sp["ttft_ms"], "p50")
        row("", "inter-chunk gap mean ms", sp["gap_ms"], "mean")
        row("", "inter-chunk gap p99 ms", sp["gap_ms"], "p99")
        for key, label in (
            ("nonstream_concurrent", "non-stream"),
            ("stream_unpaced_concurrent", "stream unpaced"),
        ):
            c = t[key]
            lines.append(
                f"| {label}, {c['concurrency']} concurrent | throughput req/s | {c['direct_rps']:.0f} "
                f"| {c['gateway_rps']:.0f} | | {_ratio(c['ratio_rps'])} |"
            )
            row("", "latency p50 ms", c["latency_ms"], "p50")
        lines += [
            "",
            "| gateway process | value |",
            "|---|---:|",
            f"| ready (spawn → /health 200 ok) | {r['ready_s']:.2f} s |",
            f"| RSS idle / after load / peak | {r['memory_idle']['rss_mib']:.0f} / "
            f"{r['memory_after']['rss_mib']:.0f} / {r['memory_after']['peak_rss_mib']:.0f} MiB |",
            f"| CPU per request, non-stream sequential | {ns['gateway_cpu_ms_per_request']:.3f} ms |",
            f"| CPU per request, non-stream concurrent | "
            f"{t['nonstream_concurrent']['gateway_cpu_ms_per_request']:.3f} ms |",
            f"| CPU per request, unpaced stream sequential | {su['gateway_cpu_ms_per_request']:.3f} ms |",
            f"| CPU per request, unpaced stream concurrent | "
            f"{t['stream_unpaced_concurrent']['gateway_cpu_ms_per_request']:.3f} ms |",
            f"| gateway process busy, non-stream concurrent | {t['nonstream_concurrent']['gateway_core_busy']:.0%} |",
            f"| core {CLIENT_CORE} (client + fake) busy, non-stream concurrent via gateway | "
            f"{t['nonstream_concurrent']['cpu_gateway']['core_busy'].get(str(CLIENT_CORE), 0.0):.0%} |",
            f"| other processes on the machine during the tests (mean / max, in cores) | "
            f"{statistics.fmean(foreign):.2f} / {max(foreign):.2f} |",
            f"| capacity on one core (1 / CPU per request, concurrent) | "
            f"{1000 / max(t['nonstream_concurrent']['gateway_cpu_ms_per_request'], 1e-9):.0f} req/s |",
            "",
        ]
    failed = {mode: r["error"] for mode, r in report["modes"].items() if "tests" not in r}
    for mode, error in failed.items():
        lines += [f"## {mode}: failed", "", "```", error.strip()[-2000:], "```", ""]
    lines += verdict(report)
    return "\n".join(lines)


def verdict(report: dict[str, Any]) -> list[str]:
    modes = measured(report)
    if not modes:
        return []
    disturbed = [
        f"{mode} {test} ({load:.2f})"
        for mode, r in modes.items()
        for test, load in foreign_by_test(r["tests"]).items()
        if load > FOREIGN_LOAD_WARNING
    ]
    lines = ["## Against the goals", ""]
    if disturbed:
        lines += [
            f"**Warning: other processes used more than {FOREIGN_LOAD_WARNING} core during: "
            + ", ".join(disturbed)
            + ". Those numbers are disturbed; re-run on a quiet machine (see --wait-quiet).**",
            "",
        ]

    def added(mode: str) -> float:
        return float(modes[mode]["tests"]["nonstream_sequential"]["added_p50"])

    def cpu(mode: str) -> float:
        return float(modes[mode]["tests"]["nonstream_concurrent"]["gateway_cpu_ms_per_request"])

    def rps(mode: str) -> float:
        return float(modes[mode]["tests"]["nonstream_concurrent"]["gateway_rps"])

    if "headless" not in modes:
        lines.append("- No headless result in this run: nothing to compare with the goals.")
    if "headless" in modes:
        a = added("headless")
        lines += [
            f"- Added p50, non-stream sequential, headless: {a:.3f} ms; goal <= {GOAL_ADDED_P50_MS} ms: "
            + ("**met**." if a <= GOAL_ADDED_P50_MS else "**not met**."),
            f"- REFERENCE.md: bare relay {RELAY_ADDED_P50_MS[0]}-{RELAY_ADDED_P50_MS[1]} ms added p50 "
            f"(headless is {a / RELAY_ADDED_P50_MS[1]:.2f}-{a / RELAY_ADDED_P50_MS[0]:.2f}x that), "
            f"LiteLLM {LITELLM_ADDED_P50_MS[0]:g}-{LITELLM_ADDED_P50_MS[1]:g} ms "
            f"(headless adds {LITELLM_ADDED_P50_MS[0] / a:.0f}-{LITELLM_ADDED_P50_MS[1] / a:.0f}x less).",
            f"- CPU per request under load, headless: {cpu('headless'):.3f} ms (REFERENCE relay "
            f"{RELAY_CPU_MS[0]}-{RELAY_CPU_MS[1]} ms): one-core capacity ~{1000 / max(cpu('headless'), 1e-9):.0f} "
            f"req/s (REFERENCE relay {RELAY_RPS[0]}-{RELAY_RPS[1]}; aim >= 65% of it).",
        ]
        if "relay" in modes:
            r = added("relay")
            lines += [
                f"- Bare relay measured in this run: {r:.3f} ms added p50, {cpu('relay'):.3f} ms CPU/request, "
                f"{rps('relay'):.0f} req/s at {modes['relay']['tests']['nonstream_concurrent']['concurrency']} "
                "concurrent.",
                f"- Headless vs that relay: added latency {a / r:.2f}x (aim <= 1.3x: "
                + ("**met**" if a <= 1.3 * r else "**not met**")
                + f"); throughput at {modes['relay']['tests']['nonstream_concurrent']['concurrency']} concurrent "
                f"{rps('headless') / rps('relay'):.0%} (aim >= 65%: "
                + ("**met**" if rps("headless") >= 0.65 * rps("relay") else "**not met**")
                + "; the load generator's core limits both); one-core capacity (1 / CPU per request) "
                f"{cpu('relay') / max(cpu('headless'), 1e-9):.0%} of the relay's (aim >= 65%: "
                + ("**met**" if cpu("relay") >= 0.65 * cpu("headless") else "**not met**")
                + ").",
            ]
    for desktop in ("desktop", "desktop-bare"):
        if desktop in modes and "headless" in modes:
            lines.append(
                f"- {desktop} adds {added(desktop):.3f} ms p50 ({added(desktop) - added('headless'):+.3f} ms vs "
                f"headless) and costs {cpu(desktop):.3f} ms CPU per request under load."
            )
    lines.append("")
    return lines


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.overhead", description="Gateway overhead: direct vs via VansRoute, in one run."
    )
    parser.add_argument("--quick", action="store_true", help="smoke run (~20 s)")
    parser.add_argument("--requests", type=int, default=None, help="sequential requests per target and test")
    parser.add_argument(
        "--concurrent-requests",
        type=int,
        default=None,
        help="per target and concurrent test (default 2xrequests)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument(
        "--paced-streams", type=int, default=None, help="paced streams per target (default 6)"
    )
    parser.add_argument(
        "--modes",
        type=lambda v: [m.strip() for m in v.split(",") if m.strip()],
        default=list(DEFAULT_MODES),
        help=f"comma-separated, from {', '.join(MODES)} (default {','.join(DEFAULT_MODES)})",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    parser.add_argument(
        "--retries",
        type=int,
        default=0,
        metavar="N",
        help=f"run a test up to N more times when other processes used > {FOREIGN_LOAD_WARNING} core during it",
    )
    parser.add_argument(
        "--ref",
        default=None,
        metavar="GIT_REF",
        help="measure app/ as committed at this ref (a temporary snapshot) instead of the working tree",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each mode, wait up to this long until other processes use < 0.1 core (shared machines)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON result file (default bench/results/<date>.json)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directories and logs")
    args = parser.parse_args(argv)
    for mode in args.modes:
        if mode not in MODES:
            parser.error(f"unknown mode {mode!r}")
    for name in ("requests", "concurrent_requests", "paced_streams"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    return args


async def run(settings: Settings, workdir: Path, ref: str | None) -> dict[str, Any]:
    source = snapshot(ref, workdir / "src") if ref is not None else ROOT
    report: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": source_info(ref),
        "machine": machine_info(),
        "settings": {**settings.__dict__, "modes": list(settings.modes)},
        "modes": {},
    }
    fake = FakeUpstream()
    await fake.start()  # inherits this process's core
    report["fake_upstream_pid"] = fake.pid
    try:
        for mode in settings.modes:
            load = await wait_for_quiet(settings.wait_quiet_s)
            try:
                report["modes"][mode] = await run_mode(mode, fake, settings, workdir, source)
            except (RuntimeError, OSError, aiohttp.ClientError, TimeoutError) as exc:
                # One mode that cannot start (say, a broken working tree) must not lose the others.
                print(f"[{mode}] failed: {exc}", file=sys.stderr, flush=True)
                report["modes"][mode] = {"mode": mode, "error": str(exc)}
            report["modes"][mode]["machine_load_before"] = load
    finally:
        await fake.stop()
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    if settings.pin:
        cores = os.sched_getaffinity(0)
        if not {CLIENT_CORE, GATEWAY_CORE} <= cores:
            print(f"cores {sorted(cores)} available: running without pinning", file=sys.stderr)
            settings = Settings(**{**settings.__dict__, "pin": False})
        else:
            os.sched_setaffinity(0, {CLIENT_CORE})
    workdir = Path(tempfile.mkdtemp(prefix="vansroute-bench-"))
    began = time.perf_counter()
    try:
        try:
            import uvloop
        except ImportError:
            report = asyncio.run(run(settings, workdir, args.ref))
            report["client_loop"] = "asyncio"
        else:
            report = uvloop.run(run(settings, workdir, args.ref))
            report["client_loop"] = "uvloop"
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report["wall_s"] = time.perf_counter() - began
    out = args.out or RESULTS_DIR / f"{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    out.with_suffix(".md").write_text(text + "\n")
    print(text)
    print(
        f"\nwall time {report['wall_s']:.0f} s; written to {out} and {out.with_suffix('.md')}",
        file=sys.stderr,
    )
    return 1 if len(measured(report)) < len(report["modes"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
