//! `/portal/`: the start page. A PENDING business sees its approval status and nothing else;
//! an approved `OMS_USER` business sees its dashboard, an `API_USER` one goes to its first page.

use crate::auth::{OmsUser, PortalAccount, PortalUser};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use depot_api::AppState;
use depot_domain::business::{BusinessStatus, CustomerType};
use depot_web::time_fmt::datetime;
use depot_web::{render, texts, PageCtx, PageResult};

texts! {
    pub struct HomeTexts {
        pending_title: "Đăng ký đang chờ duyệt", "Your registration is waiting for approval";
        pending_body: "Cảm ơn bạn đã đăng ký. Bộ phận chăm sóc khách hàng sẽ kiểm tra và duyệt doanh nghiệp của bạn. Khi được duyệt, bạn có thể tạo khóa API và dùng cổng doanh nghiệp.", "Thank you for registering. Customer support checks and approves your business; once approved you can generate API keys and use the portal.";
        step_registered: "Đã đăng ký tài khoản", "Account registered";
        step_review: "Bộ phận chăm sóc khách hàng duyệt doanh nghiệp", "Customer support approves the business";
        step_start: "Tạo khóa API và bắt đầu sử dụng", "Generate an API key and get started";
        business: "Doanh nghiệp", "Business";
        customer_type: "Loại khách hàng", "Customer type";
        registered: "Đăng ký lúc", "Registered";
        status: "Trạng thái", "Status";
        come_back: "Trang này sẽ cập nhật khi doanh nghiệp được duyệt — hãy quay lại sau.", "This page changes once the business is approved — come back later.";
    }
}

#[derive(Template)]
#[template(path = "pending.html")]
struct PendingPage {
    ctx: PageCtx,
    t: &'static HomeTexts,
    business_name: String,
    email: String,
    status_label: &'static str,
    customer_type: &'static str,
    registered: String,
}

pub async fn home(State(state): State<AppState>, account: PortalAccount) -> PageResult {
    if account.business.status == BusinessStatus::Approved {
        if account.business.customer_type == CustomerType::OmsUser {
            let user = PortalUser {
                user: account.user,
                business: account.business,
                ctx: account.ctx,
                session: account.session,
            };
            return crate::dashboard::show(&state, OmsUser(user)).await;
        }
        // An API_USER business has no dashboard: its first page is Developer tools.
        return Ok(Redirect::to("/portal/developer").into_response());
    }
    let lang = account.ctx.lang;
    let b = &account.business;
    Ok(render(&PendingPage {
        t: HomeTexts::get(lang),
        business_name: b.name.clone(),
        email: account.user.email.clone(),
        status_label: b.status.label(lang),
        customer_type: b.customer_type.label(lang),
        registered: datetime(b.created_time),
        ctx: account.ctx,
    }))
}
