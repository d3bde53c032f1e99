"""The WLL admin API on loopback, for the tests of ``WllApi``: it refuses the tokens it is told WLL no longer
accepts with 401, wants the tenant's API key, answers 403 on forbidden paths, redirects where told, and
echoes what it got. It records every request, by token fingerprint (never the token)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Set, Tuple


@dataclass(frozen=True)
class AdminRequest:
    method: str
    path: str
    token_sha256: Optional[str]
    api_key: Optional[str]
    body: bytes


class WllAdminStandIn:
    def __init__(self, api_key: Optional[str] = None) -> None:
        self.api_key = api_key
        self.requests: List[AdminRequest] = []
        self.refused: Set[str] = set()
        # WLL refuses every token (a revoked API key, a tenant the tokens are not for).
        self.refuse_every_token = False
        self.forbidden: Set[str] = set()
        # Path -> (status, Location)
        self.redirects: Dict[str, Tuple[int, str]] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                authorization = self.headers.get("Authorization") or ""
                token = authorization[7:] if authorization.startswith("Bearer ") else None
                sha = hashlib.sha256(token.encode()).hexdigest() if token else None
                stand_in.requests.append(AdminRequest(self.command, self.path, sha, self.headers.get("X-Api-Key"), body))
                if self.path in stand_in.redirects:
                    status, location = stand_in.redirects[self.path]
                    return self._answer(status, {"message": "moved"}, {"Location": location})
                if sha is None or sha in stand_in.refused or stand_in.refuse_every_token:
                    return self._answer(401, {"error": "invalid_token", "message": "Unauthorized"})
                if stand_in.api_key is not None and self.headers.get("X-Api-Key") != stand_in.api_key:
                    return self._answer(403, {"error": "forbidden", "message": "Invalid API key"})
                if self.path in stand_in.forbidden:
                    return self._answer(403, {"error": "forbidden", "message": "Not allowed"})
                self._answer(200, {"method": self.command, "path": self.path, "body": body.decode()})

            def _answer(self, status: int, payload: object, headers: Optional[Dict[str, str]] = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass  # Quiet: a request line may not carry a token, but the tests' output stays clean.

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL, ending in ``/v1/``."""
        return f"{self.origin}/v1/"

    def refuse(self, token: str) -> None:
        """WLL no longer accepts this token (revoked, or expired early)."""
        self.refused.add(hashlib.sha256(token.encode()).hexdigest())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
