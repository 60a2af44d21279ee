//! The pages every face shows the same way: sign-in, sign-out and the password change.
//! A face's handlers fill these and add its own words (headings, links).

use crate::page::PageCtx;
use crate::signin::SignInTexts;
use askama::Template;

/// `…/login`.
#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage {
    pub ctx: PageCtx,
    pub t: &'static SignInTexts,
    pub heading: &'static str,
    pub intro: &'static str,
    pub action: String,
    /// The email typed, shown again after a refusal.
    pub email: String,
    pub error: Option<String>,
    /// Where to go after signing in (a path of this face).
    pub next: String,
    /// The portal offers registration.
    pub register_url: Option<String>,
}

/// `…/logout` (GET): a button that signs out (POST).
#[derive(Template)]
#[template(path = "signout.html")]
pub struct SignOutPage {
    pub ctx: PageCtx,
    pub t: &'static SignInTexts,
}

/// The password change: a one-time password must be replaced before anything else.
#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub action: String,
    pub error: Option<String>,
    /// True when the current password is a one-time password (first sign-in, after a reset).
    pub one_time: bool,
}

/// A safe place to go after signing in: a path of this face, never another site.
pub fn safe_next(next: Option<&str>, face: crate::Face) -> String {
    match next {
        Some(n)
            if n.starts_with(face.prefix)
                && !n.starts_with("//")
                && !n.contains("://")
                && !n.contains('\\') =>
        {
            n.to_string()
        }
        _ => face.home().to_string(),
    }
}

/// What a password change form carries.
#[derive(Debug, serde::Deserialize)]
pub struct PasswordForm {
    pub current_password: String,
    pub new_password: String,
    pub confirm_password: String,
}

impl PasswordForm {
    /// Checks the new password: typed twice alike, different from the current one, strong.
    /// Returns the message to show when it is not acceptable.
    pub async fn check(
        &self,
        lang: crate::Lang,
        current_hash: &str,
        related: &[&str],
    ) -> Result<(), String> {
        let t = crate::i18n::Common::get(lang);
        if !crate::password::verify(Some(current_hash.to_string()), &self.current_password).await {
            return Err(depot_domain::ErrorCode::InvalidCredentials.message(lang, &[]));
        }
        if self.new_password != self.confirm_password {
            return Err(t.passwords_differ.to_string());
        }
        if self.new_password == self.current_password {
            return Err(t.same_password.to_string());
        }
        match crate::signin::strength_error(lang, &self.new_password, related) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
