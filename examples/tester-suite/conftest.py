"""Fixtures of the example suite: one mock server for the whole run, a clean slate per test.

The server is the real `smartpush-auth serve`, started on a free port with an in-memory
database; `--json` makes it print its address as one JSON line, so nothing here parses prose.
Set SMARTPUSH_AUTH to the binary (default: `smartpush-auth` on PATH).
"""

import json
import os
import subprocess

import pytest
import requests


class Mock:
    """A requests session bound to the server's base URL, with the tester controls as methods."""

    def __init__(self, url):
        self.url = url
        self.http = requests.Session()
        # The tester controls refuse state changes without this type (a cross-site form cannot
        # send it), so every call sends JSON, even without a body.
        self.http.headers["Content-Type"] = "application/json"

    def get(self, path, **kwargs):
        return self.http.get(self.url + path, timeout=40, **kwargs)

    def post(self, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(self.url + path, json=body if body is not None else {}, headers=headers, timeout=40)

    # --- tester controls ---

    def seed(self, **account):
        answer = self.post("/mock/accounts", account)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def clock(self, **change):
        answer = self.post("/mock/clock", change) if change else self.get("/mock/clock")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def next_email(self, to, after=None, timeout=10):
        params = {"to": to, "timeout": timeout}
        if after is not None:
            params["after"] = after
        answer = self.get("/mock/outbox/next", params=params)
        assert answer.status_code == 200, f"no e-mail to {to} within {timeout} s"
        return answer.json()

    def events(self, email=None, after=None):
        params = {k: v for k, v in {"email": email, "after": after}.items() if v is not None}
        answer = self.get("/mock/events", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def kinds(self, email):
        return [event["kind"] for event in self.events(email=email)]

    # --- the API a client uses ---

    def sign_in(self, email, password, device=None):
        headers = {"X-Device-Id": device} if device else {}
        return self.http.post(
            self.url + "/api/session", json={"email": email, "password": password}, headers=headers, timeout=40
        )

    def verify(self, challenge_id, method, code):
        return self.post("/api/session/verify", {"challenge_id": challenge_id, "method": method, "code": code})


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("SMARTPUSH_AUTH", "smartpush-auth")
    process = subprocess.Popen(
        [binary, "serve", "--db", ":memory:", "--addr", "127.0.0.1:0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready = json.loads(process.stdout.readline())
        yield ready["url"]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def mock(server):
    """The server, emptied and back on real time before each test."""
    client = Mock(server)
    answer = client.post("/mock/reset")
    assert answer.status_code == 204, answer.text
    return client
