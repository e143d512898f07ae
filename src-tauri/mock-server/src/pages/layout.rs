//! The page frame (top bar, the "Account Management" navigation) and the small pieces every
//! page uses: alerts, the CSRF field, the second-factor forms.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Page;
use crate::model::Method;

/// Where a page sits in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// Account & security (and the 2FA wizards).
    Security,
    /// Exports.
    Exports,
    /// The mock outbox.
    Outbox,
    /// The tester controls.
    Tester,
    /// Nothing highlighted.
    None,
}

/// The kind of an alert box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Red: a refusal.
    Error,
    /// Green: done.
    Success,
    /// Blue: for information.
    Info,
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · SmartPush" }
            link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
            link rel="stylesheet" href="/static/app.css";
            script src="/static/app.js" defer {}
        }
    }
}

/// The SmartPush mark and name.
pub fn logo() -> Markup {
    html! {
        span.logo {
            svg.logo-mark viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" {
                rect width="32" height="32" rx="8" fill="#1f6bff" {}
                path d="M21.5 10.2c-1.3-1.2-3.2-1.9-5.3-1.9-3.6 0-6 1.9-6 4.6 0 2.6 2 3.7 5.2 4.4 2.2.5 3 .9 3 1.8 0 1-1 1.6-2.7 1.6-1.8 0-3.4-.7-4.6-1.9l-2 2.4c1.6 1.6 3.9 2.5 6.5 2.5 3.9 0 6.4-1.9 6.4-4.8 0-2.6-1.8-3.8-5.3-4.5-2.1-.4-2.9-.8-2.9-1.6 0-.9.9-1.5 2.4-1.5 1.4 0 2.8.5 3.9 1.4z" fill="#fff" {}
            }
            span.logo-name { "SmartPush" }
        }
    }
}

fn icon(name: &str) -> Markup {
    let path = match name {
        "shield" => {
            "M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3zm-1 14-4-4 1.4-1.4L11 13.2l4.6-4.6L17 10l-6 6z"
        }
        "export" => "M5 20h14v-2H5v2zM12 2 6.5 7.5 7.9 8.9 11 5.8V16h2V5.8l3.1 3.1 1.4-1.4L12 2z",
        "mail" => "M20 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm0 4-8 5-8-5V6l8 5 8-5v2z",
        _ => {
            "M3 17v2h6v-2H3zM3 5v2h10V5H3zm10 16v-2h8v-2h-8v-2h-2v6h2zM7 9v2H3v2h4v2h2V9H7zm14 4v-2H11v2h10zm-6-4h2V7h4V5h-4V3h-2v6z"
        }
    };
    html! {
        svg.icon viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" { path d=(path) fill="currentColor" {} }
    }
}

fn nav_link(href: &str, label: &str, icon_name: &str, active: bool, testid: &str) -> Markup {
    html! {
        a.nav-link.active[active] href=(href) data-testid=(testid) aria-current=[active.then_some("page")] {
            (icon(icon_name)) span { (label) }
        }
    }
}

/// The frame of the signed-in pages (and of the tester pages): top bar with the account and
/// "Sign out", the left navigation, the content.
pub fn shell(page: &Page, title: &str, nav: Nav, content: Markup) -> Markup {
    let signed_in = page.session.as_ref();
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.app {
                header.topbar {
                    a.brand href="/" { (logo()) }
                    div.topbar-right {
                        @if let Some(session) = signed_in {
                            span.account-chip data-testid="account-email" { (session.email) }
                            form.inline method="post" action="/signout" {
                                (csrf_field(page))
                                button.btn.btn-ghost type="submit" data-testid="sign-out" { "Sign out" }
                            }
                        } @else {
                            a.btn.btn-ghost href="/signin" data-testid="sign-in-link" { "Sign in" }
                        }
                    }
                }
                div.frame {
                    nav.sidenav aria-label="Account Management" {
                        @if signed_in.is_some() {
                            div.nav-title { "Account Management" }
                            (nav_link("/account/security", "Account & security", "shield", nav == Nav::Security, "nav-security"))
                            (nav_link("/exports", "Exports", "export", nav == Nav::Exports, "nav-exports"))
                        }
                        div.nav-title { "Tester tools" }
                        (nav_link("/mock/outbox", "Outbox", "mail", nav == Nav::Outbox, "nav-outbox"))
                        (nav_link("/tester", "Tester controls", "sliders", nav == Nav::Tester, "nav-tester"))
                        div.nav-foot { "Mock server · not the real SmartPush" }
                    }
                    main.content {
                        (content)
                    }
                }
            }
        }
    }
}

/// The frame of the pages before sign-in: a centred card under the logo.
pub fn auth_shell(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.auth {
                div.auth-wrap {
                    a.auth-logo href="/" { (logo()) }
                    div.auth-card { (content) }
                    p.auth-foot {
                        "A mock of SmartPush for testing. "
                        a href="/mock/outbox" data-testid="outbox-link" { "Outbox" }
                        " · "
                        a href="/tester" { "Tester controls" }
                    }
                }
            }
        }
    }
}

/// A page with a title and one sentence (errors outside a flow, expired forms).
pub fn message_page(page: &Page, title: &str, text: &str) -> Markup {
    let body = html! {
        h1 { (title) }
        (alert(Tone::Error, text))
        p { a.btn.btn-secondary href="/" { "Back to SmartPush" } }
    };
    if page.session.is_some() {
        shell(page, title, Nav::None, body)
    } else {
        auth_shell(title, body)
    }
}

/// An alert box.
pub fn alert(tone: Tone, text: &str) -> Markup {
    let (class, testid, role) = match tone {
        Tone::Error => ("alert alert-error", "error", "alert"),
        Tone::Success => ("alert alert-success", "notice", "status"),
        Tone::Info => ("alert alert-info", "info", "status"),
    };
    html! { div class=(class) role=(role) data-testid=(testid) { (text) } }
}

/// An optional error alert.
pub fn error(text: Option<&str>) -> Markup {
    html! { @if let Some(text) = text { (alert(Tone::Error, text)) } }
}

/// The hidden CSRF field of a form.
pub fn csrf_field(page: &Page) -> Markup {
    html! { input type="hidden" name="csrf" value=(page.csrf()); }
}

/// The page title block.
pub fn title(text: &str, subtitle: Option<&str>) -> Markup {
    html! {
        div.page-head {
            h1 { (text) }
            @if let Some(sub) = subtitle { p.subtitle { (sub) } }
        }
    }
}

/// What a second-factor form needs: where it posts, the challenge, the methods it accepts,
/// which one to show first, and the hidden fields to carry along.
pub struct FactorForm<'a> {
    /// The form's action.
    pub action: &'a str,
    /// The challenge id.
    pub challenge_id: &'a str,
    /// The methods the challenge accepts.
    pub methods: &'a [Method],
    /// Show the recovery-code form first (after a wrong recovery code).
    pub recovery_first: bool,
    /// Extra hidden fields.
    pub hidden: &'a [(&'a str, &'a str)],
    /// The label of the submit button.
    pub submit: &'a str,
    /// Where "Resend code" posts, for e-mail codes.
    pub resend_action: Option<&'a str>,
}

fn methods_field(methods: &[Method]) -> String {
    methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",")
}

/// Parses the hidden `methods` field back (unknown names are dropped).
pub fn parse_methods(text: &str) -> Vec<Method> {
    text.split(',').filter_map(|m| Method::parse(m.trim())).collect()
}

fn code_form(page: &Page, form: &FactorForm<'_>, method: Method) -> Markup {
    let (label, hint, autocomplete, pattern, maxlength, testid) = match method {
        Method::Totp => (
            "Authentication app code",
            "Open your authenticator app and enter the 6-digit code shown for SmartPush.",
            "one-time-code",
            Some("[0-9 ]{6,7}"),
            "7",
            "totp-code",
        ),
        Method::Email => (
            "E-mail verification code",
            "Enter the 6-digit code we sent to your account's e-mail address. It is valid for 10 minutes.",
            "one-time-code",
            Some("[0-9 ]{6,7}"),
            "7",
            "email-code",
        ),
        Method::RecoveryCode => (
            "Recovery code",
            "Enter one of your unused 12-character recovery codes. Each code works once.",
            "off",
            None,
            "20",
            "recovery-code-input",
        ),
    };
    html! {
        form.stack method="post" action=(form.action) data-testid=(format!("form-{}", method.as_str())) {
            (csrf_field(page))
            input type="hidden" name="challenge_id" value=(form.challenge_id);
            input type="hidden" name="method" value=(method.as_str());
            input type="hidden" name="methods" value=(methods_field(form.methods));
            @for (name, value) in form.hidden { input type="hidden" name=(name) value=(value); }
            label.field {
                span.label { (label) }
                input.input.code-input type="text" name="code" required autocomplete=(autocomplete)
                    inputmode=[(method != Method::RecoveryCode).then_some("numeric")]
                    pattern=[pattern] maxlength=(maxlength) spellcheck="false"
                    autofocus[method != Method::RecoveryCode || form.recovery_first]
                    data-testid=(testid);
                span.hint { (hint) }
            }
            button.btn.btn-primary.btn-block type="submit" data-testid=(format!("submit-{}", method.as_str())) { (form.submit) }
        }
    }
}

/// The second-factor step: the primary method's form and, when recovery codes are accepted,
/// a "Use recovery code" link that swaps in the recovery-code form (CSS `:target`, no script
/// needed).
pub fn factor_forms(page: &Page, form: &FactorForm<'_>) -> Markup {
    let primary = form.methods.iter().copied().find(|m| *m != Method::RecoveryCode);
    let recovery = form.methods.contains(&Method::RecoveryCode);
    let resend = match (primary, form.resend_action) {
        (Some(Method::Email), Some(action)) => Some(action),
        _ => None,
    };
    html! {
        div.factor {
            @if recovery {
                section #recovery.factor-alt.shown[form.recovery_first || primary.is_none()] data-testid="recovery-section" {
                    p.lead data-testid="recovery-lead" { "Enter one of the recovery codes you saved when you enabled two-step verification." }
                    (code_form(page, form, Method::RecoveryCode))
                    @if primary.is_some() {
                        p.switch { a href="#primary" data-testid="use-primary-method" {
                            @if primary == Some(Method::Totp) { "Use your authentication app instead" } @else { "Use an e-mail code instead" }
                        } }
                    }
                }
            }
            @if let Some(method) = primary {
                section #primary.factor-main.hidden[recovery && form.recovery_first] data-testid="primary-section" {
                    p.lead data-testid="primary-lead" {
                        @match method {
                            Method::Totp => "Enter the code from your authentication app.",
                            _ => "Enter the code we sent to your e-mail address.",
                        }
                    }
                    (code_form(page, form, method))
                    @if let Some(action) = resend {
                        form.inline.resend method="post" action=(action) {
                            (csrf_field(page))
                            input type="hidden" name="challenge_id" value=(form.challenge_id);
                            input type="hidden" name="methods" value=(methods_field(form.methods));
                            @for (name, value) in form.hidden { input type="hidden" name=(name) value=(value); }
                            span.muted { "Didn't get a code? " }
                            button.link-button type="submit" data-testid="resend-code" { "Resend code" }
                        }
                    }
                    @if recovery {
                        p.switch { a href="#recovery" data-testid="use-recovery-code" { "Use recovery code" } }
                    }
                }
            }
            @if recovery {
                p.switch.muted data-testid="lost-device" {
                    "Lost your device? " a href="/support" target="_blank" data-testid="contact-support" { "Contact support" }
                }
            }
        }
    }
}

/// A notice shown after a redirect (`?done=…`): fixed sentences only, nothing echoed.
pub fn notice(done: Option<&str>) -> Markup {
    let text = match done {
        Some("signed_up") => "Your account is ready. Sign in to continue.",
        Some("signed_out") => "You are signed out.",
        Some("enabled") => "Two-Factor Authentication is enabled.",
        Some("disabled") => "Two-step verification is disabled. Your account is less protected now.",
        Some("recovery_used") => "You signed in with a recovery code; that code no longer works.",
        Some("tester") => "Done.",
        _ => return html! {},
    };
    alert(Tone::Success, text)
}

/// A raw SVG tick for badges.
pub fn tick() -> Markup {
    PreEscaped(
        r#"<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z"/></svg>"#
            .to_owned(),
    )
}
