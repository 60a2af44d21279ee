//! `/console/operators` (admin only): every operator account, its role and warehouses.
//! Accounts are created with `depot operator create` (SPEC §11).

use crate::auth::ConsoleOperator;
use askama::Template;
use axum::extract::State;
use depot_api::AppState;
use depot_store::users::OperatorRole;
use depot_web::time_fmt::datetime;
use depot_web::{render, texts, PageCtx, PageResult};

texts! {
    pub struct OperatorTexts {
        title: "Nhân viên", "Operators";
        intro: "Tài khoản nhân viên được tạo bằng lệnh", "Operator accounts are created with";
        email: "Email", "Email";
        role: "Vai trò", "Role";
        warehouses: "Kho", "Warehouses";
        all_warehouses: "Tất cả các kho", "Every warehouse";
        none: "Chưa gán kho", "None assigned";
        one_time: "Chưa đổi mật khẩu dùng một lần", "One-time password not changed yet";
        admin: "Quản trị viên", "Administrator";
        supervisor: "Giám sát kho", "Supervisor";
        floor: "Nhân viên kho", "Floor operator";
    }
}

pub struct OperatorRow {
    pub email: String,
    pub role_code: &'static str,
    pub role: &'static str,
    pub all: bool,
    pub warehouses: Vec<String>,
    pub one_time: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "operators.html")]
struct OperatorsPage {
    ctx: PageCtx,
    t: &'static OperatorTexts,
    rows: Vec<OperatorRow>,
}

pub async fn list(State(state): State<AppState>, op: ConsoleOperator) -> PageResult {
    op.require(OperatorRole::Admin)?;
    let t = OperatorTexts::get(op.ctx.lang);
    let rows = state
        .db
        .operators()
        .await?
        .into_iter()
        .map(|o| OperatorRow {
            role: match o.role {
                OperatorRole::Admin => t.admin,
                OperatorRole::Supervisor => t.supervisor,
                OperatorRole::Floor => t.floor,
            },
            role_code: o.role.as_str(),
            all: o.role == OperatorRole::Admin,
            warehouses: o.warehouses,
            one_time: o.must_change_password,
            created: datetime(o.created_time),
            email: o.email,
        })
        .collect();
    Ok(render(&OperatorsPage {
        t,
        rows,
        ctx: op.ctx,
    }))
}
