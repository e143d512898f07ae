//! The web pages, driven like a browser without one (cookies kept, forms posted with the CSRF
//! token read from the page): cookies and CSRF, friendly errors, the enable wizard with the QR
//! code, the recovery-codes download, sign-in with TOTP, step-up exports, disable, the outbox
//! page. The browser itself is exercised by `tests/browser.sh`.

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{Mock, PASSWORD, Resp, totp, wrong};
use serde_json::json;
use smartpush_core::Secret;

/// A cookie jar and the last page, over the in-memory server.
struct Client<'a> {
    mock: &'a Mock,
    cookies: BTreeMap<String, String>,
    last: String,
}

fn attr(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

/// The text inside the first element with this `data-testid` (nested tags skipped).
fn testid_text(html: &str, testid: &str) -> Option<String> {
    let needle = format!("data-testid=\"{testid}\"");
    let at = html.find(&needle)?;
    let mut rest = &html[html[at..].find('>')? + at + 1..];
    let (mut text, mut depth) = (String::new(), 0usize);
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let close = rest[open..].find('>')? + open;
        let tag = &rest[open..=close];
        if tag.starts_with("</") {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if !tag.ends_with("/>") {
            depth += 1;
        }
        rest = &rest[close + 1..];
    }
    Some(text.trim().to_owned())
}

impl<'a> Client<'a> {
    fn new(mock: &'a Mock) -> Client<'a> {
        Client {
            mock,
            cookies: BTreeMap::new(),
            last: String::new(),
        }
    }

    fn keep(&mut self, resp: &Resp) {
        for value in resp.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        if resp.header("content-type").is_some_and(|t| t.starts_with("text/html")) {
            self.last = resp.text();
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> Resp {
        let request = Request::builder()
            .uri(path)
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .header("cookie", self.cookie_header())
            .body(Body::empty())
            .unwrap();
        let resp = self.mock.send(request).await;
        self.keep(&resp);
        resp
    }

    async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)], extra: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", self.cookie_header());
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        let resp = self.mock.send(builder.body(Body::from(body)).unwrap()).await;
        self.keep(&resp);
        resp
    }

    /// Posts a form of the last page (its CSRF token added).
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = attr(&self.last, "csrf").expect("the page has a form with a CSRF token");
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[track_caller]
fn redirect(resp: &Resp, to: &str) {
    assert_eq!(resp.status.as_u16(), 303, "{}", resp.text());
    assert_eq!(resp.header("location"), Some(to));
}

async fn signed_in<'a>(mock: &'a Mock, email: &str) -> Client<'a> {
    mock.register(email).await;
    let mut client = Client::new(mock);
    client.get("/signin").await;
    let resp = client
        .post("/signin", &[("email", email), ("password", PASSWORD)])
        .await;
    redirect(&resp, "/account/security");
    client
}

#[tokio::test]
async fn pages_are_html_with_a_strict_csp_and_no_inline_code() {
    let mock = Mock::new();
    let mut client = Client::new(&mock);
    for path in ["/signin", "/signup", "/tester", "/mock/outbox"] {
        let resp = client.get(path).await;
        assert_eq!(resp.status.as_u16(), 200, "{path}");
        assert_eq!(resp.header("content-type"), Some("text/html; charset=utf-8"), "{path}");
        let csp = resp.header("content-security-policy").unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("img-src 'self' data:"),
            "{csp}"
        );
        assert_eq!(resp.header("cache-control"), Some("no-store"));
        let html = resp.text();
        assert!(
            !html.contains("<script>") && !html.contains(" style=\""),
            "{path}: {html}"
        );
        assert!(html.contains("<script src=\"/static/app.js\" defer>"), "{path}");
    }
    let js = client.get("/static/app.js").await;
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(js.text().contains("clipboard"));
    assert_eq!(client.get("/static/nope.js").await.status.as_u16(), 404);
}

#[tokio::test]
async fn cookies_are_httponly_samesite_strict_and_the_session_is_the_apis() {
    let mock = Mock::new();
    let resp = Client::new(&mock).get("/signin").await;
    let pre = resp.header("set-cookie").unwrap();
    assert!(
        pre.starts_with("sp_pre=") && pre.contains("HttpOnly") && pre.contains("SameSite=Strict"),
        "{pre}"
    );

    let email = "cookie@example.com";
    let client = signed_in(&mock, email).await;
    let token = client.cookies.get("sp_session").unwrap().clone();
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(view["email"], email);

    let mut client = client;
    let page = client.get("/account/security").await;
    assert_eq!(testid_text(&page.text(), "tfa-status").as_deref(), Some("Not enabled"));
    let out = client.post("/signout", &[]).await;
    redirect(&out, "/signin?done=signed_out");
    assert!(!client.cookies.contains_key("sp_session"));
    mock.get_auth("/api/account/security", &token)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn session_cookie_attributes() {
    let mock = Mock::new();
    mock.register("attrs@example.com").await;
    let mut client = Client::new(&mock);
    client.get("/signin").await;
    let resp = client
        .post("/signin", &[("email", "attrs@example.com"), ("password", PASSWORD)])
        .await;
    let cookie = resp
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sp_session="))
        .unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=86400"] {
        assert!(cookie.contains(part), "{cookie}");
    }
}

#[tokio::test]
async fn posts_need_the_csrf_token_and_the_same_origin() {
    let mock = Mock::new();
    let mut client = signed_in(&mock, "csrf@example.com").await;
    client.get("/exports").await;
    let csrf = attr(&client.last, "csrf").unwrap();

    let resp = client
        .post_raw(
            "/exports",
            &[("csrf", "0".repeat(64).as_str()), ("kind", "contacts")],
            &[],
        )
        .await;
    assert_eq!(resp.status.as_u16(), 403);
    assert!(resp.text().contains("This form has expired"));

    let resp = client.post_raw("/exports", &[("kind", "contacts")], &[]).await;
    assert_eq!(resp.status.as_u16(), 400, "a form without its token");

    let foreign = [("origin", "http://127.0.0.1:9999"), ("host", "127.0.0.1:8790")];
    let resp = client
        .post_raw("/exports", &[("csrf", csrf.as_str()), ("kind", "contacts")], &foreign)
        .await;
    assert_eq!(resp.status.as_u16(), 403, "another port is another origin");
    let resp = client
        .post_raw(
            "/exports",
            &[("csrf", csrf.as_str()), ("kind", "contacts")],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(resp.status.as_u16(), 403);

    let own = [("origin", "http://127.0.0.1:8790"), ("host", "127.0.0.1:8790")];
    let resp = client
        .post_raw("/exports", &[("csrf", csrf.as_str()), ("kind", "contacts")], &own)
        .await;
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.header("content-type"), Some("text/csv; charset=utf-8"));

    // The token of one session does not work for another.
    let mut other = signed_in(&mock, "csrf2@example.com").await;
    let resp = other
        .post_raw("/exports", &[("csrf", csrf.as_str()), ("kind", "contacts")], &[])
        .await;
    assert_eq!(resp.status.as_u16(), 403);
}

#[tokio::test]
async fn signed_in_pages_send_strangers_to_sign_in() {
    let mock = Mock::new();
    let mut client = Client::new(&mock);
    for path in [
        "/account/security",
        "/account/2fa/enable",
        "/account/2fa/disable",
        "/exports",
    ] {
        redirect(&client.get(path).await, "/signin");
    }
    client.cookies.insert("sp_session".into(), "not-a-token".into());
    let resp = client.get("/account/security").await;
    redirect(&resp, "/signin");
    assert!(!client.cookies.contains_key("sp_session"), "a stale cookie is cleared");
}

#[tokio::test]
async fn errors_are_friendly_pages_never_problem_documents() {
    let mock = Mock::new();
    mock.register("lock@example.com").await;
    let mut client = Client::new(&mock);
    client.get("/signin").await;
    let mut last = None;
    for _ in 0..10 {
        last = Some(
            client
                .post(
                    "/signin",
                    &[("email", "lock@example.com"), ("password", "wrong password")],
                )
                .await,
        );
    }
    let resp = last.unwrap();
    assert_eq!(resp.status.as_u16(), 429);
    assert_eq!(resp.header("content-type"), Some("text/html; charset=utf-8"));
    let error = testid_text(&resp.text(), "error").unwrap();
    assert!(error.contains("locked for 15 more minute(s)"), "{error}");

    let resp = client.get("/no/such/page").await;
    assert_eq!(resp.status.as_u16(), 404);
    assert!(resp.text().contains("Page not found"));
    let api = mock.call(Method::GET, "/no/such/page", None, None).await;
    api.problem(404, "not_found");
}

#[tokio::test]
async fn the_outbox_is_a_page_for_browsers_and_json_for_scripts() {
    let mock = Mock::new();
    let token = mock.account("mail@example.com").await;
    mock.post_auth("/api/2fa/enrollment", &token, json!({ "password": PASSWORD }))
        .await
        .ok(201);
    let code = mock.last_code("mail@example.com").await;
    let mut client = Client::new(&mock);
    let page = client.get("/mock/outbox?to=mail@example.com").await;
    assert_eq!(page.status.as_u16(), 200);
    assert_eq!(testid_text(&page.text(), "outbox-code"), Some(code));
    assert!(
        page.text()
            .contains("Verify your e-mail to enable two-step verification")
    );
    let json = mock.call(Method::GET, "/mock/outbox", None, None).await.ok(200);
    assert_eq!(json.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn enable_with_the_app_download_codes_sign_in_with_totp_export_and_disable() {
    let mut mock = Mock::new();
    let email = "wizard@example.com";
    mock.align_to_step(0).await;
    let mut client = signed_in(&mock, email).await;

    // 1. password (a wrong one first), 2. e-mail code (a wrong one first).
    client.get("/account/2fa/enable").await;
    let resp = client.post("/account/2fa/enable", &[("password", "nope nope")]).await;
    // 403 `wrong_password`: the session is still good (issue 17).
    assert_eq!(resp.status.as_u16(), 403);
    assert!(testid_text(&resp.text(), "error").unwrap().contains("incorrect"));
    client.post("/account/2fa/enable", &[("password", PASSWORD)]).await;
    let id = attr(&client.last, "enrollment_id").unwrap();
    let code = mock.last_code(email).await;
    let resp = client
        .post(
            "/account/2fa/enable/email",
            &[("enrollment_id", id.as_str()), ("code", wrong(&code).as_str())],
        )
        .await;
    assert_eq!(
        testid_text(&resp.text(), "error").as_deref(),
        Some("The code is incorrect. 4 attempts left.")
    );
    client
        .post(
            "/account/2fa/enable/email",
            &[("enrollment_id", id.as_str()), ("code", code.as_str())],
        )
        .await;
    assert!(client.last.contains("Authentication App") && client.last.contains("Email Verification"));

    // 3. method, 4. the QR code and the manual key agree; a wrong code shows them again.
    let resp = client
        .post(
            "/account/2fa/enable/method",
            &[("enrollment_id", id.as_str()), ("method", "totp")],
        )
        .await;
    let html = resp.text();
    let key = html
        .split("data-copy-text=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let src = html.split("src=\"data:image/png;base64,").nth(1).unwrap();
    let png = data_encoding::BASE64
        .decode(src.split('"').next().unwrap().as_bytes())
        .unwrap();
    let image = smartpush_core::qr::decode_image_bytes(&png).unwrap();
    let uri = image.first().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/SmartPush:wizard@example.com?secret="),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={key}&")), "{uri}");
    let secret = Secret::from_base32(&key).unwrap();
    let resp = client
        .post(
            "/account/2fa/enable/confirm",
            &[
                ("enrollment_id", id.as_str()),
                ("method", "totp"),
                ("code", wrong(&totp(&secret, mock.now())).as_str()),
            ],
        )
        .await;
    assert_eq!(resp.status.as_u16(), 401);
    assert!(
        resp.text().contains(&format!("data-copy-text=\"{key}\"")),
        "the key is shown again"
    );
    let resp = client
        .post(
            "/account/2fa/enable/confirm",
            &[
                ("enrollment_id", id.as_str()),
                ("method", "totp"),
                ("code", totp(&secret, mock.now()).as_str()),
            ],
        )
        .await;
    let html = resp.text();
    let codes: Vec<String> = html
        .split("data-testid=\"recovery-code\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);

    // Download code: the file reads back as the ten codes; anything else is refused.
    let joined = codes.join(" ");
    let file = client
        .post("/account/2fa/recovery-codes/download", &[("codes", joined.as_str())])
        .await;
    assert_eq!(
        file.header("content-disposition"),
        Some("attachment; filename=\"smartpush-recovery-codes.txt\"")
    );
    assert_eq!(file.header("content-type"), Some("text/plain; charset=utf-8"));
    let text = file.text();
    assert!(
        text.starts_with("SmartPush recovery codes\nAccount: wizard@example.com\n"),
        "{text}"
    );
    assert_eq!(smartpush_core::recovery::parse_codes_text(&text), codes);
    for bad in ["", "hello world", "ABCDEFGHJKL0", &format!("{joined} {}", codes[0])] {
        let resp = client
            .post("/account/2fa/recovery-codes/download", &[("codes", bad)])
            .await;
        assert_eq!(resp.status.as_u16(), 422, "{bad}");
    }

    let page = client.get("/account/security").await;
    assert_eq!(
        testid_text(&page.text(), "tfa-status").as_deref(),
        Some("Two-Factor Authentication Enabled")
    );
    assert_eq!(testid_text(&page.text(), "recovery-remaining").as_deref(), Some("10"));

    // Sign out, sign in with TOTP (the next step: the confirmation's code is spent).
    client.post("/signout", &[]).await;
    client.get("/signin").await;
    let resp = client
        .post("/signin", &[("email", email), ("password", PASSWORD)])
        .await;
    let html = resp.text();
    assert!(html.contains("Use recovery code") && html.contains("data-testid=\"totp-code\""));
    let challenge = attr(&html, "challenge_id").unwrap();
    let replay = client
        .post(
            "/signin/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "totp"),
                ("methods", "totp,recovery_code"),
                ("step", "second_factor"),
                ("code", totp(&secret, mock.now()).as_str()),
            ],
        )
        .await;
    assert!(testid_text(&replay.text(), "error").unwrap().contains("already used"));
    let resp = client
        .post(
            "/signin/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "totp"),
                ("methods", "totp,recovery_code"),
                ("step", "second_factor"),
                ("code", totp(&secret, mock.now() + 30).as_str()),
            ],
        )
        .await;
    redirect(&resp, "/account/security");

    // High risk: the export asks for a step-up; a recovery code answers it.
    mock.post("/mock/risk", json!({ "email": email, "level": "high" }))
        .await
        .ok(200);
    client.get("/exports").await;
    let resp = client.post("/exports", &[("kind", "contacts")]).await;
    assert_eq!(resp.status.as_u16(), 403);
    assert!(resp.text().contains("data-testid=\"step-up-dialog\""));
    let challenge = attr(&resp.text(), "challenge_id").unwrap();
    let resp = client
        .post(
            "/exports/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "recovery_code"),
                ("methods", "totp,recovery_code"),
                ("kind", "contacts"),
                ("code", codes[0].as_str()),
            ],
        )
        .await;
    assert!(resp.text().contains("data-testid=\"export-verified\""));
    assert!(resp.text().contains("data-autosubmit"));
    let csv = client.post("/exports", &[("kind", "contacts")]).await;
    assert!(csv.text().starts_with("email,first_name"), "stepped up for 10 minutes");

    // Disable: password, a recovery code, confirm.
    client.get("/account/2fa/disable").await;
    let resp = client.post("/account/2fa/disable", &[("password", PASSWORD)]).await;
    let challenge = attr(&resp.text(), "challenge_id").unwrap();
    let resp = client
        .post(
            "/account/2fa/disable/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "recovery_code"),
                ("methods", "totp,recovery_code"),
                ("code", codes[1].as_str()),
            ],
        )
        .await;
    assert!(resp.text().contains("data-testid=\"disable-dialog\""));
    let resp = client
        .post("/account/2fa/disable/confirm", &[("challenge_id", challenge.as_str())])
        .await;
    redirect(&resp, "/account/security?done=disabled");
    let page = client.get("/account/security?done=disabled").await;
    assert_eq!(testid_text(&page.text(), "tfa-status").as_deref(), Some("Not enabled"));
}

#[tokio::test]
async fn risk_based_email_verification_at_sign_in_and_the_2fa_suggestion_after_a_step_up() {
    let mock = Mock::new();
    let email = "risky@example.com";
    mock.register(email).await;
    mock.post("/mock/risk", json!({ "email": email, "level": "high" }))
        .await
        .ok(200);
    let mut client = Client::new(&mock);
    client.get("/signin").await;
    let resp = client
        .post("/signin", &[("email", email), ("password", PASSWORD)])
        .await;
    let html = resp.text();
    assert!(html.contains("Verify it's you"), "{html}");
    assert!(!html.contains("Use recovery code"), "2FA is off: e-mail only");
    assert!(html.contains("data-testid=\"resend-code\""));
    let challenge = attr(&html, "challenge_id").unwrap();
    let resent = client
        .post(
            "/signin/resend",
            &[
                ("challenge_id", challenge.as_str()),
                ("methods", "email"),
                ("step", "email_verification"),
            ],
        )
        .await;
    assert_eq!(resent.status.as_u16(), 429);
    assert!(testid_text(&resent.text(), "error").unwrap().contains("seconds"));
    let code = mock.last_code(email).await;
    let resp = client
        .post(
            "/signin/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "email"),
                ("methods", "email"),
                ("step", "email_verification"),
                ("code", code.as_str()),
            ],
        )
        .await;
    redirect(&resp, "/account/security");

    client.get("/exports").await;
    let resp = client.post("/exports", &[("kind", "campaigns")]).await;
    let challenge = attr(&resp.text(), "challenge_id").unwrap();
    let code = mock.last_code(email).await;
    let resp = client
        .post(
            "/exports/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "email"),
                ("methods", "email"),
                ("kind", "campaigns"),
                ("code", code.as_str()),
            ],
        )
        .await;
    assert!(
        resp.text().contains("data-testid=\"suggest-2fa\""),
        "2FA off: enabling it is suggested"
    );
}

#[tokio::test]
async fn tester_controls_work_from_the_page() {
    let mock = Mock::new();
    mock.register("t@example.com").await;
    let mut client = Client::new(&mock);
    client.get("/tester").await;
    let resp = client
        .post("/tester/risk", &[("email", "t@example.com"), ("level", "high")])
        .await;
    redirect(&resp, "/tester?done=risk");
    let resp = client
        .post("/tester/risk", &[("email", "nobody@example.com"), ("level", "high")])
        .await;
    assert_eq!(resp.status.as_u16(), 404);
    assert!(testid_text(&resp.text(), "error").unwrap().contains("no account"));
    let resp = client.post("/tester/clock", &[("offset_seconds", "660")]).await;
    redirect(&resp, "/tester?done=clock");
    assert_eq!(mock.state.clock().offset(), 660);
    client.get("/tester").await;
    let resp = client.post("/tester/reset", &[]).await;
    assert_eq!(resp.status.as_u16(), 422, "the box must be ticked");
    let resp = client.post("/tester/reset", &[("confirm", "yes")]).await;
    redirect(&resp, "/signin");
    assert_eq!(mock.count("SELECT COUNT(*) FROM accounts").await, 0);

    let remote = Mock::with_peer(std::net::SocketAddr::from(([192, 0, 2, 7], 4000)));
    let resp = Client::new(&remote).get("/tester").await;
    assert_eq!(resp.status.as_u16(), 403, "loopback only");
}

#[tokio::test]
async fn enable_with_email_verification_then_sign_in_with_an_emailed_code() {
    let mock = Mock::new();
    let email = "mailer@example.com";
    let mut client = signed_in(&mock, email).await;
    client.get("/account/2fa/enable").await;
    client.post("/account/2fa/enable", &[("password", PASSWORD)]).await;
    let id = attr(&client.last, "enrollment_id").unwrap();
    let code = mock.last_code(email).await;
    client
        .post(
            "/account/2fa/enable/email",
            &[("enrollment_id", id.as_str()), ("code", code.as_str())],
        )
        .await;
    let resp = client
        .post(
            "/account/2fa/enable/method",
            &[("enrollment_id", id.as_str()), ("method", "email")],
        )
        .await;
    assert!(
        !resp.text().contains("data-testid=\"qr-image\""),
        "no QR code for e-mail"
    );
    let resend = client
        .post(
            "/account/2fa/enable/resend",
            &[("enrollment_id", id.as_str()), ("step", "confirm")],
        )
        .await;
    assert_eq!(resend.status.as_u16(), 429, "within the 30 s cool-down");
    let code = mock.last_code(email).await;
    let resp = client
        .post(
            "/account/2fa/enable/confirm",
            &[
                ("enrollment_id", id.as_str()),
                ("method", "email"),
                ("code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(resp.text().matches("data-testid=\"recovery-code\"").count(), 10);
    let page = client.get("/account/security").await;
    assert_eq!(
        testid_text(&page.text(), "tfa-method").as_deref(),
        Some("Email Verification")
    );

    client.post("/signout", &[]).await;
    client.get("/signin").await;
    let resp = client
        .post("/signin", &[("email", email), ("password", PASSWORD)])
        .await;
    let html = resp.text();
    assert!(html.contains("data-testid=\"email-code\"") && html.contains("Use recovery code"));
    let challenge = attr(&html, "challenge_id").unwrap();
    assert!(mock.state.clock().set_offset(31), "past the resend cool-down");
    let resent = client
        .post(
            "/signin/resend",
            &[
                ("challenge_id", challenge.as_str()),
                ("methods", "email,recovery_code"),
                ("step", "second_factor"),
            ],
        )
        .await;
    assert!(testid_text(&resent.text(), "info").unwrap().contains("new code"));
    let code = mock.last_code(email).await;
    let resp = client
        .post(
            "/signin/verify",
            &[
                ("challenge_id", challenge.as_str()),
                ("method", "email"),
                ("methods", "email,recovery_code"),
                ("step", "second_factor"),
                ("code", code.as_str()),
            ],
        )
        .await;
    redirect(&resp, "/account/security");
}
