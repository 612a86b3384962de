"""Composition root: parses arguments, sets up logging, builds the runtime and runs it headless or in
the tray. The only module that wires packages together (and, with app/ui, the only one that may import
Qt — and only lazily, so headless mode never loads it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import os
import signal
import sys
from collections.abc import Mapping, Sequence

from app.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, build_parser, config_from, run_admin
from app.core.errors import ConfigError, VansRouteError
from app.core.redact import RedactingFilter
from app.services.config import AppConfig
from app.services.runtime import Runtime

_log = logging.getLogger("app")


def has_display(environ: Mapping[str, str]) -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def setup_logging(config: AppConfig, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = RedactingFilter()
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(fmt)
    console.addFilter(redact)
    root.addHandler(console)
    config.log_file.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.handlers.RotatingFileHandler(
        config.log_file, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(fmt)
    file_handler.addFilter(redact)
    root.addHandler(file_handler)
    # aiohttp logs every access at INFO; the gateway records usage itself.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


async def run_headless(runtime: Runtime) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: no add_signal_handler
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    try:
        try:
            await runtime.start()
        except OSError as exc:
            _log.error("cannot listen on %s: %s", runtime.url, exc.strerror or exc)
            return EXIT_FAILURE
        print(f"VansRoute serving on {runtime.url} (headless). Ctrl+C to stop.", file=sys.stderr, flush=True)
        await stop.wait()
        _log.info("shutting down")
        return EXIT_OK
    finally:
        await runtime.stop()


def _run_loop(coro_factory: object) -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro_factory())  # type: ignore[operator, no-any-return]
    return uvloop.run(coro_factory())  # type: ignore[operator, no-any-return]


def serve(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    config = config_from(args, environ)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(config, verbose=bool(environ.get("VANSROUTE_DEBUG")))
    desktop = not args.headless and has_display(environ)
    if not args.headless and not desktop:
        _log.warning("no display found: running headless (pass --headless to say so and silence this)")
    runtime = Runtime(config, environ=environ, mode="desktop" if desktop else "headless")
    if desktop:
        from app.ui.loop import run_desktop

        return run_desktop(runtime)
    return _run_loop(lambda: run_headless(runtime))


def selftest() -> int:
    """`vansroute --selftest`: every part an installed or frozen copy needs; exit 0 when all work."""
    from app.services.selftest import run_selftest

    def qt() -> str:
        # Imported only here: the rest of the self-test, like headless mode, runs without Qt.
        from app.ui.selftest_qt import check_qt

        return check_qt()

    report = run_selftest(extra=(("qt", qt),))
    print("\n".join(report.lines()), flush=True)
    return EXIT_OK if report.ok else EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check that this installation works (catalogue, keyring, database, gateway, Qt); exit 0 or 1",
    )
    args = parser.parse_args(argv)
    environ = os.environ
    if args.selftest:
        return selftest()
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    if args.command == "serve":
        try:
            return serve(args, environ)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except VansRouteError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILURE
    return run_admin(args, environ)
