"""Time from launching the frozen bundle (or the source install) to its first 200 from /health.

    python -m bench.bundle_startup dist/vansroute/vansroute          # the PyInstaller bundle
    python -m bench.bundle_startup --source                           # python -m app, for comparison
    python -m bench.bundle_startup dist/vansroute/vansroute --runs 10 --json /tmp/startup.json

Each run starts `serve --headless` on a free port and polls /health every 5 ms until it reports
"serving". The first run uses an empty data directory (the database is created and migrated, as on
the very first launch, and the file cache may be cold); the others reuse it, as every later launch
does. Results go in docs/PERFORMANCE.md ("Packaging").
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ready_after(command: list[str], data: str, timeout: float = 30.0) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANSROUTE_")}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["VANSROUTE_DATA_DIR"] = data
    env["PYTHONPATH"] = str(ROOT)
    url = f"http://127.0.0.1:{port}/health"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*command, "serve", "--headless", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{command[0]} exited with {proc.returncode} before serving")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200 and orjson.loads(response.read())["state"] == "serving":
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"not serving after {timeout:.0f} s")
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("executable", nargs="?", help="the bundle's vansroute executable")
    parser.add_argument("--source", action="store_true", help="measure `python -m app` instead")
    parser.add_argument("--runs", type=int, default=5, help="runs after the first (default 5)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if args.source == (args.executable is not None):
        parser.error("give the bundle's executable or --source (one of them)")
    command = [sys.executable, "-m", "app"] if args.source else [str(Path(args.executable).resolve())]
    with tempfile.TemporaryDirectory(prefix="vansroute-bench-") as data:
        first = ready_after(command, data)
        warm = [ready_after(command, data) for _ in range(args.runs)]
    result = {
        "command": " ".join(command),
        "first_s": round(first, 3),
        "later_median_s": round(statistics.median(warm), 3),
        "later_min_s": round(min(warm), 3),
        "later_max_s": round(max(warm), 3),
        "runs": args.runs,
    }
    print(
        f"launch to serving /health: first (new data dir) {first:.3f} s; later median {result['later_median_s']:.3f} s "
        f"(min {result['later_min_s']:.3f}, max {result['later_max_s']:.3f}, {args.runs} runs)"
    )
    if args.json is not None:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
