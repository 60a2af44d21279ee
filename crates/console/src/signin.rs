//! `/console/login`, `/console/logout` and `/console/password` (the first sign-in replaces
//! the one-time password `depot operator create` printed).

use crate::auth::{AnyOperator, NOTICE_ENDED, NOTICE_SIGNED_OUT};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::AppState;
use depot_web::shared::{safe_next, PasswordForm, PasswordPage, SignInPage, SignOutPage};
use depot_web::signin::{self, SignInError, SignInTexts};
use depot_web::{
    render, render_with_status, Account, Flash, Form, PageCtx, PageResult, WebSession, CONSOLE,
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
        heading: t.console_heading,
        intro: t.console_intro,
        action: format!("{}/login", CONSOLE.prefix),
        email,
        error,
        next,
        register_url: None,
        ctx,
    }
}

pub async fn login_page(
    session: WebSession,
    mut ctx: PageCtx,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    if matches!(session.account().await?, Some(Account::Operator(_))) {
        return Ok(Redirect::to(&safe_next(q.next.as_deref(), CONSOLE)).into_response());
    }
    let notice = match q.notice.as_deref() {
        Some(NOTICE_SIGNED_OUT) => Some(Flash::info(ctx.t.signed_out)),
        Some(NOTICE_ENDED) => Some(Flash::info(ctx.t.session_expired)),
        _ => None,
    };
    if ctx.flash.is_none() {
        ctx.flash = notice;
    }
    let next = safe_next(q.next.as_deref(), CONSOLE);
    Ok(render(&page(ctx, String::new(), None, next)))
}

pub async fn login(
    State(state): State<AppState>,
    session: WebSession,
    ctx: PageCtx,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let next = safe_next(form.next.as_deref(), CONSOLE);
    match signin::console_operator(&state, &form.email, &form.password).await {
        Ok(operator) => {
            session.sign_in(Account::Operator(operator.id)).await?;
            let to = if operator.must_change_password {
                format!("{}/password", CONSOLE.prefix)
            } else {
                next
            };
            Ok(Redirect::to(&to).into_response())
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

pub async fn logout_page(AnyOperator(op): AnyOperator) -> Response {
    let t = SignInTexts::get(op.ctx.lang);
    render(&SignOutPage { ctx: op.ctx, t })
}

pub async fn logout(session: WebSession) -> PageResult {
    session.sign_out().await?;
    Ok(Redirect::to(&format!(
        "{}/login?notice={NOTICE_SIGNED_OUT}",
        CONSOLE.prefix
    ))
    .into_response())
}

pub async fn password_page(AnyOperator(op): AnyOperator) -> Response {
    let one_time = op.operator.must_change_password;
    render(&PasswordPage {
        ctx: op.ctx,
        action: format!("{}/password", CONSOLE.prefix),
        error: None,
        one_time,
    })
}

pub async fn change_password(
    State(state): State<AppState>,
    AnyOperator(op): AnyOperator,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let lang = op.ctx.lang;
    let operator = &op.operator;
    let related = [operator.email.as_str()];
    if let Err(error) = form.check(lang, &operator.password_hash, &related).await {
        let one_time = operator.must_change_password;
        return Ok(render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                ctx: op.ctx,
                action: format!("{}/password", CONSOLE.prefix),
                error: Some(error),
                one_time,
            },
        ));
    }
    let hash = depot_web::password::hash(&form.new_password).await;
    state
        .db
        .set_operator_password(operator.id, &hash, false, state.now())
        .await?;
    op.session.sign_in(Account::Operator(operator.id)).await?;
    op.session
        .flash(Flash::success(op.ctx.t.password_changed))
        .await?;
    Ok(Redirect::to(CONSOLE.home()).into_response())
}
