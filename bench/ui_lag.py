"""Event-loop lag of the desktop app while 200 streams run through its gateway.

    QT_QPA_PLATFORM=offscreen python -m bench.ui_lag [--streams 200] [--rounds 3]

Three processes, so only the desktop app's own work lands on its loop:

1. the fake OpenAI upstream (``bench.fake_upstream_server``), streaming 64 deltas 20 ms apart;
2. the desktop app: the real Runtime and desktop shell (tray or window, event bridge, notifier) on
   the qasync loop, with the main window open on the Resilience page (the busiest live page: it
   redraws on request events and ticks every second). A 10 ms precise QTimer records how late each
   tick fires: that lateness is what a user feels as a UI that stutters;
3. the load: ``--streams`` concurrent streaming chat requests, ``--rounds`` times over.

Lag samples taken while the load runs (the load process prints its start and end on the shared
monotonic clock) are summarised as p50/p99/max; the goal is p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
TICK_MS = 10
MODEL = "gpt-4o-mini"
UPSTREAM_KEY = "sk-fake-upstream"


# --- the desktop app ------------------------------------------------------------------------------


def run_desktop_app(data_dir: str, port: int, upstream: str, samples_out: str) -> int:
    import logging

    from app.credentials.memory_store import MemorySecretStore
    from app.services.admin import KeySource, open_admin
    from app.services.config import load_config
    from app.services.runtime import Runtime

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    environ = {
        **os.environ,
        "BENCH_UPSTREAM_KEY": UPSTREAM_KEY,
        # One account serves every stream: the limiter must not be what is measured.
        "VANSROUTE_LIMITER_MAX_CONCURRENCY": "1000",
        "VANSROUTE_LIMITER_MAX_QUEUE": "1000",
    }
    config = load_config(environ, data_dir=data_dir, port=port)
    with open_admin(config.database_url, environ, MemorySecretStore()) as admin:
        admin.add_provider(
            "fake",
            wire_format="openai",
            base_url=upstream,
            models=MODEL,
            key=KeySource(env_var="BENCH_UPSTREAM_KEY"),
        )
        _record, key = admin.create_key("bench")

    from PySide6.QtCore import Qt, QTimer

    from app.ui.loop import DesktopShell, run_desktop

    samples: list[tuple[float, float]] = []
    runtime = Runtime(config, MemorySecretStore(), environ=environ, mode="desktop")

    def on_ready(shell: DesktopShell) -> None:
        shell.show_window()
        shell.window.show_page("Resilience")
        timer = QTimer(shell.window)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(TICK_MS)
        last = [time.monotonic()]

        def tick() -> None:
            now = time.monotonic()
            samples.append((now, max(0.0, (now - last[0]) * 1000 - TICK_MS)))
            last[0] = now

        timer.timeout.connect(tick)
        timer.start()
        print(f"READY {runtime.url} {key}", flush=True)

    code = run_desktop(runtime, on_ready=on_ready)
    Path(samples_out).write_text(json.dumps(samples))
    return code


# --- the load -----------------------------------------------------------------------------------------


async def run_load(url: str, key: str, streams: int, rounds: int) -> int:
    import aiohttp

    body = {"model": f"fake/{MODEL}", "stream": True, "messages": [{"role": "user", "content": "count"}]}
    headers = {"Authorization": f"Bearer {key}"}
    ok = failed = 0
    connector = aiohttp.TCPConnector(limit=streams)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one() -> bool:
            async with session.post(f"{url}/v1/chat/completions", json=body, headers=headers) as resp:
                if resp.status != 200:
                    await resp.read()
                    return False
                async for _line in resp.content:
                    pass
                return True

        print(f"START {time.monotonic()}", flush=True)
        for _ in range(rounds):
            results = await asyncio.gather(*(one() for _ in range(streams)), return_exceptions=True)
            ok += sum(1 for r in results if r is True)
            failed += sum(1 for r in results if r is not True)
        print(f"END {time.monotonic()} ok={ok} failed={failed}", flush=True)
    return 0 if failed == 0 else 1


# --- the orchestra -----------------------------------------------------------------------------------


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def orchestrate(streams: int, rounds: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix="vansroute-ui-lag-") as tmp:
        upstream = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_upstream_server"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        desktop: subprocess.Popen[str] | None = None
        try:
            assert upstream.stdin is not None and upstream.stdout is not None
            base = upstream.stdout.readline().split()[1]
            upstream.stdin.write("stream-paced\n")
            upstream.stdin.flush()
            upstream.stdout.readline()
            samples_file = Path(tmp) / "samples.json"
            desktop = subprocess.Popen(
                [
                    *(sys.executable, "-m", "bench.ui_lag", "--desktop"),
                    *("--data-dir", str(Path(tmp) / "data"), "--port", str(_free_port())),
                    *("--upstream", base, "--samples", str(samples_file)),
                ],
                cwd=ROOT,
                env={**env, "HOME": tmp},
                stdout=subprocess.PIPE,
                text=True,
            )
            assert desktop.stdout is not None
            ready = desktop.stdout.readline().split()
            if not ready or ready[0] != "READY":
                print("the desktop app did not start", file=sys.stderr)
                return 1
            url, key = ready[1], ready[2]
            time.sleep(2.0)  # idle samples first
            load = subprocess.run(
                [sys.executable, "-m", "bench.ui_lag", "--load", url, key, str(streams), str(rounds)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            marks = {line.split()[0]: line.split() for line in load.stdout.splitlines() if line}
            desktop.send_signal(signal.SIGTERM)
            desktop.wait(timeout=60)
            start, end = float(marks["START"][1]), float(marks["END"][1])
            samples = json.loads(samples_file.read_text())
        finally:
            if desktop is not None and desktop.poll() is None:
                desktop.kill()
            if upstream.stdin is not None:
                upstream.stdin.write("quit\n")
                upstream.stdin.flush()
            upstream.wait(timeout=10)
    during = [lag for t, lag in samples if start <= t <= end]
    idle = [lag for t, lag in samples if t < start]
    summary = {
        "streams": streams,
        "rounds": rounds,
        "result": " ".join(marks["END"][2:]),
        "load_s": round(end - start, 2),
        "samples": len(during),
        "p50_ms": round(statistics.median(during), 2),
        "p99_ms": round(_percentile(during, 99), 2),
        "max_ms": round(max(during), 2),
        "idle_p99_ms": round(_percentile(idle, 99), 2) if idle else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=2))
    return 0 if summary["p99_ms"] < 50 else 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--desktop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    parser.add_argument("--samples", help=argparse.SUPPRESS)
    parser.add_argument(
        "--load", nargs=4, metavar=("URL", "KEY", "STREAMS", "ROUNDS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.desktop:
        return run_desktop_app(args.data_dir, args.port, args.upstream, args.samples)
    if args.load:
        url, key, streams, rounds = args.load
        return asyncio.run(run_load(url, key, int(streams), int(rounds)))
    return orchestrate(args.streams, args.rounds)


if __name__ == "__main__":
    raise SystemExit(main())
