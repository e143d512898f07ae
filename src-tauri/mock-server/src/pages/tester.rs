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
use crate::model::{ClockRequest, EventView, OutboxMessage, RiskLevel};
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

fn events_markup(events: &[EventView]) -> Markup {
    html! {
        section.card data-testid="events-card" {
            h2 { "Event log" }
            p.muted { "What happened, newest first (the last 50; all of them at " a href="/mock/events" { "/mock/events" } ")." }
            @if events.is_empty() {
                p.muted data-testid="events-empty" { "Nothing yet." }
            } @else {
                table.events {
                    thead { tr { th { "When" } th { "Account" } th { "Event" } th { "Details" } } }
                    tbody {
                        @for event in events.iter().rev().take(50) {
                            tr data-testid="event-row" {
                                td { (when(&event.at)) }
                                td { (event.email.as_deref().unwrap_or("")) }
                                td data-testid="event-kind" { (event.kind) }
                                td.muted { code { (event.detail.to_string()) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn controls_markup(
    page: &Page,
    clock: &crate::model::ClockView,
    events: &[EventView],
    message: Option<(Tone, &str)>,
) -> Markup {
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
                        " (offset " span data-testid="clock-offset-now" { (offset) } " s"
                        @if clock.frozen { ", " strong data-testid="clock-frozen" { "stopped" } }
                        "). Move it to reach code and enrollment expiry." }
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
                    div.button-row {
                        form.inline method="post" action="/tester/clock" {
                            (csrf_field(page))
                            input type="hidden" name="frozen_at" value=(clock.now_unix);
                            button.btn.btn-secondary type="submit" data-testid="clock-freeze" { "Stop the clock" }
                        }
                        @for (label, step, testid) in [("Step +30 s", 30, "clock-step-30"), ("Step +10 min", 600, "clock-step-600")] {
                            form.inline method="post" action="/tester/clock" {
                                (csrf_field(page))
                                input type="hidden" name="advance_seconds" value=(step);
                                button.btn.btn-secondary type="submit" data-testid=(testid) { (label) }
                            }
                        }
                    }
                    form.stack method="post" action="/tester/clock" {
                        (csrf_field(page))
                        label.field { span.label { "Offset from real time, in seconds" }
                            input.input type="number" name="offset_seconds" value=(offset) required data-testid="clock-offset"; }
                        button.btn.btn-primary type="submit" { "Set clock" }
                    }
                }
                section.card data-testid="unlock-card" {
                    h2 { "Unlock an account" }
                    p.muted { "Clears the lock that 10 failed sign-ins or codes in 15 minutes put on an account, and its failure count." }
                    form.stack method="post" action="/tester/unlock" {
                        (csrf_field(page))
                        label.field { span.label { "Account e-mail" }
                            input.input type="email" name="email" required data-testid="unlock-email"; }
                        button.btn.btn-primary type="submit" data-testid="unlock-submit" { "Unlock" }
                    }
                }
                section.card data-testid="support-card" {
                    h2 { "Support: reset 2FA" }
                    p.muted { "What SmartPush support does for a lost device: two-step verification off, the account's sessions \
                        ended and its lock cleared, an e-mail to the user." }
                    form.stack method="post" action="/tester/support-reset" {
                        (csrf_field(page))
                        label.field { span.label { "Account e-mail" }
                            input.input type="email" name="email" required data-testid="support-email"; }
                        button.btn.btn-primary type="submit" { "Reset 2FA" }
                    }
                }
                section.card data-testid="reset-card" {
                    h2 { "Start over" }
                    p.muted { "Deletes every account, session, code and e-mail of this server, puts the clock back to real \
                        time, and creates again the accounts the server was started with (--demo, --seed)." }
                    form.stack method="post" action="/tester/reset" {
                        (csrf_field(page))
                        label.check { input type="checkbox" name="confirm" value="yes" required; " Yes, delete everything" }
                        button.btn.btn-danger type="submit" data-testid="reset-all" { "Reset the server" }
                    }
                }
            }
            (events_markup(events))
        }))
    }
}

/// The confirmation of a tester control (fixed sentences: nothing from the form is echoed).
fn confirmation(done: &str) -> Option<&'static str> {
    Some(match done {
        "risk" => "Risk set. It applies to the account's next sign-ins and to its open sessions.",
        "clock" => "Server clock changed (see its time below).",
        "support" => {
            "Two-step verification is off for that account: its secret and recovery codes are deleted, its \
             sessions ended, its lock cleared, and an e-mail went to the user."
        }
        "unlock" => "Account unlocked: its lock and failure count are cleared.",
        _ => return None,
    })
}

/// `GET /tester`.
pub async fn controls(State(state): State<AppState>, page: Page, Query(done): Query<Done>) -> Response {
    let message = done
        .done
        .as_deref()
        .and_then(confirmation)
        .map(|text| (Tone::Success, text));
    render(&state, &page, StatusCode::OK, message).await
}

async fn render(state: &AppState, page: &Page, status: StatusCode, message: Option<(Tone, &str)>) -> Response {
    let clock = service::tester::clock(state);
    let events = service::tester::events(state, None, None).await.unwrap_or_default();
    page.html(status, controls_markup(page, &clock, &events, message))
}

async fn refused(state: &AppState, page: &Page, error: &crate::error::AppError) -> Response {
    render(state, page, status_of(error), Some((Tone::Error, &friendly(error)))).await
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
        Err(e) => refused(&state, &page, &e).await,
    }
}

/// The clock forms: one of an offset, a frozen instant or a step.
#[derive(Deserialize)]
pub struct ClockForm {
    csrf: String,
    offset_seconds: Option<String>,
    frozen_at: Option<String>,
    advance_seconds: Option<String>,
}

/// `POST /tester/clock`: [`service::tester::change_clock`].
pub async fn set_clock(State(state): State<AppState>, page: Page, PageForm(form): PageForm<ClockForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let number = |field: &Option<String>| -> Result<Option<i64>, ()> {
        match field.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => text.parse::<i64>().map(Some).map_err(|_| ()),
        }
    };
    let request = match (
        number(&form.offset_seconds),
        number(&form.frozen_at),
        number(&form.advance_seconds),
    ) {
        (Ok(offset_seconds), Ok(frozen_at), Ok(advance_seconds)) => ClockRequest {
            offset_seconds,
            frozen_at,
            advance_seconds,
        },
        _ => {
            return render(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((Tone::Error, "The offset must be a whole number of seconds.")),
            )
            .await;
        }
    };
    match service::tester::change_clock(&state, request).await {
        Ok(_) => page.redirect("/tester?done=clock"),
        Err(e) => refused(&state, &page, &e).await,
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
        Err(e) => refused(&state, &page, &e).await,
    }
}

/// `POST /tester/unlock`: [`service::tester::unlock`].
pub async fn unlock(State(state): State<AppState>, page: Page, PageForm(form): PageForm<EmailForm>) -> Response {
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    match service::tester::unlock(&state, &form.email).await {
        Ok(()) => page.redirect("/tester?done=unlock"),
        Err(e) => refused(&state, &page, &e).await,
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
        Err(e) => refused(&state, &page, &e).await,
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
        return render(
            &state,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((Tone::Error, "Tick the box to confirm.")),
        )
        .await;
    }
    match service::tester::reset(&state).await {
        Ok(()) => {
            page.clear_session();
            page.redirect("/signin")
        }
        Err(e) => refused(&state, &page, &e).await,
    }
}
