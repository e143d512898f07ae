//! The JSON API: thin handlers over [`crate::service`], each documented for `/openapi.json`
//! with `utoipa` (the document is generated from these annotations, so it lists what the
//! handlers answer).

pub mod accounts;
pub mod exports;
pub mod session;
pub mod tester;
pub mod two_factor;

use std::collections::BTreeMap;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{PROBLEM_JSON, Problem};

/// The OpenAPI document's fixed parts; paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "SmartPush mock server",
        description = "SmartPush's account-security flows (sign-in, 2FA, recovery codes, risk-based and \
step-up verification) for testing an authenticator. Errors are RFC 9457 application/problem+json; \
`type` is the problem's short name (e.g. `invalid_code`).",
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration and account security"),
        (name = "session", description = "Sign-in, second step, sign-out"),
        (name = "2fa", description = "Enabling and disabling two-factor authentication"),
        (name = "exports", description = "Sensitive operations with step-up verification"),
        (name = "mock", description = "Tester controls (loopback only)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route of the API with its OpenAPI description (the web pages are added beside it).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::security))
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::verify))
        .routes(routes!(session::resend))
        .routes(routes!(two_factor::enrollment_start))
        .routes(routes!(two_factor::enrollment_email))
        .routes(routes!(two_factor::enrollment_method))
        .routes(routes!(two_factor::enrollment_confirm))
        .routes(routes!(two_factor::enrollment_qr))
        .routes(routes!(two_factor::enrollment_resend))
        .routes(routes!(two_factor::disable_start))
        .routes(routes!(two_factor::disable_verify))
        .routes(routes!(two_factor::disable_confirm))
        .routes(routes!(exports::export))
        .routes(routes!(exports::verify))
}

/// The tester controls, mounted behind the loopback guard.
pub fn tester_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tester::outbox, tester::clear_outbox))
        .routes(routes!(tester::clock, tester::set_clock))
        .routes(routes!(tester::set_risk))
        .routes(routes!(tester::support_reset_2fa))
        .routes(routes!(tester::reset))
        .routes(routes!(tester::accounts, tester::create_account))
        .routes(routes!(tester::unlock))
        .routes(routes!(tester::outbox_next))
        .routes(routes!(tester::events))
}

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

fn responses(list: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, description)| ((*status).to_owned(), problem(description)))
        .collect()
}

/// Refusals of any endpoint with a JSON body: 400, 413, 415, 422.
pub struct BodyProblems;

impl IntoResponses for BodyProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            ("400", "`malformed_json`: the body is not JSON"),
            ("413", "`payload_too_large`: the body is over 64 KiB"),
            ("415", "`unsupported_media_type`: the body is not application/json"),
            (
                "422",
                "`invalid_body`: missing fields or wrong types (and the endpoint's own checks)",
            ),
        ])
    }
}

/// Refusal of any endpoint that needs a session: 401.
pub struct AuthProblems;

impl IntoResponses for AuthProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[(
            "401",
            "`unauthorized`: no bearer token, or an unknown, signed-out or expired one",
        )])
    }
}

/// Refusals of the tester controls: 403 for a non-loopback peer.
pub struct TesterProblems;

impl IntoResponses for TesterProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            (
                "403",
                "`forbidden`: only loopback peers may use the tester controls; a cross-site `Origin`; or a \
state-changing request without `Content-Type: application/json`",
            ),
            ("421", "`misdirected_request`: the `Host` is not a name of this server"),
        ])
    }
}
