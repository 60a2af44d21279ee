//! Who is looking at a portal page. Handlers take one of these extractors, so a page cannot
//! forget the check:
//!
//! * [`PortalAccount`]: signed in, business PENDING or APPROVED (the start page, which shows a
//!   pending business its approval status);
//! * [`PortalUser`]: signed in and the business APPROVED — every other page;
//! * [`OmsUser`]: a [`PortalUser`] of an `OMS_USER` business (the OMS pages: shipments,
//!   products, stock, inbound, returns, the dashboard); an `API_USER` gets 404.
//!
//! Each reads the user and the business from the database on every request: a business
//! suspended or a session ended elsewhere is refused at the next click. A session whose
//! business can no longer sign in is ended. A one-time password must be changed first.

use crate::nav;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use depot_api::auth::Merchant;
use depot_api::AppState;
use depot_domain::business::{BusinessStatus, CustomerType};
use depot_store::tenants::Business;
use depot_store::users::User;
use depot_web::{Account, PageCtx, PageError, WebSession, PORTAL};

/// A signed-in portal user whose business may sign in (PENDING or APPROVED).
pub struct PortalAccount {
    pub user: User,
    pub business: Business,
    /// The layout's context, with this user's navigation.
    pub ctx: PageCtx,
    pub session: WebSession,
}

/// A signed-in user of an APPROVED business.
pub struct PortalUser {
    pub user: User,
    pub business: Business,
    pub ctx: PageCtx,
    pub session: WebSession,
}

/// A [`PortalUser`] of an `OMS_USER` business.
pub struct OmsUser(pub PortalUser);

/// Why the login page is shown (`?notice=`).
pub const NOTICE_SIGNED_OUT: &str = "signed_out";
pub const NOTICE_ENDED: &str = "ended";

impl PortalUser {
    /// The caller as the merchant API sees it: operations take it to scope every query to
    /// the business.
    pub fn merchant(&self) -> Merchant {
        Merchant {
            business_id: self.business.business_id,
            key_id: String::new(),
        }
    }

    /// The actor recorded for changes made through the portal (SPEC Part two).
    pub fn actor(&self) -> String {
        format!("portal:{}", self.user.email)
    }

    pub fn is_oms(&self) -> bool {
        self.business.customer_type == CustomerType::OmsUser
    }
}

async fn load(parts: &mut Parts, state: &AppState) -> Result<PortalAccount, PageError> {
    let session = WebSession::from_request_parts(parts, state).await?;
    let uri = depot_web::page::original_uri(parts);
    let here = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let sign_in = || PageError::Redirect(PORTAL.sign_in_url(Some(&here)));
    let Some(Account::User(user_id)) = session.account().await? else {
        return Err(sign_in());
    };
    let ended = || PageError::Redirect(format!("{}/login?notice={NOTICE_ENDED}", PORTAL.prefix));
    let Some(user) = state.db.user(user_id).await? else {
        session.sign_out().await?;
        return Err(ended());
    };
    let business = match state.db.business(user.business_id).await? {
        Some(b) if b.status.may_sign_in() => b,
        _ => {
            session.sign_out().await?;
            return Err(ended());
        }
    };
    let password_page = format!("{}/password", PORTAL.prefix);
    if user.must_change_password && uri.path() != password_page {
        return Err(PageError::Redirect(password_page));
    }
    let mut ctx = PageCtx::from_request_parts(parts, state).await?;
    ctx.account = Some(user.email.clone());
    let lang = ctx.lang;
    let ctx = ctx.with_nav(nav::links(&business, lang));
    Ok(PortalAccount {
        user,
        business,
        ctx,
        session,
    })
}

impl FromRequestParts<AppState> for PortalAccount {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        load(parts, state).await
    }
}

impl FromRequestParts<AppState> for PortalUser {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let account = load(parts, state).await?;
        if account.business.status != BusinessStatus::Approved {
            // A pending business sees only its approval status.
            return Err(PageError::Redirect(PORTAL.home().to_string()));
        }
        Ok(PortalUser {
            user: account.user,
            business: account.business,
            ctx: account.ctx,
            session: account.session,
        })
    }
}

impl FromRequestParts<AppState> for OmsUser {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let user = PortalUser::from_request_parts(parts, state).await?;
        if !user.is_oms() {
            // An API_USER business has no OMS pages (documented): as if they did not exist.
            return Err(PageError::NotFound);
        }
        Ok(OmsUser(user))
    }
}
