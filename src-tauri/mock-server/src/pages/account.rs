//! "Account & security": the 2FA status, the enable wizard (password → e-mail code → method →
//! QR code and manual key → confirm), the recovery codes shown once (Copy code, Download code),
//! and the disable flow (password → second factor or recovery code → confirm).

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use smartpush_core::SecretString;

use super::auth::Done;
use super::layout::{self, FactorForm, Nav, Tone, alert, csrf_field, error, shell, tick, title};
use super::{Page, PageForm, flow_over, friendly, status_of};
use crate::AppState;
use crate::clock::rfc3339;
use crate::config::rules;
use crate::crypto;
use crate::model::{Method, MethodChosen, SecurityView, TwoFactorMethod, VerifyRequest};
use crate::service;
use crate::service::sessions::SessionInfo;

/// The file name of the recovery-codes download.
pub const RECOVERY_FILE_NAME: &str = "smartpush-recovery-codes.txt";

/// "2026-11-27T17:30:05Z" → "2026-11-27 17:30 UTC".
fn when(rfc: &str) -> String {
    match (rfc.get(..10), rfc.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => rfc.to_owned(),
    }
}

fn method_name(method: TwoFactorMethod) -> &'static str {
    match method {
        TwoFactorMethod::Totp => "Authentication App",
        TwoFactorMethod::Email => "Email Verification",
    }
}

/// The text of the "Download code" file: a heading, the account, the date, the codes one per
/// line, and a line of advice. `smartpush-auth recovery add ID --file` reads it back
/// (`smartpush_core::recovery::parse_codes_text` keeps the codes and skips the rest).
pub fn recovery_codes_file<S: AsRef<str>>(email: &str, codes: &[S], generated_at: i64) -> String {
    let mut text = String::from("SmartPush recovery codes\n");
    text.push_str(&format!("Account: {email}\n"));
    text.push_str(&format!("Generated: {}\n\n", when(&rfc3339(generated_at))));
    for code in codes {
        text.push_str(code.as_ref());
        text.push('\n');
    }
    text.push_str(
        "\nEach code works once. Keep them somewhere safe, such as a password manager or an encrypted file.\n",
    );
    text
}

// ---------------------------------------------------------------------------------------------
// Account & security

fn security_markup(page: &Page, view: &SecurityView, done: Option<&str>) -> Markup {
    let tfa = &view.two_factor;
    shell(
        page,
        "Account & security",
        Nav::Security,
        html! {
            p.breadcrumb.muted data-testid="breadcrumb" { "Account Management › Login & Security" }
            (title("Account & security", Some("Manage how you sign in to SmartPush and keep your account safe.")))
            (layout::notice(done))
            section.card {
                h2 { "Login & Security" }
                dl.rows {
                    div.row { dt { "E-mail" } dd data-testid="security-email" { (view.email) } }
                    div.row { dt { "Password" } dd { "••••••••••" } }
                }
            }
            section.card data-testid="two-factor-card" {
                div.card-head {
                    div {
                        h2 { "Two-step verification (2FA)" }
                        p.muted { "A second step at every sign-in, with an authentication app or an e-mailed code." }
                    }
                    @if tfa.enabled {
                        span.badge.badge-success data-testid="tfa-status" { (tick()) "Two-Factor Authentication Enabled" }
                    } @else {
                        span.badge.badge-muted data-testid="tfa-status" { "Not enabled" }
                    }
                }
                @if tfa.enabled {
                    dl.rows {
                        div.row { dt { "Method" } dd data-testid="tfa-method" {
                            (tfa.method.map(method_name).unwrap_or("—"))
                        } }
                        div.row { dt { "Enabled" } dd { (tfa.enabled_at.as_deref().map(when).unwrap_or_default()) } }
                        div.row { dt { "Recovery codes" } dd {
                            span data-testid="recovery-remaining" { (tfa.recovery_codes_remaining) }
                            " of " (rules::RECOVERY_CODE_COUNT) " unused"
                        } }
                    }
                    @if let Some(warning) = &tfa.warning {
                        div.alert.alert-warning role="status" data-testid="recovery-warning" { (warning) }
                    }
                    div.actions {
                        a.btn.btn-danger-outline href="/account/2fa/disable" data-testid="disable-2fa" { "Disable two-step verification" }
                    }
                } @else {
                    ul.benefits {
                        li { "Prevent unauthorized sign-ins, even if your password is exposed" }
                        li { "Fewer interruptions during sensitive operations such as exports" }
                        li { "Better protection for customer data and exported business information" }
                    }
                    div.actions {
                        a.btn.btn-primary href="/account/2fa/enable" data-testid="enable-2fa" { "Enable two-step verification" }
                    }
                }
            }
            section.card.card-quiet {
                h2 { "This session" span.tag { "mock" } }
                dl.rows {
                    div.row { dt { "Sign-in risk" } dd data-testid="session-risk" { (view.session_risk.as_str()) } }
                    div.row { dt { "Verified for exports until" } dd {
                        (view.step_up_until.as_deref().map(when).unwrap_or_else(|| "—".to_owned()))
                    } }
                }
                p.muted { "Risk is set on the " a href="/tester" { "tester controls" } " page." }
            }
        },
    )
}

/// `GET /account/security`: [`service::accounts::security`].
pub async fn security(State(state): State<AppState>, page: Page, Query(done): Query<Done>) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    match service::accounts::security(&state, &session).await {
        Ok(view) => page.ok(security_markup(&page, &view, done.done.as_deref())),
        Err(e) => page.html(
            status_of(&e),
            layout::message_page(&page, "Account & security", &friendly(&e)),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// The enable wizard

const STEPS: [&str; 4] = ["Verify password", "Verify e-mail", "Choose method", "Set up & confirm"];

fn stepper(current: usize) -> Markup {
    html! {
        ol.stepper data-testid="stepper" {
            @for (i, label) in STEPS.iter().enumerate() {
                @let n = i + 1;
                li.step.done[n < current].current[n == current] aria-current=[(n == current).then_some("step")] {
                    span.step-dot { @if n < current { (tick()) } @else { (n) } }
                    span.step-label { (label) }
                }
            }
        }
    }
}

fn wizard(page: &Page, step: usize, body: Markup) -> Markup {
    shell(
        page,
        "Enable two-step verification",
        Nav::Security,
        html! {
            (title("Enable two-step verification", None))
            (stepper(step))
            section.card.wizard-card data-testid=(format!("enable-step-{step}")) { (body) }
        },
    )
}

fn step_password(page: &Page, problem: Option<&str>) -> Markup {
    wizard(
        page,
        1,
        html! {
            h2 { "Verify your password" }
            p.muted { "For your security, enter your account password to continue." }
            (error(problem))
            form.stack.narrow method="post" action="/account/2fa/enable" {
                (csrf_field(page))
                label.field {
                    span.label { "Password" }
                    input.input type="password" name="password" required autocomplete="current-password" autofocus
                        data-testid="enable-password";
                }
                div.actions {
                    a.btn.btn-secondary href="/account/security" { "Cancel" }
                    button.btn.btn-primary type="submit" data-testid="enable-next" { "Next" }
                }
            }
        },
    )
}

fn resend_form(page: &Page, enrollment_id: &str, step: &str) -> Markup {
    html! {
        form.inline.resend method="post" action="/account/2fa/enable/resend" {
            (csrf_field(page))
            input type="hidden" name="enrollment_id" value=(enrollment_id);
            input type="hidden" name="step" value=(step);
            span.muted { "Didn't get it? " }
            button.link-button type="submit" data-testid="resend-code" { "Resend code" }
        }
    }
}

fn step_email(page: &Page, email: &str, enrollment_id: &str, message: Option<(Tone, &str)>) -> Markup {
    wizard(
        page,
        2,
        html! {
            h2 { "Verify your current e-mail" }
            p.muted { "We sent a 6-digit code to " strong { (email) } ". It is valid for 10 minutes." }
            @if let Some((tone, text)) = message { (alert(tone, text)) }
            form.stack.narrow method="post" action="/account/2fa/enable/email" {
                (csrf_field(page))
                input type="hidden" name="enrollment_id" value=(enrollment_id);
                label.field {
                    span.label { "E-mail verification code" }
                    input.input.code-input type="text" name="code" required inputmode="numeric" autocomplete="one-time-code"
                        maxlength="7" autofocus data-testid="enable-email-code";
                }
                div.actions {
                    a.btn.btn-secondary href="/account/security" { "Cancel" }
                    button.btn.btn-primary type="submit" data-testid="enable-next" { "Next" }
                }
            }
            (resend_form(page, enrollment_id, "email"))
        },
    )
}

fn step_method(page: &Page, enrollment_id: &str, problem: Option<&str>) -> Markup {
    wizard(
        page,
        3,
        html! {
            h2 { "Choose a verification method" }
            p.muted { "You will use it at every sign-in." }
            (error(problem))
            form.stack method="post" action="/account/2fa/enable/method" {
                (csrf_field(page))
                input type="hidden" name="enrollment_id" value=(enrollment_id);
                div.choices {
                    label.choice data-testid="method-totp" {
                        input type="radio" name="method" value="totp" checked;
                        span.choice-body {
                            span.choice-title { "Authentication App" span.tag.tag-blue { "Recommended" } }
                            span.choice-text { "Use apps such as Google Authenticator, Microsoft Authenticator, Duo Mobile or \
                                SmartPush Authenticator to generate time-based verification codes. Works without an \
                                internet connection." }
                        }
                    }
                    label.choice data-testid="method-email" {
                        input type="radio" name="method" value="email";
                        span.choice-body {
                            span.choice-title { "Email Verification" }
                            span.choice-text { "Receive a one-time code by e-mail at every sign-in." }
                        }
                    }
                }
                div.actions {
                    a.btn.btn-secondary href="/account/security" { "Cancel" }
                    button.btn.btn-primary type="submit" data-testid="enable-next" { "Next" }
                }
            }
        },
    )
}

/// "ABCDEFGH…" in groups of four, as authenticator apps show keys.
fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn step_confirm(page: &Page, enrollment_id: &str, chosen: &MethodChosen, message: Option<(Tone, &str)>) -> Markup {
    wizard(
        page,
        4,
        html! {
            @match chosen.method {
                TwoFactorMethod::Totp => {
                    h2 { "Set up your authentication app" }
                    div.setup {
                        div.qr-box {
                            @if let Some(qr) = &chosen.qr_png {
                                img.qr src=(qr.expose()) width="220" height="220" alt="QR code for your authentication app"
                                    data-testid="qr-image";
                            }
                        }
                        div.setup-text {
                            ol.numbered {
                                li { "Open your authentication app and add an account." }
                                li { "Scan this QR code." }
                                li { "Enter the 6-digit code the app shows." }
                            }
                            @if let Some(secret) = &chosen.secret {
                                p.muted { "Can't scan it? Enter this key manually (time-based, SHA1, 6 digits, 30 seconds):" }
                                div.key-row {
                                    code.key #manual-key data-testid="manual-key" data-copy-text=(secret.expose()) {
                                        (grouped(secret.expose()))
                                    }
                                    button.btn.btn-secondary.btn-small type="button" data-copy="#manual-key"
                                        data-testid="copy-key" { "Copy key" }
                                }
                            }
                        }
                    }
                }
                TwoFactorMethod::Email => {
                    h2 { "Confirm e-mail verification" }
                    p.muted { "We sent a 6-digit code to your e-mail address. Enter it to turn on two-step verification." }
                }
            }
            @if let Some((tone, text)) = message { (alert(tone, text)) }
            form.stack.narrow method="post" action="/account/2fa/enable/confirm" {
                (csrf_field(page))
                input type="hidden" name="enrollment_id" value=(enrollment_id);
                input type="hidden" name="method" value=(chosen.method.as_str());
                label.field {
                    span.label { "Verification code" }
                    input.input.code-input type="text" name="code" required inputmode="numeric" autocomplete="one-time-code"
                        maxlength="7" autofocus data-testid="enable-confirm-code";
                }
                div.actions {
                    a.btn.btn-secondary href="/account/security" { "Cancel" }
                    button.btn.btn-primary type="submit" data-testid="enable-confirm" { "Verify and enable" }
                }
            }
            @if chosen.method == TwoFactorMethod::Email { (resend_form(page, enrollment_id, "confirm")) }
        },
    )
}

fn codes_markup(page: &Page, codes: &[SecretString]) -> Markup {
    let joined_lines: Vec<&str> = codes.iter().map(|c| c.expose()).collect();
    shell(
        page,
        "Save your recovery codes",
        Nav::Security,
        html! {
            (title("Enable two-step verification", None))
            (stepper(5))
            div.alert.alert-success role="status" data-testid="enabled-banner" { (tick()) " Two-Factor Authentication Enabled" }
            section.card data-testid="recovery-codes-card" {
                h2 { "Save your recovery codes" }
                p { "Recovery codes are one-time-use backup codes that let you into your account when you cannot get a \
                    regular verification code. " strong { "They are shown only this once." }
                    " Click " em { "Copy code" } " or " em { "Download code" } " and keep them somewhere safe." }
                ol.codes data-testid="recovery-codes" {
                    @for code in codes { li { code data-testid="recovery-code" { (code.expose()) } } }
                }
                pre #recovery-codes-text hidden { (joined_lines.join("\n")) }
                div.actions.actions-left {
                    button.btn.btn-secondary type="button" data-copy="#recovery-codes-text" data-testid="copy-codes" { "Copy code" }
                    form.inline method="post" action="/account/2fa/recovery-codes/download" {
                        (csrf_field(page))
                        input type="hidden" name="codes" value=(joined_lines.join(" "));
                        button.btn.btn-secondary type="submit" data-testid="download-codes" { "Download code" }
                    }
                }
                h3 { "Where to keep them" }
                ul.benefits {
                    li { "Offline, in an encrypted local file" }
                    li { "In a password manager or an encrypted note app (e.g. Bitwarden, 1Password)" }
                    li { "Split across two or more safe places" }
                }
                div.actions {
                    a.btn.btn-primary href="/account/security?done=enabled" data-testid="codes-done" { "I have saved my codes" }
                }
            }
        },
    )
}

/// `GET /account/2fa/enable`: step 1.
pub async fn enable_page(State(state): State<AppState>, page: Page) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if let Ok(view) = service::accounts::security(&state, &session).await
        && view.two_factor.enabled
    {
        return page.redirect("/account/security");
    }
    page.ok(step_password(&page, None))
}

/// Step 1's form.
#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    password: SecretString,
}

/// `POST /account/2fa/enable`: [`service::enrollment::start`].
pub async fn enable_start(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<PasswordForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::enrollment::start(&state, &session, &form.password).await {
        Ok(started) => page.ok(step_email(&page, &session.email, &started.enrollment_id, None)),
        Err(e) => page.html(status_of(&e), step_password(&page, Some(&friendly(&e)))),
    }
}

/// A wizard form with a code.
#[derive(Deserialize)]
pub struct EnrollmentCodeForm {
    csrf: String,
    enrollment_id: String,
    #[serde(default)]
    method: String,
    code: SecretString,
}

/// `POST /account/2fa/enable/email`: [`service::enrollment::verify_email`].
pub async fn enable_email(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<EnrollmentCodeForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::enrollment::verify_email(&state, &session, form.enrollment_id.clone(), form.code).await {
        Ok(_) => page.ok(step_method(&page, &form.enrollment_id, None)),
        Err(e) if flow_over(&e) => page.html(status_of(&e), step_password(&page, Some(&friendly(&e)))),
        Err(e) => page.html(
            status_of(&e),
            step_email(
                &page,
                &session.email,
                &form.enrollment_id,
                Some((Tone::Error, &friendly(&e))),
            ),
        ),
    }
}

/// Step 3's form.
#[derive(Deserialize)]
pub struct MethodForm {
    csrf: String,
    enrollment_id: String,
    method: Option<String>,
}

/// `POST /account/2fa/enable/method`: [`service::enrollment::choose_method`].
pub async fn enable_method(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<MethodForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let Some(method) = form.method.as_deref().and_then(TwoFactorMethod::parse) else {
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            step_method(&page, &form.enrollment_id, Some("Choose a method.")),
        );
    };
    match service::enrollment::choose_method(&state, &session, form.enrollment_id.clone(), method).await {
        Ok(chosen) => page.ok(step_confirm(&page, &form.enrollment_id, &chosen, None)),
        Err(e) if flow_over(&e) => page.html(status_of(&e), step_password(&page, Some(&friendly(&e)))),
        Err(e) => page.html(
            status_of(&e),
            step_method(&page, &form.enrollment_id, Some(&friendly(&e))),
        ),
    }
}

/// Step 4 again after a refusal: the QR code and key come back from the service for TOTP.
async fn confirm_again(
    state: &AppState,
    page: &Page,
    session: &SessionInfo,
    enrollment_id: &str,
    method: TwoFactorMethod,
    message: (Tone, &str),
) -> Markup {
    let chosen = match method {
        TwoFactorMethod::Totp => service::enrollment::pending_totp(state, session, enrollment_id.to_owned()).await,
        TwoFactorMethod::Email => Ok(MethodChosen {
            step: crate::model::EnrollmentStep::Confirm,
            method,
            secret: None,
            otpauth_uri: None,
            qr_png: None,
        }),
    };
    match chosen {
        Ok(chosen) => step_confirm(page, enrollment_id, &chosen, Some(message)),
        Err(e) => step_password(page, Some(&friendly(&e))),
    }
}

/// `POST /account/2fa/enable/confirm`: [`service::enrollment::confirm`]; the recovery codes
/// are shown this once.
pub async fn enable_confirm(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<EnrollmentCodeForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let method = TwoFactorMethod::parse(&form.method).unwrap_or(TwoFactorMethod::Totp);
    match service::enrollment::confirm(&state, &session, form.enrollment_id.clone(), form.code).await {
        Ok(enabled) => page.ok(codes_markup(&page, &enabled.recovery_codes)),
        Err(e) if flow_over(&e) => page.html(status_of(&e), step_password(&page, Some(&friendly(&e)))),
        Err(e) => {
            let markup = confirm_again(
                &state,
                &page,
                &session,
                &form.enrollment_id,
                method,
                (Tone::Error, &friendly(&e)),
            )
            .await;
            page.html(status_of(&e), markup)
        }
    }
}

/// A wizard "Resend code" form.
#[derive(Deserialize)]
pub struct EnrollmentResendForm {
    csrf: String,
    enrollment_id: String,
    step: String,
}

/// `POST /account/2fa/enable/resend`: [`service::enrollment::resend`].
pub async fn enable_resend(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<EnrollmentResendForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let result = service::enrollment::resend(&state, &session, form.enrollment_id.clone()).await;
    let (status, message) = match &result {
        Ok(_) => (
            StatusCode::OK,
            (
                Tone::Info,
                "We sent a new code. The previous one no longer works.".to_owned(),
            ),
        ),
        Err(e) if flow_over(e) => return page.html(status_of(e), step_password(&page, Some(&friendly(e)))),
        Err(e) => (status_of(e), (Tone::Error, friendly(e))),
    };
    let markup = if form.step == "confirm" {
        confirm_again(
            &state,
            &page,
            &session,
            &form.enrollment_id,
            TwoFactorMethod::Email,
            (message.0, &message.1),
        )
        .await
    } else {
        step_email(
            &page,
            &session.email,
            &form.enrollment_id,
            Some((message.0, &message.1)),
        )
    };
    page.html(status, markup)
}

/// The "Download code" form: the codes the page shows.
#[derive(Deserialize)]
pub struct DownloadForm {
    csrf: String,
    codes: SecretString,
}

/// `POST /account/2fa/recovery-codes/download`: the recovery codes as a `.txt` attachment.
///
/// The server keeps no plain recovery code (only Argon2id hashes), so the page posts back the
/// codes it shows; they must look like recovery codes (10 at most, 12 characters of the
/// alphabet), and the file is built from them, the signed-in account and the date.
pub async fn download_codes(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<DownloadForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let codes: Option<Vec<_>> = form
        .codes
        .expose()
        .split_whitespace()
        .map(crypto::canonical_recovery_code)
        .collect();
    let codes = match codes {
        Some(codes) if !codes.is_empty() && codes.len() <= rules::RECOVERY_CODE_COUNT => codes,
        _ => {
            return page.html(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout::message_page(&page, "Download code", "These are not recovery codes of this server."),
            );
        }
    };
    let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let text = recovery_codes_file(&session.email, &codes, state.now());
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"smartpush-recovery-codes.txt\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    page.finish(response)
}

// ---------------------------------------------------------------------------------------------
// Disabling

fn disable_frame(page: &Page, body: Markup) -> Markup {
    shell(
        page,
        "Disable two-step verification",
        Nav::Security,
        html! {
            (title("Disable two-step verification", None))
            div.alert.alert-warning role="status" { "Disabling 2FA reduces your account's security level. Please proceed with caution." }
            section.card.wizard-card data-testid="disable-card" { (body) }
        },
    )
}

fn disable_password(page: &Page, problem: Option<&str>) -> Markup {
    disable_frame(
        page,
        html! {
            h2 { "Enter your password" }
            (error(problem))
            form.stack.narrow method="post" action="/account/2fa/disable" {
                (csrf_field(page))
                label.field {
                    span.label { "Password" }
                    input.input type="password" name="password" required autocomplete="current-password" autofocus
                        data-testid="disable-password";
                }
                div.actions {
                    a.btn.btn-secondary href="/account/security" { "Cancel" }
                    button.btn.btn-primary type="submit" data-testid="disable-next" { "Next" }
                }
            }
        },
    )
}

fn disable_verify_markup(
    page: &Page,
    challenge_id: &str,
    methods: &[Method],
    recovery_first: bool,
    message: Option<(Tone, &str)>,
) -> Markup {
    disable_frame(
        page,
        html! {
            h2 { "Verify it's you" }
            p.muted { "Complete the verification with your current two-step method, or use a recovery code." }
            @if let Some((tone, text)) = message { (alert(tone, text)) }
            div.narrow {
                (layout::factor_forms(page, &FactorForm {
                    action: "/account/2fa/disable/verify",
                    challenge_id,
                    methods,
                    recovery_first,
                    hidden: &[],
                    submit: "Next",
                    resend_action: Some("/account/2fa/disable/resend"),
                }))
            }
        },
    )
}

fn disable_confirm_markup(page: &Page, challenge_id: &str) -> Markup {
    shell(
        page,
        "Disable two-step verification",
        Nav::Security,
        html! {
            (title("Disable two-step verification", None))
            div.modal-backdrop {
                div.modal role="dialog" aria-modal="true" aria-labelledby="disable-title" data-testid="disable-dialog" {
                    h2 #disable-title { "Disable two-step verification?" }
                    p { "Your account will be protected by your password alone, and your recovery codes will stop working. \
                        You can enable two-step verification again at any time." }
                    form.actions method="post" action="/account/2fa/disable/confirm" {
                        (csrf_field(page))
                        input type="hidden" name="challenge_id" value=(challenge_id);
                        a.btn.btn-secondary href="/account/security" data-testid="cancel-disable" { "Cancel" }
                        button.btn.btn-danger type="submit" data-testid="confirm-disable" { "Disable" }
                    }
                }
            }
        },
    )
}

/// `GET /account/2fa/disable`: the password step.
pub async fn disable_page(State(state): State<AppState>, page: Page) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if let Ok(view) = service::accounts::security(&state, &session).await
        && !view.two_factor.enabled
    {
        return page.redirect("/account/security");
    }
    page.ok(disable_password(&page, None))
}

/// `POST /account/2fa/disable`: [`service::disable::start`].
pub async fn disable_start(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<PasswordForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::disable::start(&state, &session, &form.password).await {
        Ok(started) => page.ok(disable_verify_markup(
            &page,
            &started.challenge_id,
            &started.methods,
            false,
            None,
        )),
        Err(e) => page.html(status_of(&e), disable_password(&page, Some(&friendly(&e)))),
    }
}

/// A challenge answer of the disable and export flows.
#[derive(Deserialize)]
pub struct ChallengeCodeForm {
    /// CSRF token.
    pub csrf: String,
    /// The challenge.
    pub challenge_id: String,
    /// The method used.
    pub method: String,
    /// The methods offered (to render the forms again).
    pub methods: String,
    /// Export: the kind.
    #[serde(default)]
    pub kind: String,
    /// The code.
    pub code: SecretString,
}

/// `POST /account/2fa/disable/verify`: [`service::disable::verify`].
pub async fn disable_verify(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<ChallengeCodeForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let methods = layout::parse_methods(&form.methods);
    let Some(method) = Method::parse(&form.method) else {
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            disable_password(&page, Some("Choose how to verify.")),
        );
    };
    let request = VerifyRequest {
        challenge_id: form.challenge_id.clone(),
        method,
        code: form.code,
    };
    match service::disable::verify(&state, &session, request).await {
        Ok(_) => page.ok(disable_confirm_markup(&page, &form.challenge_id)),
        Err(e) if flow_over(&e) => page.html(status_of(&e), disable_password(&page, Some(&friendly(&e)))),
        Err(e) => page.html(
            status_of(&e),
            disable_verify_markup(
                &page,
                &form.challenge_id,
                &methods,
                method == Method::RecoveryCode,
                Some((Tone::Error, &friendly(&e))),
            ),
        ),
    }
}

/// A "Resend code" form of the disable and export flows.
#[derive(Deserialize)]
pub struct ChallengeResendForm {
    /// CSRF token.
    pub csrf: String,
    /// The challenge.
    pub challenge_id: String,
    /// The methods offered.
    pub methods: String,
    /// Export: the kind.
    #[serde(default)]
    pub kind: String,
}

/// `POST /account/2fa/disable/resend`: [`service::challenge::resend`].
pub async fn disable_resend(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<ChallengeResendForm>,
) -> Response {
    if page.session.is_none() {
        return page.to_sign_in();
    }
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let methods = layout::parse_methods(&form.methods);
    match service::challenge::resend(&state, form.challenge_id.clone()).await {
        Ok(_) => page.ok(disable_verify_markup(
            &page,
            &form.challenge_id,
            &methods,
            false,
            Some((Tone::Info, "We sent a new code. The previous one no longer works.")),
        )),
        Err(e) if flow_over(&e) => page.html(status_of(&e), disable_password(&page, Some(&friendly(&e)))),
        Err(e) => page.html(
            status_of(&e),
            disable_verify_markup(
                &page,
                &form.challenge_id,
                &methods,
                false,
                Some((Tone::Error, &friendly(&e))),
            ),
        ),
    }
}

/// The confirmation of the disable dialog.
#[derive(Deserialize)]
pub struct ChallengeRefForm {
    csrf: String,
    challenge_id: String,
}

/// `POST /account/2fa/disable/confirm`: [`service::disable::confirm`].
pub async fn disable_confirm(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<ChallengeRefForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::disable::confirm(&state, &session, form.challenge_id).await {
        Ok(_) => page.redirect("/account/security?done=disabled"),
        Err(e) => page.html(status_of(&e), disable_password(&page, Some(&friendly(&e)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_download_reads_back_as_exactly_its_codes() {
        let codes: Vec<String> = (0..10)
            .map(|_| crypto::new_recovery_code().unwrap().to_string())
            .collect();
        let text = recovery_codes_file("ada+x@example.com", &codes, 1_790_000_000);
        assert!(text.starts_with("SmartPush recovery codes\n"), "{text}");
        assert!(text.contains("Account: ada+x@example.com\n"), "{text}");
        assert_eq!(text.lines().filter(|l| codes.iter().any(|c| c == l)).count(), 10);
        assert_eq!(smartpush_core::recovery::parse_codes_text(&text), codes);
    }

    #[test]
    fn dates_and_keys_are_shown_for_people() {
        assert_eq!(when("2026-11-27T17:30:05Z"), "2026-11-27 17:30 UTC");
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
