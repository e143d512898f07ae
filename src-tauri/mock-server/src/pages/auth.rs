//! Sign-up, sign-in (password, then the second step: the account's 2FA method, a recovery code,
//! or the e-mail code of risk-based verification) and sign-out.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use smartpush_core::SecretString;

use super::layout::{self, FactorForm, Tone, auth_shell, csrf_field, error};
use super::{Page, PageForm, flow_over, friendly, status_of};
use crate::AppState;
use crate::config::rules;
use crate::model::{Method, SignInStatus, VerifyRequest};
use crate::service;

/// `?done=` after a redirect.
#[derive(Debug, Deserialize)]
pub struct Done {
    /// What was just done (a fixed word, mapped to a fixed sentence).
    pub done: Option<String>,
}

/// `GET /`: the account page when signed in, else the sign-in page.
pub async fn home(page: Page) -> Response {
    if page.session.is_some() {
        page.redirect("/account/security")
    } else {
        page.redirect("/signin")
    }
}

fn sign_up_markup(page: &Page, email: &str, problem: Option<&str>) -> Markup {
    auth_shell(
        "Create your account",
        html! {
            h1 { "Create your account" }
            p.subtitle { "Start with an e-mail address and a password." }
            (error(problem))
            form.stack method="post" action="/signup" data-testid="sign-up-form" {
                (csrf_field(page))
                label.field {
                    span.label { "E-mail" }
                    input.input type="email" name="email" value=(email) required autocomplete="username"
                        autofocus data-testid="email";
                }
                label.field {
                    span.label { "Password" }
                    input.input type="password" name="password" required minlength=(rules::PASSWORD_MIN_CHARS)
                        autocomplete="new-password" data-testid="password";
                    span.hint { "At least " (rules::PASSWORD_MIN_CHARS) " characters." }
                }
                label.field {
                    span.label { "Confirm password" }
                    input.input type="password" name="confirm" required autocomplete="new-password"
                        data-testid="password-confirm";
                }
                button.btn.btn-primary.btn-block type="submit" data-testid="sign-up-submit" { "Create account" }
            }
            p.center.muted { "Already have an account? " a href="/signin" data-testid="sign-in-link" { "Sign in" } }
        },
    )
}

/// `GET /signup`.
pub async fn sign_up_page(page: Page) -> Response {
    if page.session.is_some() {
        return page.redirect("/account/security");
    }
    page.ok(sign_up_markup(&page, "", None))
}

/// The sign-up form.
#[derive(Deserialize)]
pub struct SignUpForm {
    csrf: String,
    email: String,
    password: SecretString,
    confirm: SecretString,
}

/// `POST /signup`: [`service::accounts::register`].
pub async fn sign_up(State(state): State<AppState>, page: Page, PageForm(form): PageForm<SignUpForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    if form.password.expose() != form.confirm.expose() {
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            sign_up_markup(&page, &form.email, Some("The two passwords do not match.")),
        );
    }
    match service::accounts::register(&state, &form.email, &form.password).await {
        Ok(_) => page.redirect("/signin?done=signed_up"),
        Err(e) => page.html(status_of(&e), sign_up_markup(&page, &form.email, Some(&friendly(&e)))),
    }
}

fn sign_in_markup(page: &Page, email: &str, problem: Option<&str>, done: Option<&str>) -> Markup {
    auth_shell(
        "Sign in",
        html! {
            h1 { "Sign in to SmartPush" }
            p.subtitle { "Welcome back. Enter your e-mail and password." }
            (layout::notice(done))
            (error(problem))
            form.stack method="post" action="/signin" data-testid="sign-in-form" {
                (csrf_field(page))
                label.field {
                    span.label { "E-mail" }
                    input.input type="email" name="email" value=(email) required autocomplete="username"
                        autofocus data-testid="email";
                }
                label.field {
                    span.label { "Password" }
                    input.input type="password" name="password" required autocomplete="current-password"
                        data-testid="password";
                }
                button.btn.btn-primary.btn-block type="submit" data-testid="sign-in-submit" { "Sign in" }
            }
            p.center.muted { "New to SmartPush? " a href="/signup" data-testid="sign-up-link" { "Create an account" } }
            p.tip {
                "Started the server with " code { "--demo" } "? Sign in as "
                code { (service::accounts::DEMO_EMAIL) } " / " code { (service::accounts::DEMO_PASSWORD) } "."
            }
        },
    )
}

/// `GET /signin`.
pub async fn sign_in_page(page: Page, Query(done): Query<Done>) -> Response {
    if page.session.is_some() {
        return page.redirect("/account/security");
    }
    page.ok(sign_in_markup(&page, "", None, done.done.as_deref()))
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    csrf: String,
    email: String,
    password: SecretString,
}

/// Which second step the sign-in is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// 2FA is on.
    SecondFactor,
    /// 2FA is off, the risk is high: an e-mailed code.
    RiskEmail,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Step::SecondFactor => "second_factor",
            Step::RiskEmail => "email_verification",
        }
    }

    fn parse(name: &str) -> Step {
        if name == "email_verification" {
            Step::RiskEmail
        } else {
            Step::SecondFactor
        }
    }
}

fn verify_markup(
    page: &Page,
    step: Step,
    challenge_id: &str,
    methods: &[Method],
    recovery_first: bool,
    alert: Option<(Tone, &str)>,
) -> Markup {
    let (heading, text) = match (step, ()) {
        (Step::RiskEmail, _) => (
            "Verify it's you",
            "We noticed a sign-in that does not look like your usual ones. To keep your account safe, we sent a \
             verification code to your e-mail address.",
        ),
        // What to enter is said inside each form (the app's code, or a recovery code), so the
        // page is right whichever form "Use recovery code" shows.
        (Step::SecondFactor, _) => (
            "Two-step verification",
            "Your account is protected with two-step verification.",
        ),
    };
    auth_shell(
        heading,
        html! {
            h1 data-testid="verify-heading" { (heading) }
            p.subtitle { (text) }
            @if let Some((tone, message)) = alert { (layout::alert(tone, message)) }
            (layout::factor_forms(page, &FactorForm {
                action: "/signin/verify",
                challenge_id,
                methods,
                recovery_first,
                hidden: &[("step", step.as_str())],
                submit: "Verify",
                resend_action: Some("/signin/resend"),
            }))
            p.center.muted { a href="/signin" { "Back to sign-in" } }
        },
    )
}

/// `POST /signin`: [`service::sessions::sign_in`]. The pages send no `X-Device-Id`: risk at a
/// page sign-in comes from the account's risk (tester controls).
pub async fn sign_in(State(state): State<AppState>, mut page: Page, PageForm(form): PageForm<SignInForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::sessions::sign_in(&state, &form.email, &form.password, None).await {
        Ok(answer) => match (answer.status, answer.token, answer.challenge_id) {
            (SignInStatus::Authenticated, Some(token), _) => {
                page.set_session(token.expose());
                page.redirect("/account/security")
            }
            (status, _, Some(challenge_id)) => {
                let step = if status == SignInStatus::EmailVerificationRequired {
                    Step::RiskEmail
                } else {
                    Step::SecondFactor
                };
                let methods = answer.methods.unwrap_or_default();
                page.ok(verify_markup(&page, step, &challenge_id, &methods, false, None))
            }
            _ => page.html(
                StatusCode::INTERNAL_SERVER_ERROR,
                sign_in_markup(
                    &page,
                    &form.email,
                    Some("Something went wrong on the server. Try again."),
                    None,
                ),
            ),
        },
        Err(e) => page.html(
            status_of(&e),
            sign_in_markup(&page, &form.email, Some(&friendly(&e)), None),
        ),
    }
}

/// A second-step form.
#[derive(Deserialize)]
pub struct VerifyForm {
    csrf: String,
    challenge_id: String,
    method: String,
    methods: String,
    step: String,
    code: SecretString,
}

/// `POST /signin/verify`: [`service::sessions::verify_sign_in`].
pub async fn verify(State(state): State<AppState>, mut page: Page, PageForm(form): PageForm<VerifyForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let methods = layout::parse_methods(&form.methods);
    let step = Step::parse(&form.step);
    let Some(method) = Method::parse(&form.method) else {
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            verify_markup(
                &page,
                step,
                &form.challenge_id,
                &methods,
                false,
                Some((Tone::Error, "Choose how to verify.")),
            ),
        );
    };
    let request = VerifyRequest {
        challenge_id: form.challenge_id.clone(),
        method,
        code: form.code,
    };
    match service::sessions::verify_sign_in(&state, request).await {
        Ok(answer) => match answer.token {
            Some(token) => {
                page.set_session(token.expose());
                if method == Method::RecoveryCode {
                    page.redirect("/account/security?done=recovery_used")
                } else {
                    page.redirect("/account/security")
                }
            }
            None => page.html(
                StatusCode::INTERNAL_SERVER_ERROR,
                sign_in_markup(&page, "", Some("Something went wrong on the server. Try again."), None),
            ),
        },
        Err(e) if flow_over(&e) => page.html(status_of(&e), sign_in_markup(&page, "", Some(&friendly(&e)), None)),
        Err(e) => page.html(
            status_of(&e),
            verify_markup(
                &page,
                step,
                &form.challenge_id,
                &methods,
                method == Method::RecoveryCode,
                Some((Tone::Error, &friendly(&e))),
            ),
        ),
    }
}

/// A "Resend code" form.
#[derive(Deserialize)]
pub struct ResendForm {
    csrf: String,
    challenge_id: String,
    methods: String,
    #[serde(default)]
    step: String,
}

/// `POST /signin/resend`: [`service::challenge::resend`].
pub async fn resend(State(state): State<AppState>, page: Page, PageForm(form): PageForm<ResendForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let methods = layout::parse_methods(&form.methods);
    let step = Step::parse(&form.step);
    match service::challenge::resend(&state, form.challenge_id.clone()).await {
        Ok(_) => page.ok(verify_markup(
            &page,
            step,
            &form.challenge_id,
            &methods,
            false,
            Some((Tone::Info, "We sent a new code. The previous one no longer works.")),
        )),
        Err(e) if flow_over(&e) => page.html(status_of(&e), sign_in_markup(&page, "", Some(&friendly(&e)), None)),
        Err(e) => page.html(
            status_of(&e),
            verify_markup(
                &page,
                step,
                &form.challenge_id,
                &methods,
                false,
                Some((Tone::Error, &friendly(&e))),
            ),
        ),
    }
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    /// The token.
    pub csrf: String,
}

/// `POST /signout`: [`service::sessions::sign_out`]; the cookie is cleared.
pub async fn sign_out(State(state): State<AppState>, mut page: Page, PageForm(form): PageForm<CsrfForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    if let Some(session) = &page.session
        && let Err(e) = service::sessions::sign_out(&state, session).await
    {
        return page.html(
            status_of(&e),
            layout::message_page(&page, "Could not sign out", &friendly(&e)),
        );
    }
    page.clear_session();
    page.redirect("/signin?done=signed_out")
}

/// `GET /support`: what the help article says to do after losing the device ("contact customer
/// support for recovery"), and where the mock's equivalent is.
pub async fn support_page(page: Page) -> Response {
    let body = html! {
        h1 data-testid="support-heading" { "Lost your device?" }
        p { "If you lose access to your authentication app or device, contact customer support for recovery. If the \
            person who received the codes is no longer reachable and you cannot sign in, contact SmartPush's Risk \
            Control team at " a href="mailto:riskservice@shoplineapp.com" { "riskservice@shoplineapp.com" }
            "; they verify your identity and help you regain access." }
        p.muted { "On this mock server, support's reset is a tester control: " a href="/tester" data-testid="support-tester-link" { "Tester controls" }
            " → Support: reset 2FA (loopback only). It turns two-step verification off, ends the account's sessions \
            and e-mails the user." }
        p { a.btn.btn-secondary href="/signin" { "Back to sign-in" } }
    };
    page.ok(if page.session.is_some() {
        layout::shell(&page, "Lost your device?", layout::Nav::None, body)
    } else {
        auth_shell("Lost your device?", body)
    })
}
