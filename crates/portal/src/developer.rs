//! `/portal/developer` (documented: "Settings → Developer Tools"): the business's API keys.
//! *Generate* issues a key and shows its token once; *Reset* issues a new key and revokes the
//! old one (documented: manual reset, no automatic rotation); *Revoke* ends a key.
//!
//! This file is the model of a portal page: strings in a `texts!` table, a view struct per
//! template, an extractor for who may see it, each action one call to the operation the API
//! uses, then either a page (a secret shown once) or a redirect with a flash message.

use crate::auth::PortalUser;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::AppState;
use depot_store::api_keys::ApiKeyInfo;
use depot_store::tenants::NewApiKey;
use depot_web::time_fmt::{datetime, datetime_or};
use depot_web::{render, texts, Flash, PageCtx, PageError, PageResult};

texts! {
    pub struct DeveloperTexts {
        title: "Công cụ nhà phát triển", "Developer tools";
        settings: "Cài đặt", "Settings";
        intro: "Khóa API cho phép hệ thống của bạn gọi Open API của Depot. Mỗi khóa gồm mã khóa công khai và phần bí mật; Depot chỉ lưu mã băm của khóa.", "API keys let your systems call Depot's Open API. A key is a public key id and a secret; Depot stores only a hash of it.";
        keys: "Khóa API", "API keys";
        generate: "Tạo khóa", "Generate key";
        reset: "Đặt lại", "Reset";
        revoke: "Thu hồi", "Revoke";
        key_id: "Mã khóa", "Key id";
        last_used: "Dùng lần cuối", "Last used";
        active: "Đang hoạt động", "Active";
        revoked: "Đã thu hồi", "Revoked";
        revoked_at: "Thu hồi lúc", "Revoked";
        no_keys: "Chưa có khóa API", "No API keys yet";
        no_keys_body: "Tạo khóa đầu tiên để hệ thống của bạn gọi được API.", "Generate your first key so your systems can call the API.";
        new_key: "Khóa API mới của bạn", "Your new API key";
        new_key_once: "Hãy sao chép và cất giữ ngay: vì lý do bảo mật, khóa chỉ hiển thị một lần này.", "Copy it and keep it safe now: for your security it is shown only this once.";
        replaced: "Khóa cũ đã bị thu hồi:", "The old key is revoked:";
        revoked_done: "Đã thu hồi khóa", "Key revoked:";
        confirm_revoke: "Thu hồi khóa này? Các lệnh gọi dùng khóa sẽ bị từ chối ngay.", "Revoke this key? Calls made with it are refused at once.";
        confirm_reset: "Đặt lại khóa này? Khóa cũ bị thu hồi ngay và một khóa mới được tạo.", "Reset this key? The old key is revoked at once and a new one issued.";
        use_title: "Gọi API", "Calling the API";
        use_body: "Gửi khóa trong tiêu đề Authorization của mỗi yêu cầu:", "Send the key in the Authorization header of every request:";
        docs: "Tài liệu API (OpenAPI)", "API reference (OpenAPI)";
    }
}

/// One key row.
pub struct KeyRow {
    pub key_id: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

impl KeyRow {
    fn new(k: &ApiKeyInfo, never: &str) -> KeyRow {
        KeyRow {
            key_id: k.key_id.clone(),
            created: datetime(k.created_time),
            last_used: datetime_or(k.last_used_time, never),
            revoked: k.revoked_time.map(datetime),
        }
    }
}

/// A key just issued: the only time its token is shown.
pub struct Issued {
    pub key: NewApiKey,
    /// The key a reset revoked.
    pub replaced: Option<String>,
}

#[derive(Template)]
#[template(path = "developer.html")]
struct DeveloperPage {
    ctx: PageCtx,
    t: &'static DeveloperTexts,
    keys: Vec<KeyRow>,
    issued: Option<Issued>,
    api_base: String,
}

async fn page(state: &AppState, user: PortalUser, issued: Option<Issued>) -> PageResult {
    let keys = state
        .db
        .business_api_keys(user.business.business_id)
        .await?;
    let never = user.ctx.t.never;
    Ok(render(&DeveloperPage {
        t: DeveloperTexts::get(user.ctx.lang),
        keys: keys.iter().map(|k| KeyRow::new(k, never)).collect(),
        issued,
        api_base: state.public_url("/api/v1"),
        ctx: user.ctx,
    }))
}

pub async fn show(State(state): State<AppState>, user: PortalUser) -> PageResult {
    page(&state, user, None).await
}

pub async fn generate(State(state): State<AppState>, user: PortalUser) -> PageResult {
    let key = state
        .db
        .create_api_key(user.business.business_id, state.now())
        .await?
        .ok_or(PageError::NotFound)?;
    page(
        &state,
        user,
        Some(Issued {
            key,
            replaced: None,
        }),
    )
    .await
}

pub async fn reset(
    State(state): State<AppState>,
    user: PortalUser,
    Path(key_id): Path<String>,
) -> PageResult {
    let key = state
        .db
        .reset_business_api_key(user.business.business_id, &key_id, state.now())
        .await?
        .ok_or(PageError::NotFound)?;
    state.keys.forget(&key_id);
    let issued = Issued {
        key,
        replaced: Some(key_id),
    };
    page(&state, user, Some(issued)).await
}

pub async fn revoke(
    State(state): State<AppState>,
    user: PortalUser,
    Path(key_id): Path<String>,
) -> PageResult<Response> {
    if !state
        .db
        .revoke_business_api_key(user.business.business_id, &key_id, state.now())
        .await?
    {
        return Err(PageError::NotFound);
    }
    state.keys.forget(&key_id);
    let t = DeveloperTexts::get(user.ctx.lang);
    user.session
        .flash(Flash::success(format!("{} {key_id}", t.revoked_done)))
        .await?;
    Ok(Redirect::to("/portal/developer").into_response())
}
