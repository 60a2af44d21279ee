//! `/portal/register`: a business signs up (PENDING) with its owner account, then waits for
//! customer support to approve it. An email is one account, platform-wide.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use depot_api::AppState;
use depot_domain::business::CustomerType;
use depot_domain::ErrorCode;
use depot_store::users::{Registered, Registration};
use depot_web::{
    render, render_with_status, texts, Account, Form, PageCtx, PageResult, WebSession, PORTAL,
};
use serde::Deserialize;

texts! {
    pub struct RegisterTexts {
        title: "Đăng ký doanh nghiệp", "Register your business";
        intro: "Tạo tài khoản cho doanh nghiệp của bạn. Bộ phận chăm sóc khách hàng sẽ duyệt đăng ký trước khi bạn dùng được API và cổng.", "Create an account for your business. Customer support approves each registration before you can use the API and the portal.";
        business_name: "Tên doanh nghiệp", "Business name";
        contact_name: "Người liên hệ", "Contact name";
        email_hint: "Dùng để đăng nhập. Mỗi email chỉ có một tài khoản.", "You sign in with it. An email has one account.";
        phone: "Số điện thoại", "Phone";
        customer_type: "Bạn sẽ dùng Depot như thế nào?", "How will you use Depot?";
        api_user_hint: "Kết nối hệ thống của bạn qua Open API: khóa API, webhook, báo cáo và video.", "Integrate your systems through the Open API: API keys, webhooks, reports and videos.";
        oms_user_hint: "Quản lý đơn hàng, sản phẩm, tồn kho, nhập hàng và hoàn hàng ngay trên cổng, kèm mọi thứ của API User.", "Run orders, products, stock, inbound and returns in the portal, plus everything an API User has.";
        submit: "Đăng ký", "Register";
        have_account: "Đã có tài khoản?", "Already have an account?";
        required: "Bắt buộc", "Required";
        too_long: "Quá dài", "Too long";
        not_email: "Không phải địa chỉ email", "Not an email address";
        not_phone: "Chỉ gồm chữ số, dấu cách, +, -, ( và )", "Digits, spaces, +, -, ( and ) only";
        choose_one: "Hãy chọn một", "Choose one";
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub business_name: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub customer_type: String,
}

/// One message per field that is wrong.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: PageCtx,
    t: &'static RegisterTexts,
    form: RegisterForm,
    errors: FieldErrors,
    /// The message above the form.
    error: Option<String>,
    api_user: &'static str,
    oms_user: &'static str,
}

fn page(
    ctx: PageCtx,
    form: RegisterForm,
    errors: FieldErrors,
    error: Option<String>,
) -> RegisterPage {
    let lang = ctx.lang;
    RegisterPage {
        t: RegisterTexts::get(lang),
        ctx,
        form,
        errors,
        error,
        api_user: CustomerType::ApiUser.label(lang),
        oms_user: CustomerType::OmsUser.label(lang),
    }
}

pub async fn register_page(session: WebSession, ctx: PageCtx) -> PageResult {
    if matches!(session.account().await?, Some(Account::User(_))) {
        return Ok(Redirect::to(PORTAL.home()).into_response());
    }
    let form = RegisterForm {
        customer_type: CustomerType::ApiUser.as_str().to_string(),
        ..RegisterForm::default()
    };
    Ok(render(&page(ctx, form, FieldErrors::default(), None)))
}

fn check(t: &RegisterTexts, form: &RegisterForm) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let mut text = |field: &'static str, value: &str, max: usize| {
        let value = value.trim();
        if value.is_empty() {
            errors.add(field, t.required);
        } else if value.chars().count() > max {
            errors.add(field, t.too_long);
        }
    };
    text("business_name", &form.business_name, 255);
    text("contact_name", &form.contact_name, 255);
    text("email", &form.email, 255);
    text("phone", &form.phone, 32);
    let email = form.email.trim();
    if !errors.has("email") && !looks_like_email(email) {
        errors.add("email", t.not_email);
    }
    if !errors.has("phone")
        && !form
            .phone
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        errors.add("phone", t.not_phone);
    }
    if CustomerType::parse(&form.customer_type).is_none() {
        errors.add("customer_type", t.choose_one);
    }
    errors
}

/// `local@domain.tld`, no spaces: what a mail server would take.
fn looks_like_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

pub async fn register(
    State(state): State<AppState>,
    session: WebSession,
    ctx: PageCtx,
    Form(form): Form<RegisterForm>,
) -> PageResult {
    let lang = ctx.lang;
    let t = RegisterTexts::get(lang);
    let mut errors = check(t, &form);
    let related = [
        form.email.trim(),
        form.business_name.trim(),
        form.contact_name.trim(),
        form.phone.trim(),
    ];
    if let Some(weak) = depot_web::signin::strength_error(lang, &form.password, &related) {
        errors.add("password", weak);
    }
    if !errors.is_empty() {
        let error = ErrorCode::InvalidPayload.message(lang, &[]);
        return Ok(render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(ctx, form, errors, Some(error)),
        ));
    }
    let hash = depot_web::password::hash(&form.password).await;
    let customer_type = CustomerType::parse(&form.customer_type).unwrap_or(CustomerType::ApiUser);
    let registration = Registration {
        business_name: form.business_name.trim(),
        contact_name: form.contact_name.trim(),
        email: form.email.trim(),
        phone: form.phone.trim(),
        password_hash: &hash,
        customer_type,
    };
    match state
        .db
        .register_business(&registration, state.now())
        .await?
    {
        Registered::Created { user, .. } => {
            session.sign_in(Account::User(user.id)).await?;
            Ok(Redirect::to(PORTAL.home()).into_response())
        }
        Registered::EmailTaken => {
            let message = ErrorCode::EmailTaken.message(lang, &[]);
            let mut errors = FieldErrors::default();
            errors.add("email", message.clone());
            let status = StatusCode::from_u16(ErrorCode::EmailTaken.http_status())
                .unwrap_or(StatusCode::BAD_REQUEST);
            Ok(render_with_status(
                status,
                &page(ctx, form, errors, Some(message)),
            ))
        }
    }
}
