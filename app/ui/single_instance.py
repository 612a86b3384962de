"""One app per user and data folder: a second launch asks the first to show its window and exits.

The first instance listens on a QLocalServer (a Unix socket or a Windows named pipe) named after the
user and the data folder; a second one finds it with QLocalSocket, sends "show" and leaves. A server
name left behind by a crashed instance (Unix) is removed when nobody answers on it.
"""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
SHOW = b"show\n"


def server_name(data_dir: str) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    digest = hashlib.sha256(f"{user}\0{data_dir}".encode()).hexdigest()[:16]
    return f"vansroute-{digest}"


def ask_running_instance(name: str) -> bool:
    """True if another instance answered (and was asked to come to the front)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(SHOW)
    socket.flush()
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Owns the server; ``show_requested`` fires when another launch knocks."""

    show_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        if self._server.listen(self.name):
            return True
        # Nobody answered before we got here, so what is left is a stale socket file.
        QLocalServer.removeServer(self.name)
        ok = self._server.listen(self.name)
        if not ok:
            _log.warning("single-instance server unavailable: %s", self._server.errorString())
        return ok

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            # The knock is one short line sent right after connecting: read it here (a bounded wait,
            # only when another launch knocks) rather than keep per-socket callbacks alive.
            if not socket.bytesAvailable():
                socket.waitForReadyRead(CONNECT_TIMEOUT_MS)
            data = bytes(socket.readAll().data())
            socket.abort()
            socket.deleteLater()
            if SHOW.strip() in data:
                _log.info("another launch asked to show the window")
                self.show_requested.emit()
