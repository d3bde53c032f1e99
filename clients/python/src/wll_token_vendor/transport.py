"""HTTP with the standard library, as both HTTP helpers need it: one request, no redirect followed, every status returned."""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpAnswer:
    """An answer as it came: status, headers (case-insensitive ``email.message.Message``), body and the URL asked."""

    status: int
    headers: Any = field(repr=False)
    body: bytes = field(repr=False)
    url: str

    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        import json

        return json.loads(self.body)


class _KeepEveryStatus(urllib.request.HTTPErrorProcessor):
    """Hands every answer back as it is: no HTTPError for 4xx and 5xx, and so no redirect followed either."""

    def http_response(self, request: urllib.request.Request, response: Any) -> Any:
        return response

    https_response = http_response


_OPENER = urllib.request.build_opener(_KeepEveryStatus)


def send(method: str, url: str, *, headers: Mapping[str, str], body: Optional[bytes], timeout: float, limit: Optional[int] = None) -> HttpAnswer:
    """One HTTP request; raises OSError (urllib.error.URLError, TimeoutError) when there is no answer."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    with _OPENER.open(request, timeout=timeout) as response:
        data = response.read() if limit is None else response.read(limit)
        return HttpAnswer(status=response.status, headers=response.headers, body=data, url=url)


def is_loopback(hostname: str) -> bool:
    """127.0.0.0/8, localhost or ::1: a server on this machine, which may be called over plain http (as in the TypeScript client)."""
    host = hostname.lower().strip("[]")
    return host in ("localhost", "::1") or re.fullmatch(r"127(\.\d{1,3}){3}", host) is not None


def origin_of(url: str) -> str:
    """``scheme://host[:port]``, the port left out when it is the scheme's default."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = "" if parts.port is None or parts.port == default else f":{parts.port}"
    host = parts.hostname or ""
    return f"{parts.scheme}://{'[' + host + ']' if ':' in host else host}{port}"


def check_transport(url: str, what: str) -> None:
    """Refuses anything but https, except plain http to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        return
    raise ValueError(f"Refusing to send {what} over {parts.scheme}://{parts.netloc}: use https (plain http only for a loopback host).")
