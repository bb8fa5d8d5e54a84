"""Who is asking: nobody (localhost default), a password user, or a user named by the intranet proxy.

The check is one ASGI middleware in front of every route (the UI, the REST API, file
serving and Gradio's own API and queue routes), so no route can be added unprotected.

- `password`: HTTP Basic against `user:hash` lines (`rag hash-password` makes them) from
  `serve.users_file` and/or `serve.users` (e.g. RAG_SERVE__USERS='{"alice": "scrypt$..."}').
  Failed sign-ins back off per client address and per user name (`rag.web.throttle`), and
  at most two passwords are checked at once, so guessing cannot starve signed-in users.
- `header`: the proxy's user header (`serve.user_header`), believed only when the TCP peer
  is one of `serve.trusted_proxies`; anything else is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import math
import secrets

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.settings import ServeSettings
from rag.web.throttle import SignInThrottle

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DUMMY_HASH = ""  # filled lazily: checked for unknown users so timing does not reveal names
_REMEMBERED = 1024  # verified credentials kept, so scrypt runs once per user, not per asset


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'scrypt$n$r$p$salt$hash' (base64), hashlib.scrypt from the standard library."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Check against an 'scrypt$...' or 'pbkdf2_sha256$iterations$salt$hash' string."""
    try:
        kind, *fields = stored.split("$")
        if kind == "scrypt":
            n, r, p, salt, expected = fields
            digest = hashlib.scrypt(
                password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
            )
        elif kind == "pbkdf2_sha256":
            iterations, salt, expected = fields
            digest = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
        else:
            return False
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


def load_users(serve: ServeSettings) -> dict[str, str]:
    """user -> hash from the users file ('user:hash' lines, '#' comments) and `serve.users`."""
    users: dict[str, str] = {}
    if serve.users_file is not None:
        for number, line in enumerate(serve.users_file.read_text(encoding="utf-8").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, stored = line.partition(":")
            if not sep or not name or not stored:
                raise ValueError(f"{serve.users_file}:{number}: expected 'user:hash'")
            users[name.strip()] = stored.strip()
    users.update(serve.users)
    return users


class Refused(Exception):
    """Why a request is not let in: HTTP status, message and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class AuthMiddleware:
    """Refuses anonymous requests on every route; puts the user in scope['state']['user']."""

    def __init__(self, app: ASGIApp, serve: ServeSettings):
        self.app = app
        self.mode = serve.auth
        self.header = serve.user_header.lower().encode("latin-1")
        self.proxies = [ipaddress.ip_network(p, strict=False) for p in serve.trusted_proxies]
        self.users = load_users(serve) if self.mode == "password" else {}
        self._verified: dict[bytes, str] = {}
        self._salt = secrets.token_bytes(16)
        self.throttle = SignInThrottle(serve.sign_in_failures, serve.sign_in_wait_s, serve.sign_in_wait_max_s)
        self._checking = anyio.CapacityLimiter(2)  # scrypt checks at once: cores stay for answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.mode == "none":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        try:
            if self.mode == "header":
                user = self._header_user(scope, headers)
            else:
                authorization = headers.get(b"authorization", b"")
                user = await self._password_user(authorization, self._client(scope, headers))
        except Refused as refusal:
            await _refuse(scope, send, refusal)
            return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)

    def _header_user(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        peer = (scope.get("client") or ("",))[0]
        if not self._trusted(peer):
            raise Refused(403, "requests must come through the intranet proxy")
        user = headers.get(self.header, b"").decode("latin-1").strip()
        if not user:
            raise Refused(401, "not signed in: the proxy did not name a user")
        return user

    async def _password_user(self, authorization: bytes, client: str) -> str:
        key = hmac.new(self._salt, authorization, "sha256").digest()
        if key in self._verified:  # a proven credential is never throttled
            return self._verified[key]
        if not authorization:  # a browser's first request, before it shows the sign-in box
            raise Refused(401, "sign in with your user name and password", _CHALLENGE)
        keys = [f"addr:{client}", *(f"user:{n}" for n in [_basic_name(authorization)] if n)]
        async with self._checking:
            self._check_throttle(keys)  # again after queueing: other guesses may have failed
            # scrypt takes tens of milliseconds: off the event loop, so wrong guesses stall nobody
            user = await anyio.to_thread.run_sync(self._check_basic, authorization)
        if user is None:
            self.throttle.failed(keys)
            raise Refused(401, "sign in with your user name and password", _CHALLENGE)
        self.throttle.succeeded(keys)
        if len(self._verified) >= _REMEMBERED:
            self._verified.clear()
        self._verified[key] = user
        return user

    def _check_throttle(self, keys: list[str]) -> None:
        wait = self.throttle.wait(keys)
        if wait > 0:
            seconds = math.ceil(wait)
            message = f"too many failed sign-ins: try again in {seconds} s"
            raise Refused(429, message, {"Retry-After": str(seconds)})

    def _client(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        """The client's address: the TCP peer, or behind a trusted proxy the address the proxy
        appended to X-Forwarded-For (the last one: a client can only prepend its own)."""
        peer = (scope.get("client") or ("",))[0]
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")[-1].strip()
        return forwarded if forwarded and self._trusted(peer) else peer

    def _check_basic(self, value: bytes) -> str | None:
        """The user whose name and password `value` (an Authorization header) carries, or None."""
        scheme, _, encoded = value.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            name, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        stored = self.users.get(name) if sep else None
        ok = verify_password(password, stored or _dummy_hash())
        return name if ok and stored else None

    def _trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.proxies)


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Serious Case Review answers", charset="UTF-8"'}


def _basic_name(value: bytes) -> str:
    """The user name an Authorization: Basic header claims (unchecked), or ""."""
    scheme, _, encoded = value.partition(b" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[0] if scheme.lower() == b"basic" else ""


async def _refuse(scope: Scope, send: Send, refusal: Refused) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"detail": refusal.message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in refusal.headers.items()]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if not _DUMMY_HASH:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def users_file_line(user: str, password: str) -> str:
    """A line for the users file."""
    if not user or ":" in user:
        raise ValueError("user names must be non-empty and contain no ':'")
    return f"{user}:{hash_password(password)}"
