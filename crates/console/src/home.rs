//! `/console/`: the operator's start page — who they are, their role and warehouses. The
//! floor and customer-support pages link from here once they exist.

use crate::auth::ConsoleOperator;
use askama::Template;
use axum::extract::State;
use depot_api::AppState;
use depot_store::users::OperatorRole;
use depot_web::{render, texts, PageCtx, PageResult};

texts! {
    pub struct HomeTexts {
        title: "Tổng quan", "Overview";
        welcome: "Xin chào", "Welcome";
        role: "Vai trò", "Role";
        warehouses: "Kho", "Warehouses";
        all_warehouses: "Tất cả các kho", "Every warehouse";
        none: "Chưa được gán kho nào — hãy nhờ quản trị viên gán kho.", "No warehouse assigned yet — ask an administrator to assign one.";
        admin: "Quản trị viên", "Administrator";
        supervisor: "Giám sát kho", "Supervisor";
        floor: "Nhân viên kho", "Floor operator";
        admin_can: "Mọi kho, doanh nghiệp và tài khoản nhân viên.", "Every warehouse, business and operator account.";
        supervisor_can: "Công việc kho và điều chỉnh tồn kho tại các kho của bạn.", "Floor work and stock adjustments in your warehouses.";
        floor_can: "Công việc kho tại các kho của bạn.", "Floor work in your warehouses.";
        code: "Mã kho", "Code";
        name: "Tên kho", "Name";
        address: "Địa chỉ", "Address";
    }
}

pub struct WarehouseRow {
    pub code: String,
    pub name: String,
    pub address: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    t: &'static HomeTexts,
    email: String,
    role: &'static str,
    role_code: &'static str,
    can: &'static str,
    all: bool,
    warehouses: Vec<WarehouseRow>,
}

pub async fn home(State(state): State<AppState>, op: ConsoleOperator) -> PageResult {
    let t = HomeTexts::get(op.ctx.lang);
    let (role, can) = match op.role() {
        OperatorRole::Admin => (t.admin, t.admin_can),
        OperatorRole::Supervisor => (t.supervisor, t.supervisor_can),
        OperatorRole::Floor => (t.floor, t.floor_can),
    };
    let warehouses = state
        .db
        .warehouses()
        .await?
        .into_iter()
        .filter(|w| op.can_see_warehouse(&w.warehouse_code))
        .map(|w| WarehouseRow {
            code: w.warehouse_code,
            name: w.name,
            address: w.address,
        })
        .collect();
    Ok(render(&HomePage {
        t,
        email: op.operator.email.clone(),
        role,
        role_code: op.role().as_str(),
        can,
        all: op.role() == OperatorRole::Admin,
        warehouses,
        ctx: op.ctx,
    }))
}
