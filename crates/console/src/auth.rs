//! Who is looking at a console page: [`ConsoleOperator`], a signed-in operator whose
//! password is not a one-time password any more (the first sign-in changes it). Role and
//! warehouse checks are methods, so a page states what it needs in one line:
//!
//! ```ignore
//! async fn stock(op: ConsoleOperator, Path(code): Path<String>) -> PageResult {
//!     op.require(OperatorRole::Supervisor)?;   // 403 for floor operators
//!     op.warehouse(&code)?;                     // 404 outside the operator's warehouses
//!     …
//! }
//! ```

use crate::nav;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use depot_api::AppState;
use depot_store::users::{Operator, OperatorRole};
use depot_web::{Account, PageCtx, PageError, WebSession, CONSOLE};

pub struct ConsoleOperator {
    pub operator: Operator,
    pub ctx: PageCtx,
    pub session: WebSession,
}

/// A signed-in operator who may still hold a one-time password (the password page only).
pub struct AnyOperator(pub ConsoleOperator);

pub const NOTICE_SIGNED_OUT: &str = "signed_out";
pub const NOTICE_ENDED: &str = "ended";

impl ConsoleOperator {
    pub fn role(&self) -> OperatorRole {
        self.operator.role
    }

    /// 403 unless the operator's role is at least `role` (admin > supervisor > floor).
    pub fn require(&self, role: OperatorRole) -> Result<(), PageError> {
        if self.operator.role >= role {
            Ok(())
        } else {
            Err(PageError::Forbidden)
        }
    }

    /// True when the operator works in this warehouse (an admin works in all of them).
    pub fn can_see_warehouse(&self, code: &str) -> bool {
        self.operator.role == OperatorRole::Admin
            || self.operator.warehouses.iter().any(|w| w == code)
    }

    /// 404 for a warehouse outside the operator's scope, as if it did not exist.
    pub fn warehouse(&self, code: &str) -> Result<(), PageError> {
        if self.can_see_warehouse(code) {
            Ok(())
        } else {
            Err(PageError::NotFound)
        }
    }

    /// The actor recorded for changes made through the console (SPEC §11).
    pub fn actor(&self) -> String {
        format!("console:{}", self.operator.email)
    }
}

async fn load(parts: &mut Parts, state: &AppState) -> Result<ConsoleOperator, PageError> {
    let session = WebSession::from_request_parts(parts, state).await?;
    let uri = depot_web::page::original_uri(parts);
    let here = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let Some(Account::Operator(id)) = session.account().await? else {
        return Err(PageError::Redirect(CONSOLE.sign_in_url(Some(&here))));
    };
    let Some(operator) = state.db.operator(id).await? else {
        session.sign_out().await?;
        return Err(PageError::Redirect(format!(
            "{}/login?notice={NOTICE_ENDED}",
            CONSOLE.prefix
        )));
    };
    let mut ctx = PageCtx::from_request_parts(parts, state).await?;
    ctx.account = Some(operator.email.clone());
    let lang = ctx.lang;
    let ctx = if operator.must_change_password {
        ctx
    } else {
        ctx.with_nav(nav::links(&operator, lang))
    };
    Ok(ConsoleOperator {
        operator,
        ctx,
        session,
    })
}

impl FromRequestParts<AppState> for ConsoleOperator {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let op = load(parts, state).await?;
        if op.operator.must_change_password {
            return Err(PageError::Redirect(format!("{}/password", CONSOLE.prefix)));
        }
        Ok(op)
    }
}

impl FromRequestParts<AppState> for AnyOperator {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        load(parts, state).await.map(AnyOperator)
    }
}
