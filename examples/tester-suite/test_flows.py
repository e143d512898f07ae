"""The flows of SmartPush's 2FA help article, as a tester's suite checks them against the mock.

Accounts are seeded in the state each test needs (POST /mock/accounts), with a TOTP secret and
recovery codes the suite chose; codes come from pyotp at the server's own time (GET /mock/clock)
or from the outbox (GET /mock/outbox/next, a long poll); the event log (GET /mock/events) says
what the server saw.
"""

import pyotp

PASSWORD = "correct horse battery"
# A suite can hard-code these: the server uses them as given.
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_CODES = ["ABCD-EFGH-JKLM", "NPQR-STUV-WXYZ", "2345-6789-ABCD"]


def totp_now(mock):
    """The authenticator's code at the server's time (which a test may have moved or frozen)."""
    return pyotp.TOTP(SECRET).at(mock.clock()["now_unix"])


def seed_totp(mock, email):
    return mock.seed(
        email=email,
        password=PASSWORD,
        two_factor={"method": "totp", "secret": SECRET, "recovery_codes": RECOVERY_CODES},
    )


def test_sign_in_with_an_authenticator_app(mock):
    created = seed_totp(mock, "ada@example.com")
    assert created["two_factor"]["secret"] == SECRET
    assert created["two_factor"]["otpauth_uri"].startswith("otpauth://totp/SmartPush:ada@example.com?")

    first = mock.sign_in("ada@example.com", PASSWORD)
    assert first.status_code == 200
    assert first.json()["status"] == "second_factor_required"
    assert first.json()["methods"] == ["totp", "recovery_code"]

    code = totp_now(mock)
    answer = mock.verify(first.json()["challenge_id"], "totp", code)
    assert answer.status_code == 200
    token = answer.json()["token"]
    security = mock.get("/api/account/security", headers={"Authorization": f"Bearer {token}"}).json()
    assert security["two_factor"]["enabled"] is True

    # The same code is refused a second time (replay), even inside its 30 s.
    again = mock.sign_in("ada@example.com", PASSWORD).json()
    replay = mock.verify(again["challenge_id"], "totp", code)
    assert replay.status_code == 401
    assert replay.json()["reason"] == "replayed"


def test_sign_in_with_an_emailed_code(mock):
    mock.seed(email="eve@example.com", password=PASSWORD, two_factor={"method": "email"})
    first = mock.sign_in("eve@example.com", PASSWORD).json()
    assert first["methods"] == ["email", "recovery_code"]
    mail = mock.next_email("eve@example.com", after=0)
    assert len(mail["code"]) == 6

    answer = mock.verify(first["challenge_id"], "email", mail["code"])
    assert answer.status_code == 200
    assert answer.json()["status"] == "authenticated"


def test_sign_in_with_a_recovery_code_works_once(mock):
    seed_totp(mock, "rae@example.com")
    first = mock.sign_in("rae@example.com", PASSWORD).json()
    answer = mock.verify(first["challenge_id"], "recovery_code", RECOVERY_CODES[0])
    assert answer.status_code == 200
    assert answer.json()["recovery_codes_remaining"] == 2

    again = mock.sign_in("rae@example.com", PASSWORD).json()
    reused = mock.verify(again["challenge_id"], "recovery_code", RECOVERY_CODES[0])
    assert reused.status_code == 401
    assert reused.json()["reason"] == "used"
    assert "recovery_code_used" in mock.kinds("rae@example.com")


def test_ten_wrong_passwords_lock_the_account_and_unknown_addresses_alike(mock):
    seed_totp(mock, "lou@example.com")
    for email in ["lou@example.com", "nobody@example.com"]:
        answers = [mock.sign_in(email, "wrong password").status_code for _ in range(10)]
        assert answers == [401] * 9 + [429]
        locked = mock.sign_in(email, PASSWORD)
        assert locked.status_code == 429
        assert locked.json()["type"] == "locked"
        assert int(locked.headers["Retry-After"]) > 0

    accounts = {a["email"]: a for a in mock.get("/mock/accounts").json()}
    assert accounts["lou@example.com"]["locked_until"] is not None
    assert mock.kinds("lou@example.com").count("signin_failed") == 10 + 1
    assert "locked" in mock.kinds("lou@example.com")

    assert mock.post("/mock/unlock", {"email": "lou@example.com"}).status_code == 204
    assert mock.sign_in("lou@example.com", PASSWORD).status_code == 200


def test_an_export_at_high_risk_asks_for_a_step_up(mock):
    seed_totp(mock, "exp@example.com")
    first = mock.sign_in("exp@example.com", PASSWORD).json()
    token = mock.verify(first["challenge_id"], "totp", totp_now(mock)).json()["token"]

    # Low risk with 2FA on: no extra code.
    low = mock.post("/api/exports", {"kind": "contacts"}, token=token)
    assert low.status_code == 200
    assert low.headers["Content-Type"].startswith("text/csv")

    assert mock.post("/mock/risk", {"email": "exp@example.com", "level": "high"}).status_code == 200
    high = mock.post("/api/exports", {"kind": "campaigns"}, token=token)
    assert high.status_code == 403
    problem = high.json()
    assert problem["type"] == "verification_required"
    assert problem["methods"] == ["totp", "recovery_code"]

    # The next time step's code (the one just used for signing in is spent).
    mock.clock(advance_seconds=30)
    verified = mock.post(
        "/api/exports/verify",
        {"challenge_id": problem["challenge_id"], "method": "totp", "code": totp_now(mock)},
        token=token,
    )
    assert verified.status_code == 200
    assert "X-Suggest-2FA" not in verified.headers
    kinds = mock.kinds("exp@example.com")
    assert kinds[-3:] == ["step_up_required", "step_up_succeeded", "export"]


def test_an_emailed_code_expires_after_ten_minutes_on_a_frozen_clock(mock):
    mock.seed(email="exp@example.com", password=PASSWORD, two_factor={"method": "email"})
    start = mock.clock(frozen_at=1_900_000_000)
    assert start["frozen"] is True
    first = mock.sign_in("exp@example.com", PASSWORD).json()
    code = mock.next_email("exp@example.com", after=0)["code"]

    assert mock.clock()["now_unix"] == 1_900_000_000  # it stands still
    mock.clock(advance_seconds=599)
    assert mock.clock()["now_unix"] == 1_900_000_599
    mock.clock(advance_seconds=1)
    # Ten minutes on, the code and its challenge are over: the sign-in starts again.
    expired = mock.verify(first["challenge_id"], "email", code)
    assert expired.status_code == 410
    assert expired.json()["type"] == "expired"


def test_the_event_log_tells_what_happened(mock):
    seed_totp(mock, "tell@example.com")
    mark = mock.events()[-1]["id"] if mock.events() else 0
    first = mock.sign_in("tell@example.com", PASSWORD).json()
    assert mock.verify(first["challenge_id"], "totp", "000000").status_code == 401
    assert mock.verify(first["challenge_id"], "totp", totp_now(mock)).status_code == 200

    events = mock.events(after=mark)
    assert [e["kind"] for e in events] == [
        "challenge_sent",
        "second_factor_failed",
        "second_factor_succeeded",
        "signin_succeeded",
    ]
    assert all(e["email"] == "tell@example.com" for e in events)
    assert events[-1]["detail"]["second_factor"] == "totp"
