//! The console's sign-in: an operator's one-time password is changed at the first sign-in;
//! the start page shows role and warehouses; the same throttling applies.

use crate::helpers::spawn_app;
use crate::web::Browser;
use depot_store::users::{NewOperator, OperatorRole};

async fn operator(
    app: &crate::helpers::TestApp,
    email: &str,
    role: OperatorRole,
    warehouses: &[&str],
) -> String {
    let password = depot_web::password::generate();
    let hash = depot_web::password::hash(&password).await;
    let codes: Vec<String> = warehouses.iter().map(|w| w.to_string()).collect();
    match app
        .db
        .create_operator(email, role, &codes, &hash, app.clock_now())
        .await
        .unwrap()
    {
        NewOperator::Created(_) => password,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn first_sign_in_changes_the_one_time_password() {
    let app = spawn_app().await;
    app.warehouse("WH-HN01").await;
    app.warehouse("WH-SG01").await;
    let one_time = operator(&app, "Floor@Depot.vn", OperatorRole::Floor, &["WH-SG01"]).await;
    let mut b = Browser::new(&app);
    b.get("/console/")
        .await
        .expect_redirect("/console/login?next=%2Fconsole");
    b.console_sign_in("floor@depot.vn", &one_time)
        .await
        .expect_redirect("/console/password");
    // Nothing else opens until the password is changed.
    b.get("/console/")
        .await
        .expect_redirect("/console/password");
    b.get("/console/password")
        .await
        .expect(200)
        .contains("mật khẩu dùng một lần");
    let new_password = "Bến-Nghé-kho-số-một-2027";
    b.post(
        "/console/password",
        &[
            ("current_password", "not-it"),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ],
    )
    .await
    .expect(422);
    b.post(
        "/console/password",
        &[
            ("current_password", &one_time),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ],
    )
    .await
    .expect_redirect("/console/");
    let home = b.get("/console/").await;
    home.expect(200)
        .contains("data-role=\"FLOOR\"")
        .contains("Nhân viên kho")
        .contains("data-warehouse=\"WH-SG01\"")
        .lacks("data-warehouse=\"WH-HN01\"");
    // The one-time password is gone.
    b.post("/console/logout", &[])
        .await
        .expect_redirect("/console/login?notice=signed_out");
    b.console_sign_in("floor@depot.vn", &one_time)
        .await
        .expect(401);
    b.console_sign_in("floor@depot.vn", new_password)
        .await
        .expect_redirect("/console/");
}

#[tokio::test]
async fn an_admin_sees_every_warehouse_and_portal_sessions_are_not_console_sessions() {
    let app = spawn_app().await;
    app.warehouse("WH-HN01").await;
    app.warehouse("WH-SG01").await;
    let password = operator(&app, "admin@depot.vn", OperatorRole::Admin, &[]).await;
    let hash = depot_web::password::hash(&password).await;
    let admin = app
        .db
        .operator_by_email("admin@depot.vn")
        .await
        .unwrap()
        .unwrap();
    app.db
        .set_operator_password(admin.id, &hash, false, app.clock_now())
        .await
        .unwrap();
    let mut b = Browser::new(&app);
    b.console_sign_in("admin@depot.vn", &password)
        .await
        .expect(303);
    b.get("/console/?lang=en")
        .await
        .expect(200)
        .contains("data-role=\"ADMIN\"")
        .contains("Every warehouse")
        .contains("data-warehouse=\"WH-HN01\"")
        .contains("data-warehouse=\"WH-SG01\"");
    // A portal user is no operator.
    let (mut shop, _) = app.portal_user("owner@shop.vn", "API_USER").await;
    shop.get("/console/")
        .await
        .expect_redirect("/console/login?next=%2Fconsole");
    // The operator is not signed in to the portal either.
    b.get("/portal/developer").await.expect(303);
    // Five failures lock a console account too.
    let mut x = Browser::new(&app);
    for _ in 0..4 {
        x.console_sign_in("admin@depot.vn", "wrong")
            .await
            .expect(401);
    }
    x.console_sign_in("admin@depot.vn", "wrong")
        .await
        .expect(429);
    x.console_sign_in("admin@depot.vn", &password)
        .await
        .expect(429);
    // The portal account of the same email is another account.
    let mut p = Browser::new(&app);
    p.sign_in("admin@depot.vn", "wrong").await.expect(401);
}
