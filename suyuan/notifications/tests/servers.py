"""Real servers on free local ports, in threads: a tiny SMTP server and a signed-JSON SMS gateway."""

from __future__ import annotations

import email
import email.policy
import hmac
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from suyuan.notifications.sms import sign


def free_port() -> int:
    """Return a port nothing listens on (connecting to it is refused until a server takes it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- SMTP ----------------------------------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    server: SmtpServer

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 test.invalid ESMTP")
        sender = ""
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self._reply("250-test.invalid")
                self._reply("250 8BITMIME")
            elif verb == "HELO":
                self._reply("250 test.invalid")
            elif verb == "MAIL":
                sender, recipients = command.partition(":")[2].strip(), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                self.server.received.append((sender, recipients, message))
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        super().__init__(("127.0.0.1", port), _SmtpHandler)


@contextmanager
def smtp_server(port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- SMS gateway --------------------------------------------------------------------------------------


class Gateway:
    """What a county's shim in front of its carrier does: check the signature, then send each ``out_id``
    once. ``plan`` scripts the first answers: "500" fails, "slow" accepts the message but answers too late
    (the client gives up first), a dict is answered as JSON without accepting anything."""

    def __init__(self, *, secret: str, plan: list[Any], slow_seconds: float) -> None:
        self.secret = secret
        self.plan = list(plan)
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, Any]] = []
        self.accepted: dict[str, tuple[str, str]] = {}  # out_id -> (phone, text): what reached phones
        self.lock = threading.Lock()

    def answer(self, headers: Any, raw: bytes) -> tuple[int, dict[str, Any], float]:
        """Return the status, the JSON answer and how long to wait before answering."""
        expected = sign(secret=self.secret, timestamp=headers.get("X-Suyuan-Timestamp", ""), body=raw)
        if not hmac.compare_digest(expected, headers.get("X-Suyuan-Signature", "")):
            return 401, {"code": "BadSignature", "message": "signature does not match"}, 0
        request = json.loads(raw)
        with self.lock:
            self.requests.append({"key_id": headers.get("X-Suyuan-Key-Id"), **request})
            step = self.plan.pop(0) if self.plan else "ok"
            if step == "500":
                return 500, {"code": "InternalError"}, 0
            if isinstance(step, dict):
                return 200, step, 0
            duplicate = request["out_id"] in self.accepted
            if not duplicate:
                self.accepted[request["out_id"]] = (request["phone"], request["text"])
        answer = {"code": "OK", "duplicate": duplicate}
        return 200, answer, self.slow_seconds if step == "slow" else 0


class _GatewayHandler(BaseHTTPRequestHandler):
    server: GatewayServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, answer, delay = self.server.gateway.answer(self.headers, raw)
        if delay:
            time.sleep(delay)
        body = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__(("127.0.0.1", 0), _GatewayHandler)


@contextmanager
def sms_gateway(gateway: Gateway) -> Iterator[str]:
    """Run ``gateway`` on a free port; yield its URL."""
    server = GatewayServer(gateway)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    finally:
        server.shutdown()
        server.server_close()
