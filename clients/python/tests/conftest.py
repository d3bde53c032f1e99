"""The servers the Python client's tests run against, started once per session from this repository.

``vendor``: ``npm start -- --sets eu-prod,us-prod`` (the real handler, DynamoDB Local, the stand-in
issuer), whose Invoke API and REST API the clients call unsigned, as on a laptop. ``front``: IAM in
front of it (test/support/sigv4-front.ts), which checks each request's SigV4 signature with the
project's own verifier, so the clients' signing is proven against an implementation other than
botocore's. Every token a test sees is remembered, and the session fails if one appears in what the
servers printed.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SETS = ("eu-prod", "us-prod")
FRONT_ACCESS_KEY_ID = "AKIDPYTHONTEST"
FRONT_SECRET_ACCESS_KEY = secrets.token_urlsafe(24)
SEEN_TOKENS: List[str] = []


def remember(token: str) -> str:
    """A token a test received: it must never appear in the servers' output."""
    SEEN_TOKENS.append(token)
    return token


class Service:
    """A child process of this session, its output collected, ready once it printed its URL."""

    def __init__(self, command: List[str], env: "dict[str, str]", ready: "re.Pattern[str]", what: str) -> None:
        self.what = what
        self.lines: List[str] = []
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        found = threading.Event()
        self.url: Optional[str] = None

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line)
                match = ready.search(line)
                if match and self.url is None:
                    self.url = match.group(1)
                    found.set()
            found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        found.wait(180)
        if self.url is None:
            self.stop()
            raise RuntimeError(f"{what} did not start:\n{self.redacted_output()}")

    def output(self) -> str:
        return "".join(self.lines)

    def redacted_output(self) -> str:
        text = self.output()
        for token in SEEN_TOKENS:
            text = text.replace(token, "<token>")
        return text

    def stop(self) -> None:
        """SIGTERM, as a supervisor stops it (npm start then stops DynamoDB Local); the process group is killed if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.reader.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def child_env(**extra: str) -> "dict[str, str]":
    """The basics and ``extra``, nothing of this machine's AWS configuration."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED="true",
    )
    env.update(extra)
    return env


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("These tests run `npm start` from this repository: install Node.js 20 or later and run `npm ci` first.")
    return found


@pytest.fixture(scope="session")
def vendor() -> Iterator[Service]:
    """``npm start`` with two credential sets besides the default one; ``vendor.url`` ends in ``/``."""
    service = Service(
        [node(), "--import", "tsx", "scripts/start.ts", "--sets", ",".join(SETS)],
        child_env(PORT="0"),
        re.compile(r"ready at (http://127\.0\.0\.1:\d+/)"),
        "npm start",
    )
    yield service
    service.stop()
    leaked = [token for token in SEEN_TOKENS if token in service.output()]
    assert not leaked, f"npm start printed {len(leaked)} token(s) the tests received"


@pytest.fixture(scope="session")
def front(vendor: Service) -> Iterator[Service]:
    """SigV4 checked with FRONT_ACCESS_KEY_ID / FRONT_SECRET_ACCESS_KEY, region eu-west-1: ``front.url`` is the Invoke API's endpoint, ``front.url + "prod/"`` the REST API."""
    service = Service(
        [node(), "--import", "tsx", "test/support/sigv4-front.ts"],
        child_env(FRONT_TARGET=vendor.url or "", FRONT_ACCESS_KEY_ID=FRONT_ACCESS_KEY_ID, FRONT_SECRET_ACCESS_KEY=FRONT_SECRET_ACCESS_KEY),
        re.compile(r"front ready at (http://127\.0\.0\.1:\d+/)"),
        "the SigV4 front",
    )
    yield service
    service.stop()
