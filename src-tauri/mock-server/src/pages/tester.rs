//! The tester's pages (loopback only, like the `/mock` API): the outbox rendered as a page when a
//! browser asks for `/mock/outbox`, and the tester controls (risk, clock, support reset, reset).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::auth::Done;
use super::layout::{self, Nav, Tone, alert, csrf_field, shell, title};
use super::{Page, PageForm, add_security_headers, friendly, status_of};
use crate::AppState;
use crate::model::{OutboxMessage, RiskLevel};
use crate::service;

fn when(rfc: &str) -> String {
    match (rfc.get(..10), rfc.get(11..19)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => rfc.to_owned(),
    }
}

fn outbox_markup(page: &Page, messages: &[OutboxMessage], to: Option<&str>) -> Markup {
    shell(
        page,
        "Outbox",
        Nav::Outbox,
        html! {
            (title("Outbox", Some("Every e-mail the mock server sent, newest first. Codes are shown so you need no mail client.")))
            div.toolbar {
                form.inline.filter method="get" action="/mock/outbox" {
                    input.input type="email" name="to" value=(to.unwrap_or("")) placeholder="Filter by recipient"
                        data-testid="outbox-filter";
                    button.btn.btn-secondary type="submit" { "Filter" }
                    @if to.is_some() { a.btn.btn-ghost href="/mock/outbox" { "Show all" } }
                }
                div.toolbar-right {
                    label.check { input #auto-refresh type="checkbox" data-auto-refresh="5"; " Refresh every 5 s" }
                    a.btn.btn-secondary href="" data-testid="outbox-refresh" { "Refresh" }
                    form.inline method="post" action="/tester/outbox/clear" {
                        (csrf_field(page))
                        button.btn.btn-danger-outline type="submit" data-testid="outbox-clear" { "Clear outbox" }
                    }
                }
            }
            @if messages.is_empty() {
                section.card.empty data-testid="outbox-empty" { p.muted { "No e-mails yet." } }
            }
            @for message in messages {
                article.card.mail data-testid="outbox-message" {
                    div.mail-head {
                        div {
                            div.mail-subject data-testid="outbox-subject" { (message.subject) }
                            div.muted { "To " span data-testid="outbox-to" { (message.to) } " · " (when(&message.sent_at)) }
                        }
                        @if let Some(code) = &message.code {
                            div.code-chip {
                                code data-testid="outbox-code" id=(format!("code-{}", message.id)) { (code) }
                                button.btn.btn-secondary.btn-small type="button" data-copy=(format!("#code-{}", message.id)) {
                                    "Copy"
                                }
                            }
                        }
                    }
                    p.mail-body { (message.body) }
                }
            }
        },
    )
}

/// `GET /mock/outbox` asked for by a browser (`Accept: text/html`): the outbox as a page, through
/// [`service::tester::outbox`] like the JSON answer.
pub async fn outbox_page(state: &AppState, headers: &HeaderMap, to: Option<String>) -> Response {
    let page = Page::from_headers(state, headers).await;
    let to = to.filter(|t| !t.trim().is_empty());
    let mut response = match service::tester::outbox(state, to.clone()).await {
        Ok(messages) => page.ok(outbox_markup(&page, &messages, to.as_deref())),
        Err(e) => page.html(status_of(&e), layout::message_page(&page, "Outbox", &friendly(&e))),
    };
    add_security_headers(&mut response);
    response
}

fn controls_markup(page: &Page, clock: &crate::model::ClockView, message: Option<(Tone, &str)>) -> Markup {
    let offset = clock.offset_seconds;
    html! {
        (shell(page, "Tester controls", Nav::Tester, html! {
            (title("Tester controls", Some("Mock-only switches for exercising risk, expiry and support flows. Loopback only.")))
            @if let Some((tone, text)) = message { (alert(tone, text)) }
            div.grid-2 {
                section.card data-testid="risk-card" {
                    h2 { "Sign-in risk" }
                    p.muted { "High risk asks for an e-mail code at sign-in (2FA off) and a verification before exports. \
                        Applies to the account's open sessions too." }
                    form.stack method="post" action="/tester/risk" {
                        (csrf_field(page))
                        label.field { span.label { "Account e-mail" }
                            input.input type="email" name="email" required data-testid="risk-email"
                                value=(page.session.as_ref().map(|s| s.email.as_str()).unwrap_or("")); }
                        label.field { span.label { "Risk" }
                            select.input name="level" data-testid="risk-level" {
                                option value="high" { "High" }
                                option value="low" { "Low" }
                            }
                        }
                        button.btn.btn-primary type="submit" data-testid="risk-submit" { "Set risk" }
                    }
                }
                section.card data-testid="clock-card" {
                    h2 { "Server clock" }
                    p.muted { "Now on the server: " strong data-testid="clock-now" { (when(&clock.now)) }
                        " (offset " (offset) " s). Move it to reach code and enrollment expiry." }
                    div.button-row {
                        @for (label, value) in [("+11 min", offset + 660), ("+16 min", offset + 960), ("+1 day", offset + 86_400)] {
                            form.inline method="post" action="/tester/clock" {
                                (csrf_field(page))
                                input type="hidden" name="offset_seconds" value=(value);
                                button.btn.btn-secondary type="submit" { (label) }
                            }
                        }
                        form.inline method="post" action="/tester/clock" {
                            (csrf_field(page))
                            input type="hidden" name="offset_seconds" value="0";
                            button.btn.btn-secondary type="submit" data-testid="clock-reset" { "Real time" }
                        }
                    }
                    form.stack method="post" action="/tester/clock" {
                        (csrf_field(page))
                        label.field { span.label { "Offset from real time, in seconds" }
                            input.input type="number" name="offset_seconds" value=(offset) required data-testid="clock-offset"; }
                        button.btn.btn-primary type="submit" { "Set clock" }
                    }
                }
                section.card data-testid="support-card" {
                    h2 { "Support: reset 2FA" }
                    p.muted { "What SmartPush support does for a lost device: two-step verification off, an e-mail to the user." }
                    form.stack method="post" action="/tester/support-reset" {
                        (csrf_field(page))
                        label.field { span.label { "Account e-mail" }
                            input.input type="email" name="email" required data-testid="support-email"; }
                        button.btn.btn-primary type="submit" { "Reset 2FA" }
                    }
                }
                section.card data-testid="reset-card" {
                    h2 { "Start over" }
                    p.muted { "Deletes every account, session, code and e-mail of this server." }
                    form.stack method="post" action="/tester/reset" {
                        (csrf_field(page))
                        label.check { input type="checkbox" name="confirm" value="yes" required; " Yes, delete everything" }
                        button.btn.btn-danger type="submit" data-testid="reset-all" { "Reset the server" }
                    }
                }
            }
        }))
    }
}

/// `GET /tester`.
pub async fn controls(State(state): State<AppState>, page: Page, Query(done): Query<Done>) -> Response {
    let clock = service::tester::clock(&state);
    let message = done.done.is_some().then_some((Tone::Success, "Done."));
    page.ok(controls_markup(&page, &clock, message))
}

fn refused(state: &AppState, page: &Page, error: &crate::error::AppError) -> Response {
    let clock = service::tester::clock(state);
    page.html(
        status_of(error),
        controls_markup(page, &clock, Some((Tone::Error, &friendly(error)))),
    )
}

/// The risk form.
#[derive(Deserialize)]
pub struct RiskForm {
    csrf: String,
    email: String,
    level: String,
}

/// `POST /tester/risk`: [`service::tester::set_risk`].
pub async fn set_risk(State(state): State<AppState>, page: Page, PageForm(form): PageForm<RiskForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let level = RiskLevel::parse(&form.level);
    match service::tester::set_risk(&state, &form.email, level).await {
        Ok(()) => page.redirect("/tester?done=risk"),
        Err(e) => refused(&state, &page, &e),
    }
}

/// The clock form.
#[derive(Deserialize)]
pub struct ClockForm {
    csrf: String,
    offset_seconds: String,
}

/// `POST /tester/clock`: [`service::tester::set_clock`].
pub async fn set_clock(State(state): State<AppState>, page: Page, PageForm(form): PageForm<ClockForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let Ok(offset) = form.offset_seconds.trim().parse::<i64>() else {
        let clock = service::tester::clock(&state);
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            controls_markup(
                &page,
                &clock,
                Some((Tone::Error, "The offset must be a whole number of seconds.")),
            ),
        );
    };
    match service::tester::set_clock(&state, offset) {
        Ok(_) => page.redirect("/tester?done=clock"),
        Err(e) => refused(&state, &page, &e),
    }
}

/// The support-reset form.
#[derive(Deserialize)]
pub struct EmailForm {
    csrf: String,
    email: String,
}

/// `POST /tester/support-reset`: [`service::tester::support_reset_2fa`].
pub async fn support_reset(State(state): State<AppState>, page: Page, PageForm(form): PageForm<EmailForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::tester::support_reset_2fa(&state, &form.email).await {
        Ok(_) => page.redirect("/tester?done=support"),
        Err(e) => refused(&state, &page, &e),
    }
}

/// `POST /tester/outbox/clear`: [`service::tester::clear_outbox`].
pub async fn clear_outbox(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<super::auth::CsrfForm>,
) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::tester::clear_outbox(&state).await {
        Ok(()) => page.redirect("/mock/outbox"),
        Err(e) => refused(&state, &page, &e),
    }
}

/// The reset form.
#[derive(Deserialize)]
pub struct ResetForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /tester/reset`: [`service::tester::reset`] (signs everyone out).
pub async fn reset(State(state): State<AppState>, mut page: Page, PageForm(form): PageForm<ResetForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    if form.confirm != "yes" {
        let clock = service::tester::clock(&state);
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            controls_markup(&page, &clock, Some((Tone::Error, "Tick the box to confirm."))),
        );
    }
    match service::tester::reset(&state).await {
        Ok(()) => {
            page.clear_session();
            page.redirect("/signin")
        }
        Err(e) => refused(&state, &page, &e),
    }
}
