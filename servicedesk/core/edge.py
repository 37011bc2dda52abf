"""The application's edge: what every request passes before any route (pure ASGI).

- ClientAddress: the resident's address from `X-Forwarded-For`, believed only when the
  connection comes from a trusted reverse proxy (TRUSTED_PROXIES); uvicorn's own proxy
  handling is off (`--no-proxy-headers`), so nothing else rewrites the address.
- BodyLimit: request bodies over MAX_REQUEST_BYTES are refused with 413 before they are
  read into memory (by Content-Length, and by counting a chunked body as it arrives).
- SecurityHeaders: CSP without inline script, nosniff, Referrer-Policy, frame-ancestors
  (the widget's pages may be framed by the city's own origins, the console by nobody),
  HSTS over https.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Awaitable, Callable, Iterable, List, Optional, Sequence, Union

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

# Paths of pages that a city website may frame (the demo page and the widget's files).
EMBEDDABLE_PREFIXES = ("/static/",)
EMBEDDABLE_PATHS = ("/",)


def parse_networks(values: Iterable[str]) -> List[Network]:
    """"10.0.0.5, 192.168.0.0/24" as networks; raises ValueError on a malformed entry."""
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def _is_in(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: Optional[str],
                     trusted: Sequence[Network]) -> str:
    """The client's address: the right-most X-Forwarded-For hop not itself a trusted proxy,
    when the connection comes from a trusted proxy; else the connection's own peer."""
    if not forwarded_for or not _is_in(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_in(hop, trusted):
            return hop if _valid_ip(hop) else peer
    return hops[0] if hops and _valid_ip(hops[0]) else peer


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _header(scope: Scope, name: bytes) -> Optional[str]:
    values = [v for k, v in scope.get("headers") or [] if k.lower() == name]
    return b",".join(values).decode("latin-1") if values else None


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[Network]) -> None:
        self.app = app
        self.trusted = list(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("client"):
            host, port = scope["client"]
            client = forwarded_client(host, _header(scope, b"x-forwarded-for"), self.trusted)
            if client != host:
                scope = {**scope, "client": (client, port)}
                proto = _header(scope, b"x-forwarded-proto")
                if proto in ("http", "https") and _is_in(host, self.trusted):
                    scope["scheme"] = proto if scope["type"] == "http" else (
                        "wss" if proto == "https" else "ws")
        await self.app(scope, receive, send)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and (not length.strip().isdigit()
                                   or int(length) > self.max_bytes):
            await _refuse(send, self.max_bytes)
            return
        seen = 0
        started = refused = False

        async def counted_receive() -> Message:
            # A chunked body is counted as it arrives; past the limit the client gets 413
            # at once and the application sees a disconnect (and its answer is dropped).
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await _refuse(send, self.max_bytes)
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, tracked_send)


async def _refuse(send: Send, max_bytes: int) -> None:
    body = json.dumps({"detail": f"The request body is larger than {max_bytes} bytes."}
                      ).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    def __init__(self, app: ASGIApp, frame_origins: Sequence[str]) -> None:
        self.app = app
        self.frame_origins = " ".join(frame_origins)

    def headers_for(self, scope: Scope) -> List[tuple[bytes, bytes]]:
        path = scope.get("path", "")
        embeddable = path in EMBEDDABLE_PATHS or path.startswith(EMBEDDABLE_PREFIXES)
        ancestors = (f"'self' {self.frame_origins}".strip() if embeddable else "'none'")
        csp = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
               f"base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
        headers = [(b"content-security-policy", csp.encode()),
                   (b"x-content-type-options", b"nosniff"),
                   (b"referrer-policy", b"same-origin")]
        if not embeddable:
            headers.append((b"x-frame-options", b"DENY"))
        if scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", b"max-age=31536000"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers += [h for h in extra if h[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: Any, *, trusted_proxies: Sequence[str], max_request_bytes: int,
            frame_origins: Sequence[str]) -> None:
    """Wraps `app` (outermost first: client address, body limit, headers)."""
    app.add_middleware(SecurityHeaders, frame_origins=list(frame_origins))
    app.add_middleware(BodyLimit, max_bytes=max_request_bytes)
    app.add_middleware(ClientAddress, trusted_proxies=parse_networks(trusted_proxies))
