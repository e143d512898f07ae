//! Exports: "Export contacts" and "Export campaign data", with the step-up prompt that 2FA
//! status and risk call for, then the CSV download.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::account::{ChallengeCodeForm, ChallengeResendForm};
use super::layout::{self, FactorForm, Nav, Tone, alert, csrf_field, shell, title};
use super::{Page, PageForm, flow_over, friendly, status_of};
use crate::AppState;
use crate::api::exports::csv_response;
use crate::model::{ExportKind, Method, SecurityView, StepUpChallenge, VerifyRequest};
use crate::service;
use crate::service::exports::ExportOutcome;
use crate::service::sessions::SessionInfo;

fn kind_label(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Contacts => "contacts",
        ExportKind::Campaigns => "campaign data",
    }
}

fn export_form(page: &Page, kind: ExportKind, label: &str, class: &str, testid: &str, autosubmit: bool) -> Markup {
    html! {
        form.inline method="post" action="/exports" data-autosubmit[autosubmit] {
            (csrf_field(page))
            input type="hidden" name="kind" value=(kind.as_str());
            button class=(class) type="submit" data-testid=(testid) { (label) }
        }
    }
}

/// What the exports page shows besides the two cards.
#[derive(Default)]
struct Extras<'a> {
    alert: Option<(Tone, &'a str)>,
    /// After a step-up: the export to download now (submitted by `app.js`, or by a click).
    download: Option<ExportKind>,
    suggest_2fa: bool,
    dialog: Option<Markup>,
}

fn exports_markup(page: &Page, view: Option<&SecurityView>, extras: Extras<'_>) -> Markup {
    shell(
        page,
        "Exports",
        Nav::Exports,
        html! {
            (title("Exports", Some("Download your SmartPush data as CSV files.")))
            @if let Some((tone, text)) = extras.alert { (alert(tone, text)) }
            @if let Some(kind) = extras.download {
                div.alert.alert-success role="status" data-testid="export-verified" {
                    "Identity verified. Your " (kind_label(kind)) " export is downloading. "
                    (export_form(page, kind, "Download again", "link-button", "download-again", true))
                }
            }
            @if extras.suggest_2fa {
                div.callout data-testid="suggest-2fa" {
                    div {
                        strong { "Protect your exports with two-step verification" }
                        p.muted { "With 2FA enabled, low-risk exports need no extra code, and nobody can sign in with \
                            your password alone." }
                    }
                    a.btn.btn-primary href="/account/2fa/enable" { "Enable two-step verification" }
                }
            }
            p.muted.lead {
                "Exports are sensitive operations. Depending on your sign-in's risk and on your two-step \
                 verification, we may ask you to verify your identity first."
                @if let Some(view) = view {
                    " Two-step verification: " strong data-testid="exports-2fa" {
                        @if view.two_factor.enabled { "on" } @else { "off" }
                    }
                    ", sign-in risk: " strong data-testid="exports-risk" { (view.session_risk.as_str()) } "."
                }
            }
            div.grid-2 {
                section.card.export-card data-testid="card-contacts" {
                    h2 { "Contacts" }
                    p.muted { "Every contact with e-mail address, name, subscription status and sign-up date." }
                    (export_form(page, ExportKind::Contacts, "Export contacts", "btn btn-primary", "export-contacts", false))
                }
                section.card.export-card data-testid="card-campaigns" {
                    h2 { "Campaign data" }
                    p.muted { "Every campaign with channel, send date, recipients, opens and clicks." }
                    (export_form(page, ExportKind::Campaigns, "Export campaign data", "btn btn-primary", "export-campaigns", false))
                }
            }
            @if let Some(dialog) = extras.dialog { (dialog) }
        },
    )
}

fn step_up_dialog(
    page: &Page,
    kind: ExportKind,
    challenge_id: &str,
    methods: &[Method],
    recovery_first: bool,
    message: Option<(Tone, &str)>,
) -> Markup {
    let email_only = !methods.contains(&Method::RecoveryCode);
    html! {
        div.modal-backdrop {
            div.modal role="dialog" aria-modal="true" aria-labelledby="step-up-title" data-testid="step-up-dialog" {
                h2 #step-up-title { "Verify your identity" }
                p.muted {
                    "To export " (kind_label(kind)) ", confirm it's you."
                    @if email_only { " We sent a 6-digit code to your e-mail address." }
                }
                @if let Some((tone, text)) = message { (alert(tone, text)) }
                (layout::factor_forms(page, &FactorForm {
                    action: "/exports/verify",
                    challenge_id,
                    methods,
                    recovery_first,
                    hidden: &[("kind", kind.as_str())],
                    submit: "Verify and export",
                    resend_action: Some("/exports/resend"),
                }))
                p.center { a href="/exports" data-testid="cancel-step-up" { "Cancel" } }
            }
        }
    }
}

async fn view(state: &AppState, session: &SessionInfo) -> Option<SecurityView> {
    service::accounts::security(state, session).await.ok()
}

/// `GET /exports`.
pub async fn page(State(state): State<AppState>, page: Page) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    let view = view(&state, &session).await;
    page.ok(exports_markup(&page, view.as_ref(), Extras::default()))
}

/// An export button.
#[derive(Deserialize)]
pub struct ExportForm {
    csrf: String,
    kind: String,
}

/// `POST /exports`: [`service::exports::export`]: the CSV, or the step-up prompt.
pub async fn export(State(state): State<AppState>, page: Page, PageForm(form): PageForm<ExportForm>) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let Some(kind) = ExportKind::parse(&form.kind) else {
        let view = view(&state, &session).await;
        let extras = Extras {
            alert: Some((Tone::Error, "Choose what to export.")),
            ..Extras::default()
        };
        return page.html(
            StatusCode::UNPROCESSABLE_ENTITY,
            exports_markup(&page, view.as_ref(), extras),
        );
    };
    match service::exports::export(&state, &session, kind).await {
        Ok(ExportOutcome::File(file)) => page.finish(csv_response(file)),
        Ok(ExportOutcome::VerificationRequired(StepUpChallenge {
            challenge_id, methods, ..
        })) => {
            let view = view(&state, &session).await;
            let extras = Extras {
                dialog: Some(step_up_dialog(&page, kind, &challenge_id, &methods, false, None)),
                ..Extras::default()
            };
            page.html(StatusCode::FORBIDDEN, exports_markup(&page, view.as_ref(), extras))
        }
        Err(e) => {
            let view = view(&state, &session).await;
            let message = friendly(&e);
            let extras = Extras {
                alert: Some((Tone::Error, &message)),
                ..Extras::default()
            };
            page.html(status_of(&e), exports_markup(&page, view.as_ref(), extras))
        }
    }
}

/// `POST /exports/verify`: [`service::exports::verify`]. On success the page says so and
/// downloads the export (`app.js` submits the export form, which the step-up now lets through);
/// with 2FA off it suggests enabling it.
pub async fn verify(
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
    let kind = ExportKind::parse(&form.kind).unwrap_or(ExportKind::Contacts);
    let methods = layout::parse_methods(&form.methods);
    let Some(method) = Method::parse(&form.method) else {
        return page.redirect("/exports");
    };
    let request = VerifyRequest {
        challenge_id: form.challenge_id.clone(),
        method,
        code: form.code,
    };
    let result = service::exports::verify(&state, &session, request).await;
    let view = view(&state, &session).await;
    match result {
        Ok(file) => {
            let extras = Extras {
                download: Some(file.kind),
                suggest_2fa: file.suggest_2fa,
                ..Extras::default()
            };
            page.ok(exports_markup(&page, view.as_ref(), extras))
        }
        Err(e) if flow_over(&e) => {
            let message = friendly(&e);
            let extras = Extras {
                alert: Some((Tone::Error, &message)),
                ..Extras::default()
            };
            page.html(status_of(&e), exports_markup(&page, view.as_ref(), extras))
        }
        Err(e) => {
            let message = friendly(&e);
            let dialog = step_up_dialog(
                &page,
                kind,
                &form.challenge_id,
                &methods,
                method == Method::RecoveryCode,
                Some((Tone::Error, &message)),
            );
            let extras = Extras {
                dialog: Some(dialog),
                ..Extras::default()
            };
            page.html(status_of(&e), exports_markup(&page, view.as_ref(), extras))
        }
    }
}

/// `POST /exports/resend`: [`service::challenge::resend`].
pub async fn resend(
    State(state): State<AppState>,
    page: Page,
    PageForm(form): PageForm<ChallengeResendForm>,
) -> Response {
    let Some(session) = page.session.clone() else {
        return page.to_sign_in();
    };
    if !page.check(&form.csrf) {
        return page.forbidden();
    }
    let kind = ExportKind::parse(&form.kind).unwrap_or(ExportKind::Contacts);
    let methods = layout::parse_methods(&form.methods);
    let result = service::challenge::resend(&state, form.challenge_id.clone()).await;
    let view = view(&state, &session).await;
    let (status, message) = match &result {
        Ok(_) => (
            StatusCode::OK,
            (
                Tone::Info,
                "We sent a new code. The previous one no longer works.".to_owned(),
            ),
        ),
        Err(e) if flow_over(e) => {
            let message = friendly(e);
            let extras = Extras {
                alert: Some((Tone::Error, &message)),
                ..Extras::default()
            };
            return page.html(status_of(e), exports_markup(&page, view.as_ref(), extras));
        }
        Err(e) => (status_of(e), (Tone::Error, friendly(e))),
    };
    let extras = Extras {
        dialog: Some(step_up_dialog(
            &page,
            kind,
            &form.challenge_id,
            &methods,
            false,
            Some((message.0, &message.1)),
        )),
        ..Extras::default()
    };
    page.html(status, exports_markup(&page, view.as_ref(), extras))
}
