//! `/portal/login`, `/portal/logout` and `/portal/password`.

use crate::auth::{PortalAccount, NOTICE_ENDED, NOTICE_SIGNED_OUT};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::AppState;
use depot_web::shared::{safe_next, PasswordForm, PasswordPage, SignInPage, SignOutPage};
use depot_web::signin::{self, SignInError, SignInTexts};
use depot_web::{
    render, render_with_status, Account, Flash, Form, PageCtx, PageResult, WebSession, PORTAL,
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    pub next: Option<String>,
    pub notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: Option<String>,
}

fn page(ctx: PageCtx, email: String, error: Option<String>, next: String) -> SignInPage {
    let t = SignInTexts::get(ctx.lang);
    SignInPage {
        t,
        heading: t.portal_heading,
        intro: t.portal_intro,
        action: format!("{}/login", PORTAL.prefix),
        email,
        error,
        next,
        register_url: Some(format!("{}/register", PORTAL.prefix)),
        ctx,
    }
}

pub async fn login_page(
    session: WebSession,
    mut ctx: PageCtx,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    // Already signed in: straight on.
    if matches!(session.account().await?, Some(Account::User(_))) {
        return Ok(Redirect::to(&safe_next(q.next.as_deref(), PORTAL)).into_response());
    }
    let notice = match q.notice.as_deref() {
        Some(NOTICE_SIGNED_OUT) => Some(Flash::info(ctx.t.signed_out)),
        Some(NOTICE_ENDED) => Some(Flash::info(ctx.t.session_expired)),
        _ => None,
    };
    if ctx.flash.is_none() {
        ctx.flash = notice;
    }
    let next = safe_next(q.next.as_deref(), PORTAL);
    Ok(render(&page(ctx, String::new(), None, next)))
}

pub async fn login(
    State(state): State<AppState>,
    session: WebSession,
    ctx: PageCtx,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let next = safe_next(form.next.as_deref(), PORTAL);
    match signin::portal_user(&state, &form.email, &form.password).await {
        Ok((user, _)) => {
            session.sign_in(Account::User(user.id)).await?;
            Ok(Redirect::to(&next).into_response())
        }
        Err(SignInError::Refused(why)) => {
            let message = why.message(ctx.lang);
            let email = form.email.trim().to_string();
            Ok(render_with_status(
                why.status(),
                &page(ctx, email, Some(message), next),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout_page(account: PortalAccount) -> Response {
    let t = SignInTexts::get(account.ctx.lang);
    render(&SignOutPage {
        ctx: account.ctx,
        t,
    })
}

/// Signs out whoever this session is (also a session whose business was suspended).
pub async fn logout(session: WebSession) -> PageResult {
    session.sign_out().await?;
    Ok(Redirect::to(&format!(
        "{}/login?notice={NOTICE_SIGNED_OUT}",
        PORTAL.prefix
    ))
    .into_response())
}

pub async fn password_page(account: PortalAccount) -> Response {
    let one_time = account.user.must_change_password;
    render(&PasswordPage {
        ctx: account.ctx,
        action: format!("{}/password", PORTAL.prefix),
        error: None,
        one_time,
    })
}

pub async fn change_password(
    State(state): State<AppState>,
    account: PortalAccount,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let lang = account.ctx.lang;
    let user = &account.user;
    let related = [
        user.email.as_str(),
        user.contact_name.as_str(),
        account.business.name.as_str(),
    ];
    if let Err(error) = form.check(lang, &user.password_hash, &related).await {
        let one_time = user.must_change_password;
        return Ok(render_with_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                ctx: account.ctx,
                action: format!("{}/password", PORTAL.prefix),
                error: Some(error),
                one_time,
            },
        ));
    }
    let hash = depot_web::password::hash(&form.new_password).await;
    // Every session of the user ends (this one too); sign this browser in again at once.
    state
        .db
        .set_user_password(user.id, &hash, false, state.now())
        .await?;
    account.session.sign_in(Account::User(user.id)).await?;
    account
        .session
        .flash(Flash::success(account.ctx.t.password_changed))
        .await?;
    Ok(Redirect::to(PORTAL.home()).into_response())
}
