//! Signing in, shared by every face: throttling, password check, account state.
//!
//! Order of checks: a locked account is refused before its password is even looked at; then
//! the password (the same Argon2 work whether the email has an account or not, so timing
//! does not tell); a failure is counted (and may lock the account); only a person whose
//! password is right learns that their business is suspended or rejected.

use crate::password;
use crate::texts;
use depot_api::AppState;
use depot_domain::business::BusinessStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::tenants::Business;
use depot_store::users::{normalize_email, Operator, User};

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures: every attempt is refused until the lock ends.
    Locked,
    /// Wrong email or password.
    Invalid,
    Suspended,
    Rejected,
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::Locked => ErrorCode::AccountLocked,
            Refusal::Invalid => ErrorCode::InvalidCredentials,
            Refusal::Suspended => ErrorCode::BusinessSuspended,
            Refusal::Rejected => ErrorCode::BusinessRejected,
        }
    }

    pub fn message(self, lang: Lang) -> String {
        self.code().message(lang, &[])
    }

    pub fn status(self) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(self.code().http_status())
            .unwrap_or(axum::http::StatusCode::BAD_REQUEST)
    }
}

/// A refusal or a broken store.
#[derive(Debug)]
pub enum SignInError {
    Refused(Refusal),
    Store(depot_store::StoreError),
}

impl From<depot_store::StoreError> for SignInError {
    fn from(e: depot_store::StoreError) -> Self {
        SignInError::Store(e)
    }
}

impl From<SignInError> for crate::PageError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Store(e) => e.into(),
            SignInError::Refused(_) => crate::PageError::Forbidden,
        }
    }
}

/// The throttled password check for one account name (`portal:<email>`…).
async fn check(
    state: &AppState,
    throttle_key: &str,
    hash: Option<String>,
    password: &str,
) -> Result<(), SignInError> {
    let now = state.now();
    if state
        .db
        .login_locked_until(throttle_key, now)
        .await?
        .is_some()
    {
        return Err(SignInError::Refused(Refusal::Locked));
    }
    if password::verify(hash, password).await {
        state.db.clear_login_failures(throttle_key).await?;
        return Ok(());
    }
    match state.db.record_login_failure(throttle_key, now).await? {
        Some(_) => Err(SignInError::Refused(Refusal::Locked)),
        None => Err(SignInError::Refused(Refusal::Invalid)),
    }
}

/// Signs a portal user in: their account and business, if the password is right and the
/// business may sign in (PENDING or APPROVED).
pub async fn portal_user(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<(User, Business), SignInError> {
    let email = normalize_email(email);
    let user = state.db.user_by_email(&email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    check(state, &format!("portal:{email}"), hash, password).await?;
    let user = user.ok_or(SignInError::Refused(Refusal::Invalid))?;
    let business = state
        .db
        .business(user.business_id)
        .await?
        .ok_or(SignInError::Refused(Refusal::Invalid))?;
    match business.status {
        BusinessStatus::Suspended => Err(SignInError::Refused(Refusal::Suspended)),
        BusinessStatus::Rejected => Err(SignInError::Refused(Refusal::Rejected)),
        BusinessStatus::Pending | BusinessStatus::Approved => Ok((user, business)),
    }
}

/// Signs an operator in.
pub async fn console_operator(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Operator, SignInError> {
    let email = normalize_email(email);
    let operator = state.db.operator_by_email(&email).await?;
    let hash = operator.as_ref().map(|o| o.password_hash.clone());
    check(state, &format!("console:{email}"), hash, password).await?;
    operator.ok_or(SignInError::Refused(Refusal::Invalid))
}

texts! {
    /// The sign-in, sign-out and password pages of every face.
    pub struct SignInTexts {
        portal_heading: "Đăng nhập cổng doanh nghiệp", "Sign in to the merchant portal";
        portal_intro: "Quản lý khóa API, webhook, báo cáo và đơn hàng của doanh nghiệp bạn.", "Manage your business's API keys, webhooks, reports and orders.";
        console_heading: "Đăng nhập bảng điều khiển kho", "Sign in to the operator console";
        console_intro: "Dành cho nhân viên kho và bộ phận chăm sóc khách hàng.", "For warehouse staff and customer support.";
        no_account: "Chưa có tài khoản?", "No account yet?";
        register: "Đăng ký doanh nghiệp", "Register your business";
        sign_out_heading: "Đăng xuất", "Sign out";
    }
}

/// Checks a new password against the rules, naming what is wrong in the page's language.
pub fn strength_error(lang: Lang, password: &str, related: &[&str]) -> Option<String> {
    password::check_strength(password, related)
        .err()
        .map(|_| ErrorCode::WeakPassword.message(lang, &[]))
}
