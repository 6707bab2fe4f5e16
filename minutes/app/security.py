"""Who may talk to the app: this machine's browser, holding the session token, on the app's own origin.

- The server binds a loopback address unless the user passes --allow-remote.
- A random token is in the URL the app opens; the first request trades it for an HttpOnly, SameSite=Strict
  cookie. Every request needs the cookie (or the X-Minutes-Token header, for scripts).
- The Host header must name the app itself (a DNS-rebinding page gets 403), and every state-changing request must
  come from the app's own Origin (a page on another site cannot post to it, even with the cookie).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from minutes.errors import UsageError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN_HEADER = "x-minutes-token"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool) -> None:
    if not allow_remote and not is_loopback(host):
        raise UsageError(
            f"refusing to listen on {host}: other machines could reach your recordings; "
            "use 127.0.0.1, or pass --allow-remote if you really mean it"
        )


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind now (port 0 picks a free one) so the URL printed and opened has the real port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


@dataclass
class Guard:
    """The checks above as ASGI middleware around the whole app (pages, API, audio and static files alike)."""

    app: Any
    port: int
    host: str = "127.0.0.1"
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def cookie(self) -> str:
        return f"minutes_token_{self.port}"  # per port: two apps on one machine do not share a cookie

    @property
    def remote(self) -> bool:
        return not is_loopback(self.host)

    def hosts(self) -> set[str]:
        names = {"127.0.0.1", "localhost", "[::1]"}
        if self.remote:
            names.add(self.host if ":" not in self.host else f"[{self.host.strip('[]')}]")
        return {f"{name}:{self.port}" for name in names}

    def host_allowed(self, host: str) -> bool:
        """Loopback names only; with --allow-remote on this port any name the machine is reached by (0.0.0.0 has
        no single one), the token then being what keeps others out."""
        return host in self.hosts() or (self.remote and host.rsplit(":", 1)[-1] == str(self.port))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if not self.host_allowed(host):
            await deny(send, 403, "this address is not the minutes app (wrong Host)")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query and scope["method"] == "GET":
            if not same(query["token"], self.token):
                await deny(send, 403, "wrong or expired link: start `minutes app` again and use the link it prints")
                return
            rest = urlencode({k: v for k, v in query.items() if k != "token"})
            await redirect(send, scope["path"] + (f"?{rest}" if rest else ""), self.cookie, self.token)
            return
        given = cookie(headers.get("cookie", ""), self.cookie) or headers.get(TOKEN_HEADER, "")
        if not same(given, self.token):
            await deny(send, 403, "no session token: open the link `minutes app` printed")
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is None and not same(headers.get(TOKEN_HEADER, ""), self.token):
                await deny(send, 403, "a change needs the app's Origin or the X-Minutes-Token header")
                return
            if origin is not None and origin != f"http://{host}":  # the page must come from where it is sent
                await deny(send, 403, f"requests from {origin} may not change anything here")
                return
        await self.app(scope, receive, with_headers(send))


# Everything the page loads comes from the app itself; no frames; the token never leaks in a Referer.
PAGE_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


def with_headers(send: Any) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *PAGE_HEADERS]}
        await send(message)

    return wrapped


def same(given: str, token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


async def deny(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def redirect(send: Any, location: str, name: str, token: str) -> None:
    set_cookie = f"{name}={token}; HttpOnly; SameSite=Strict; Path=/"
    headers = [(b"location", location.encode()), (b"set-cookie", set_cookie.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
