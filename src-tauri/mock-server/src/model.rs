//! Request and response bodies of the API (also what the service layer returns, so the web pages
//! can render the same values). Fields holding a password, code, secret or token are
//! [`SecretString`]s: zeroized on drop and redacted in `Debug`.

use serde::{Deserialize, Serialize};
use smartpush_core::SecretString;
use utoipa::ToSchema;

/// A way to answer a verification challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A code from an authenticator app (TOTP, SHA1, 6 digits, 30 s).
    Totp,
    /// A 6-digit code e-mailed to the account.
    Email,
    /// One of the account's recovery codes (each works once).
    RecoveryCode,
}

impl Method {
    /// The name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::Email => "email",
            Method::RecoveryCode => "recovery_code",
        }
    }

    /// Parses [`Method::as_str`].
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "totp" => Some(Method::Totp),
            "email" => Some(Method::Email),
            "recovery_code" => Some(Method::RecoveryCode),
            _ => None,
        }
    }
}

/// The second factor an account has chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactorMethod {
    /// Authenticator app.
    Totp,
    /// E-mailed code.
    Email,
}

impl TwoFactorMethod {
    /// The name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TwoFactorMethod::Totp => "totp",
            TwoFactorMethod::Email => "email",
        }
    }

    /// Parses [`TwoFactorMethod::as_str`].
    pub fn parse(name: &str) -> Option<TwoFactorMethod> {
        match name {
            "totp" => Some(TwoFactorMethod::Totp),
            "email" => Some(TwoFactorMethod::Email),
            _ => None,
        }
    }

    /// The challenge method of this factor.
    pub fn method(self) -> Method {
        match self {
            TwoFactorMethod::Totp => Method::Totp,
            TwoFactorMethod::Email => Method::Email,
        }
    }
}

/// The mock's risk level of an account or session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Nothing suspicious.
    Low,
    /// Set through `/mock/risk`, or a sign-in from a device the account never completed one from.
    High,
}

impl RiskLevel {
    /// The name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::High => "high",
        }
    }

    /// Parses [`RiskLevel::as_str`]; anything else is low.
    pub fn parse(name: &str) -> RiskLevel {
        if name == "high" {
            RiskLevel::High
        } else {
            RiskLevel::Low
        }
    }
}

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Contact data.
    Contacts,
    /// Campaign data.
    Campaigns,
}

impl ExportKind {
    /// The name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Contacts => "contacts",
            ExportKind::Campaigns => "campaigns",
        }
    }

    /// Parses [`ExportKind::as_str`].
    pub fn parse(name: &str) -> Option<ExportKind> {
        match name {
            "contacts" => Some(ExportKind::Contacts),
            "campaigns" => Some(ExportKind::Campaigns),
            _ => None,
        }
    }
}

/// `POST /api/accounts`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccount {
    /// The e-mail address (stored in lower case; one account per address).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// The password: 8 to 256 characters.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
    pub password: SecretString,
}

/// `POST /api/session`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    /// The e-mail address (compared without regard to case).
    pub email: String,
    /// The password (at least 8 characters when registering).
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// `201` of `POST /api/accounts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// The address, as stored (lower case).
    pub email: String,
}

/// Whether a sign-in is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInStatus {
    /// A session token is issued.
    Authenticated,
    /// 2FA is on: answer the challenge with the account's method or a recovery code.
    SecondFactorRequired,
    /// 2FA is off but the risk is high: answer the challenge with the e-mailed code.
    EmailVerificationRequired,
}

/// `200` of `POST /api/session` and `POST /api/session/verify`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignIn {
    /// Where the sign-in stands.
    pub status: SignInStatus,
    /// The bearer token (when `authenticated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub token: Option<SecretString>,
    /// The challenge to answer at `POST /api/session/verify` (otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// The methods the challenge accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<Method>>,
    /// When the challenge expires (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// After a recovery code was used: how many unused codes are left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes_remaining: Option<u32>,
}

/// Answer to a challenge: `POST /api/session/verify`, `/api/2fa/disable/verify`, `/api/exports/verify`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The challenge.
    pub challenge_id: String,
    /// How it is answered; one of the challenge's `methods`.
    pub method: Method,
    /// The code: 6 digits (TOTP, e-mail) or a 12-character recovery code (case, spaces and
    /// dashes ignored).
    #[schema(value_type = String)]
    pub code: SecretString,
}

/// `202` of `POST /api/challenges/{id}/resend` and `POST /api/2fa/enrollment/{id}/resend`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Resent {
    /// The new code is valid until then (RFC 3339); the previous one no longer works.
    pub code_expires_at: String,
    /// The next resend is possible after this many seconds.
    pub retry_after: i64,
}

/// `200` of `GET /api/account/security`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecurityView {
    /// The account's address.
    pub email: String,
    /// Its 2FA settings.
    pub two_factor: TwoFactorView,
    /// This session's risk level (mock information).
    pub session_risk: RiskLevel,
    /// This session's step-up for exports lasts until then (RFC 3339), if any.
    pub step_up_until: Option<String>,
}

/// The 2FA part of [`SecurityView`].
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorView {
    /// "Two-Factor Authentication Enabled".
    pub enabled: bool,
    /// The method, when enabled.
    pub method: Option<TwoFactorMethod>,
    /// When it was enabled (RFC 3339).
    pub enabled_at: Option<String>,
    /// Unused recovery codes.
    pub recovery_codes_remaining: u32,
    /// True when 2FA is on and fewer than 4 recovery codes remain.
    pub recovery_codes_low: bool,
    /// A sentence for the person when `recovery_codes_low`.
    pub warning: Option<String>,
}

/// `POST /api/2fa/enrollment` and `POST /api/2fa/disable`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordRequest {
    /// The account's password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// A wizard step of the enable flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStep {
    /// Enter the code e-mailed to the current address.
    VerifyEmail,
    /// Choose the app or e-mail.
    ChooseMethod,
    /// Enter a code of the chosen method.
    Confirm,
}

impl EnrollmentStep {
    /// The name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentStep::VerifyEmail => "verify_email",
            EnrollmentStep::ChooseMethod => "choose_method",
            EnrollmentStep::Confirm => "confirm",
        }
    }
}

/// `201` of `POST /api/2fa/enrollment`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentStarted {
    /// The enrollment, valid 15 minutes.
    pub enrollment_id: String,
    /// Always `verify_email`: a code was e-mailed.
    pub step: EnrollmentStep,
    /// When the enrollment expires (RFC 3339).
    pub expires_at: String,
}

/// A code for a wizard step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The code.
    #[schema(value_type = String)]
    pub code: SecretString,
}

/// `200` of `POST /api/2fa/enrollment/{id}/email`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepAnswer {
    /// The next step.
    pub step: EnrollmentStep,
}

/// `POST /api/2fa/enrollment/{id}/method`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MethodRequest {
    /// `totp` or `email`.
    pub method: TwoFactorMethod,
}

/// `200` of `POST /api/2fa/enrollment/{id}/method`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MethodChosen {
    /// Always `confirm`.
    pub step: EnrollmentStep,
    /// The chosen method.
    pub method: TwoFactorMethod,
    /// TOTP: the base32 secret (the "manual key").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub secret: Option<SecretString>,
    /// TOTP: `otpauth://totp/SmartPush:<email>?secret=…&issuer=SmartPush&algorithm=SHA1&digits=6&period=30`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub otpauth_uri: Option<SecretString>,
    /// TOTP: the same URI as a QR code, a `data:image/png;base64,` URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub qr_png: Option<SecretString>,
}

/// `200` of `POST /api/2fa/enrollment/{id}/confirm`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enabled {
    /// Always true.
    pub enabled: bool,
    /// The method now required at sign-in.
    pub method: TwoFactorMethod,
    /// Ten single-use recovery codes, shown this once.
    #[schema(value_type = Vec<String>)]
    pub recovery_codes: Vec<SecretString>,
    /// When 2FA was enabled (RFC 3339).
    pub enabled_at: String,
}

/// `200` of `POST /api/2fa/disable`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisableStarted {
    /// The challenge to answer at `POST /api/2fa/disable/verify`.
    pub challenge_id: String,
    /// The account's method and `recovery_code`.
    pub methods: Vec<Method>,
    /// When the challenge expires (RFC 3339).
    pub expires_at: String,
}

/// `200` of `POST /api/2fa/disable/verify`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisableVerified {
    /// Always `confirm`.
    pub step: String,
}

/// `POST /api/2fa/disable/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChallengeRef {
    /// The verified disable challenge.
    pub challenge_id: String,
}

/// `200` of `POST /api/2fa/disable/confirm`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Disabled {
    /// Always false.
    pub enabled: bool,
}

/// `POST /api/exports`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExportRequest {
    /// `contacts` or `campaigns`.
    pub kind: ExportKind,
}

/// An export file.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// What was exported.
    pub kind: ExportKind,
    /// The CSV text.
    pub csv: String,
    /// 2FA is off: suggest enabling it (`X-Suggest-2FA: enable`).
    pub suggest_2fa: bool,
}

/// A verification the export needs first (answered as 403 `verification_required`).
#[derive(Debug, Clone)]
pub struct StepUpChallenge {
    /// The challenge to answer at `POST /api/exports/verify`.
    pub challenge_id: String,
    /// The methods it accepts.
    pub methods: Vec<Method>,
    /// When it expires (RFC 3339).
    pub expires_at: String,
}

/// One e-mail of the mock outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    /// Increasing id.
    pub id: i64,
    /// The recipient.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The code it carries, if any (the mock shows it so testers need no mail client).
    pub code: Option<String>,
    /// When it was sent (RFC 3339, mock clock).
    pub sent_at: String,
}

/// `?to=` of `GET /mock/outbox`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only messages to this address.
    pub to: Option<String>,
}

/// `POST /mock/clock`: exactly one of the three members.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// Seconds added to real time (absolute; 0 restores real time and lets a frozen clock run),
    /// within ±100 years.
    #[schema(minimum = -3_162_240_000i64, maximum = 3_162_240_000i64)]
    pub offset_seconds: Option<i64>,
    /// The clock stands still at this Unix time (seconds) until it is changed.
    pub frozen_at: Option<i64>,
    /// Moves the running or frozen clock by this many seconds (negative: back).
    pub advance_seconds: Option<i64>,
}

/// `200` of `POST /mock/clock` and `GET /mock/clock`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// The server's time now (RFC 3339).
    pub now: String,
    /// The server's time now (unix seconds).
    pub now_unix: i64,
    /// The offset from real time.
    pub offset_seconds: i64,
    /// True while the clock stands still (`frozen_at`).
    pub frozen: bool,
}

/// The second factor of an account created by `POST /mock/accounts` (or `serve --seed`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedTwoFactor {
    /// The method.
    pub method: TwoFactorMethod,
    /// The TOTP secret in base32 (method `totp`); generated when missing.
    #[schema(value_type = Option<String>)]
    pub secret: Option<SecretString>,
    /// The recovery codes (12 characters of `A–Z2–9` without `0O1I`; dashes and spaces are
    /// ignored); ten are generated when missing.
    #[schema(value_type = Option<Vec<String>>)]
    pub recovery_codes: Option<Vec<SecretString>>,
}

/// `POST /mock/accounts`: an account that exists at once in this state.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    /// The e-mail address.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// The password (8 to 256 characters).
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 256)]
    pub password: SecretString,
    /// 2FA on with this method (off when missing).
    pub two_factor: Option<SeedTwoFactor>,
    /// The account's risk (default low).
    pub risk: Option<RiskLevel>,
    /// `X-Device-Id` values the account has signed in from before.
    pub known_devices: Option<Vec<String>>,
}

/// `serve --seed FILE`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    /// The accounts to create.
    pub accounts: Vec<SeedAccount>,
}

/// The second factor of a seeded account, with its secrets (answered once, to the tester).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeededTwoFactor {
    /// The method.
    pub method: TwoFactorMethod,
    /// The TOTP secret in base32 (`null` for the e-mail method).
    #[schema(value_type = Option<String>)]
    pub secret: Option<SecretString>,
    /// The otpauth URI of the secret (`null` for the e-mail method).
    #[schema(value_type = Option<String>)]
    pub otpauth_uri: Option<SecretString>,
    /// The recovery codes, each working once.
    #[schema(value_type = Vec<String>)]
    pub recovery_codes: Vec<SecretString>,
}

/// `201` of `POST /mock/accounts`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeededAccount {
    /// The address (lower case).
    pub email: String,
    /// 2FA, when on.
    pub two_factor: Option<SeededTwoFactor>,
}

/// The 2FA state in `GET /mock/accounts`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MockTwoFactorView {
    /// On or off.
    pub enabled: bool,
    /// The method, when on.
    pub method: Option<TwoFactorMethod>,
    /// Unused recovery codes.
    pub recovery_codes_remaining: u32,
}

/// One account in `GET /mock/accounts` (no secret, no hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MockAccountView {
    /// The address.
    pub email: String,
    /// 2FA.
    pub two_factor: MockTwoFactorView,
    /// The risk set for the account.
    pub risk: RiskLevel,
    /// Locked until then (RFC 3339), when locked now.
    pub locked_until: Option<String>,
    /// Failed sign-ins and codes counted in the lockout window now.
    pub failed_attempts: u32,
    /// Devices the account completed a sign-in from.
    pub known_devices: Vec<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// One line of `GET /mock/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    /// Increasing id (pass it as `after` to read only newer events).
    pub id: i64,
    /// When (RFC 3339, mock clock).
    pub at: String,
    /// The address concerned, if any.
    pub email: Option<String>,
    /// What happened: `signup`, `signin_succeeded`, `signin_failed`, `challenge_sent`,
    /// `second_factor_succeeded`, `second_factor_failed`, `recovery_code_used`, `locked`,
    /// `unlocked`, `enrollment_started`, `two_factor_enabled`, `two_factor_disabled`,
    /// `step_up_required`, `step_up_succeeded`, `export`, `support_reset`, `risk_set`,
    /// `clock_set`, `password_failed`, `enrollment_code_failed`.
    pub kind: String,
    /// Particulars (never a password, secret, code or token).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// The query of `GET /mock/events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events with a larger id.
    pub after: Option<i64>,
    /// Only events about this address.
    pub email: Option<String>,
}

/// The query of `GET /mock/outbox/next`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxNextQuery {
    /// The recipient.
    pub to: String,
    /// Only a message with a larger id (without it: one sent after the call).
    pub after: Option<i64>,
    /// Seconds to wait, at most 30 (default 10).
    #[param(minimum = 0, maximum = 30)]
    pub timeout: Option<u64>,
}

/// `POST /mock/risk`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RiskRequest {
    /// The account.
    pub email: String,
    /// The new level; also applied to the account's open sessions.
    pub level: RiskLevel,
}

/// `POST /mock/support/reset-2fa`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailRequest {
    /// The account.
    pub email: String,
}

/// `200` of `POST /mock/support/reset-2fa`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportReset {
    /// The account.
    pub email: String,
    /// Always false.
    pub two_factor_enabled: bool,
}

/// One account as the tester's panel lists it ([`crate::service::tester::accounts`]): no
/// secret, no hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountSummary {
    /// The address (lower case).
    pub email: String,
    /// Whether Two-Factor Authentication is on.
    pub two_factor_enabled: bool,
    /// The method, when it is on.
    pub method: Option<TwoFactorMethod>,
    /// The risk set through `/mock/risk`.
    pub risk: RiskLevel,
    /// Unused recovery codes (0 while 2FA is off).
    pub recovery_codes_remaining: u32,
    /// Locked after repeated failures until then (RFC 3339, mock clock), if locked now.
    pub locked_until: Option<String>,
}

/// A PNG image (for the OpenAPI description of binary answers).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PngImage(pub Vec<u8>);
