"""Real upstream proxies for component tests: an HTTP forward proxy and a SOCKS5 proxy.

Both are asyncio servers on 127.0.0.1 (a free port) with ``async with`` lifecycles. ``relayed``
counts the connections they opened to a target on a client's behalf; ``refused`` counts clients
turned away (bad credentials, bad request). ``kill()`` makes the proxy die the way a real one does:
the listening socket closes (new connections are refused) and every open connection is reset.

``HttpProxy`` speaks HTTP/1.1 (RFC 9110 §9.3.6): ``CONNECT host:port`` opens a tunnel (what
clients use for https), and an absolute-URI request (``GET http://host/path``) is forwarded in
origin form with ``Connection: close`` (one request per proxied connection). With ``username``
set, it wants ``Proxy-Authorization: Basic`` and answers 407 otherwise.

``Socks5Proxy`` speaks SOCKS5 (RFC 1928) with the CONNECT command and IPv4, IPv6 and domain
addresses; with ``username`` set it requires username/password authentication (RFC 1929),
otherwise "no authentication".

Usage::

    async with Socks5Proxy(username="u", password="p") as proxy:
        ...  # account proxy_url = proxy.url  ("socks5://u:p@127.0.0.1:PORT")
        assert proxy.relayed == 1
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import struct
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["HttpProxy", "Socks5Proxy"]

_HOST = "127.0.0.1"


class _ProxyServer:
    scheme = ""

    def __init__(self, *, username: str | None = None, password: str | None = None) -> None:
        self.username = username
        self.password = password
        self.relayed = 0
        self.refused = 0
        self.targets: list[tuple[str, int]] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        auth = ""
        if self.username is not None:
            auth = f"{quote(self.username, safe='')}:{quote(self.password or '', safe='')}@"
        return f"{self.scheme}://{auth}{_HOST}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, _HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def kill(self) -> None:
        """Dies: the port stops accepting, and open connections are reset (not closed cleanly)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def stop(self) -> None:
        await self.kill()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> _ProxyServer:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        up_reader, up_writer = await asyncio.open_connection(host, port)
        self._writers.add(up_writer)
        self.relayed += 1
        self.targets.append((host, port))
        return up_reader, up_writer

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._writers.discard(up_writer)
            up_writer.close()


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while chunk := await src.read(65536):
            dst.write(chunk)
            await dst.drain()
        if dst.can_write_eof():
            dst.write_eof()
    except (ConnectionError, OSError):
        dst.transport.abort()


class HttpProxy(_ProxyServer):
    scheme = "http"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
        method, target, version = request_line.split(" ", 2)
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
        if not self._authorized(headers):
            self.refused += 1
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="fake"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
            )
            await writer.drain()
            return
        if method.upper() == "CONNECT":
            host, _, port = target.rpartition(":")
            try:
                up_reader, up_writer = await self._open(host.strip("[]"), int(port))
            except OSError:
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await self._relay(reader, writer, up_reader, up_writer)
            return
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            self.refused += 1
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        try:
            up_reader, up_writer = await self._open(url.hostname, url.port or 80)
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        hop_by_hop = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}
        kept = [f"{name}: {value}" for name, value in headers if name.lower() not in hop_by_hop]
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        lines = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
        up_writer.write("\r\n".join(lines).encode("latin-1"))
        await self._relay(reader, writer, up_reader, up_writer)

    def _authorized(self, headers: list[tuple[str, ...]]) -> bool:
        if self.username is None:
            return True
        expected = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
        return any(
            len(h) == 2 and h[0].lower() == "proxy-authorization" and h[1] == f"Basic {expected}"
            for h in headers
        )


# RFC 1928 reply codes
_SUCCEEDED = 0x00
_GENERAL_FAILURE = 0x01
_HOST_UNREACHABLE = 0x04
_CONNECTION_REFUSED = 0x05
_COMMAND_NOT_SUPPORTED = 0x07
_ADDRESS_TYPE_NOT_SUPPORTED = 0x08
_NO_AUTH, _USER_PASS, _NO_ACCEPTABLE = 0x00, 0x02, 0xFF


class Socks5Proxy(_ProxyServer):
    scheme = "socks5"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, n_methods = await reader.readexactly(2)
        if version != 5:
            self.refused += 1
            return
        methods = await reader.readexactly(n_methods)
        wanted = _NO_AUTH if self.username is None else _USER_PASS
        if wanted not in methods:
            self.refused += 1
            writer.write(bytes([5, _NO_ACCEPTABLE]))
            await writer.drain()
            return
        writer.write(bytes([5, wanted]))
        await writer.drain()
        if wanted == _USER_PASS and not await self._authenticate(reader, writer):
            self.refused += 1
            return

        version, command, _reserved, address_type = await reader.readexactly(4)
        if address_type == 0x01:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif address_type == 0x04:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif address_type == 0x03:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode("idna")
        else:
            await self._reply(writer, _ADDRESS_TYPE_NOT_SUPPORTED)
            return
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if version != 5 or command != 0x01:  # only CONNECT
            await self._reply(writer, _COMMAND_NOT_SUPPORTED)
            return
        try:
            up_reader, up_writer = await self._open(host, port)
        except ConnectionRefusedError:
            await self._reply(writer, _CONNECTION_REFUSED)
            return
        except OSError:
            await self._reply(writer, _HOST_UNREACHABLE)
            return
        bound_host, bound_port = up_writer.get_extra_info("sockname")[:2]
        bound = ipaddress.ip_address(bound_host)
        atyp = 0x01 if bound.version == 4 else 0x04
        writer.write(bytes([5, _SUCCEEDED, 0, atyp]) + bound.packed + struct.pack("!H", bound_port))
        await writer.drain()
        await self._relay(reader, writer, up_reader, up_writer)

    async def _authenticate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """RFC 1929: VER=1, ULEN, UNAME, PLEN, PASSWD; answers VER=1 and 0 (success) or 1 (failure)."""
        version, user_length = await reader.readexactly(2)
        user = await reader.readexactly(user_length)
        (password_length,) = await reader.readexactly(1)
        password = await reader.readexactly(password_length)
        ok = (
            version == 1
            and user == (self.username or "").encode()
            and password == (self.password or "").encode()
        )
        writer.write(bytes([1, 0 if ok else 1]))
        await writer.drain()
        return ok

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        writer.write(bytes([5, code, 0, 0x01, 0, 0, 0, 0, 0, 0]))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
