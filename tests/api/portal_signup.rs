//! The portal's sign-up, approval gate, sign-in, sign-out, lockout and language switch.

use crate::helpers::{send, spawn_app};
use crate::web::{Browser, PASSWORD};
use reqwest::Method;

#[tokio::test]
async fn sign_up_waits_for_approval_then_signs_in() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let page = b.register("Lan@HoaSen.vn", "OMS_USER").await;
    // Signed in at once, seeing only the approval status.
    page.expect(200)
        .contains("Đăng ký đang chờ duyệt")
        .contains("data-status=\"PENDING\"")
        .contains("lan@hoasen.vn")
        .contains("Người dùng OMS")
        .lacks("/portal/developer");
    let id = app.business_of("lan@hoasen.vn").await;
    let business = app.db.business(id).await.unwrap().unwrap();
    assert_eq!(business.status.as_str(), "PENDING");
    assert_eq!(business.customer_type.as_str(), "OMS_USER");
    assert_eq!(business.name, "Cửa hàng Hoa Sen");
    // The operator API shows the new business and its customer type.
    let shown = send(app.ops(Method::GET, &format!("/businesses/{id}"))).await;
    assert_eq!(shown.expect_ok(200)["customer_type"], "OMS_USER");

    // A pending business gets no other page.
    b.get("/portal/developer").await.expect_redirect("/portal/");
    b.get("/portal/webhooks").await.expect_redirect("/portal/");

    // Approved by customer support: the same session now has the portal.
    app.approve(id).await;
    // An OMS_USER business starts on its dashboard.
    b.get("/portal/")
        .await
        .expect(200)
        .contains("<h1>Tổng quan</h1>");
    b.get("/portal/developer")
        .await
        .expect(200)
        .contains("Công cụ nhà phát triển")
        .contains("href=\"/portal/webhooks\"");

    // Sign out, then in again.
    b.get("/portal/logout").await.expect(200);
    let out = b.post("/portal/logout", &[]).await;
    out.expect_redirect("/portal/login?notice=signed_out");
    b.get("/portal/developer")
        .await
        .expect_redirect("/portal/login?next=%2Fportal%2Fdeveloper");
    let page = b.sign_in("LAN@hoasen.vn", PASSWORD).await;
    page.expect_redirect("/portal/");
    b.get("/portal/developer").await.expect(200);
    // With `next`, sign-in returns there (and only to a portal path).
    b.post("/portal/logout", &[]).await;
    b.get("/portal/login?next=/portal/webhooks")
        .await
        .expect(200);
    b.post(
        "/portal/login",
        &[
            ("email", "lan@hoasen.vn"),
            ("password", PASSWORD),
            ("next", "/portal/webhooks"),
        ],
    )
    .await
    .expect_redirect("/portal/webhooks");
    b.get("/portal/webhooks").await.expect(200);
    b.post("/portal/logout", &[]).await.expect(303);
    b.get("/portal/login").await;
    b.post(
        "/portal/login",
        &[
            ("email", "lan@hoasen.vn"),
            ("password", PASSWORD),
            ("next", "https://evil.example/"),
        ],
    )
    .await
    .expect_redirect("/portal/");
}

#[tokio::test]
async fn sign_up_validates_and_an_email_is_one_account() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    b.get("/portal/register").await.expect(200);
    let page = b
        .post(
            "/portal/register",
            &[
                ("business_name", ""),
                ("contact_name", "Lan"),
                ("email", "not-an-email"),
                ("phone", "abc"),
                ("password", "password123"),
                ("customer_type", "RESELLER"),
            ],
        )
        .await;
    page.expect(422)
        .contains("Dữ liệu yêu cầu không hợp lệ")
        .contains("id=\"business_name_error\"")
        .contains("Không phải địa chỉ email")
        .contains("id=\"phone_error\"")
        .contains("Mật khẩu quá yếu")
        .contains("id=\"customer_type_error\"")
        // What was typed comes back, except the password.
        .contains("value=\"not-an-email\"")
        .lacks("password123");
    let short = b
        .post(
            "/portal/register",
            &[
                ("business_name", "Shop"),
                ("contact_name", "Lan"),
                ("email", "lan@shop.vn"),
                ("phone", "0912345678"),
                ("password", "Aq7#z"),
                ("customer_type", "API_USER"),
            ],
        )
        .await;
    short.expect(422).contains("id=\"password_error\"");
    assert!(app.db.user_by_email("lan@shop.vn").await.unwrap().is_none());

    b.register("lan@shop.vn", "API_USER").await.expect(200);
    // The same email again, in another case, from another browser: refused, nothing made.
    let mut other = Browser::new(&app);
    other.get("/portal/register?lang=en").await.expect(200);
    let again = other
        .post(
            "/portal/register",
            &[
                ("business_name", "Another shop"),
                ("contact_name", "Minh"),
                ("email", "LAN@shop.vn"),
                ("phone", "0987654321"),
                ("password", PASSWORD),
                ("customer_type", "OMS_USER"),
            ],
        )
        .await;
    again
        .expect(400)
        .contains("This email already has an account");
    let rows = depot_store::sql::query_scalar::<i64>("SELECT COUNT(*) FROM businesses")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(rows, 1, "the refused sign-up created no business");
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("owner@lock.vn", "API_USER").await;
    b.post("/portal/logout", &[]).await;
    let mut attacker = Browser::new(&app);
    for i in 0..4 {
        attacker
            .sign_in("owner@lock.vn", &format!("wrong-{i}"))
            .await
            .expect(401)
            .contains("Email hoặc mật khẩu không đúng");
    }
    // The fifth failure locks, and says so.
    attacker
        .sign_in("owner@lock.vn", "wrong-5")
        .await
        .expect(429)
        .contains("15 phút");
    // Now even the right password is refused, from any browser (and any process: the lock
    // is in the database).
    b.sign_in("owner@lock.vn", PASSWORD)
        .await
        .expect(429)
        .contains("Đăng nhập sai quá nhiều lần");
    // Another account is not affected.
    let (mut c, _) = app.portal_user("other@lock.vn", "API_USER").await;
    c.post("/portal/logout", &[]).await;
    c.sign_in("other@lock.vn", PASSWORD)
        .await
        .expect_redirect("/portal/");
    // Fifteen minutes later the owner signs in.
    app.clock.advance(14 * 60);
    b.sign_in("owner@lock.vn", PASSWORD).await.expect(429);
    app.clock.advance(61);
    b.sign_in("owner@lock.vn", PASSWORD)
        .await
        .expect_redirect("/portal/");
    // Failures spread over more than 15 minutes do not lock.
    b.post("/portal/logout", &[])
        .await
        .expect_redirect("/portal/login?notice=signed_out");
    for _ in 0..4 {
        b.sign_in("owner@lock.vn", "wrong").await.expect(401);
    }
    app.clock.advance(15 * 60 + 1);
    b.sign_in("owner@lock.vn", "wrong").await.expect(401);
    b.sign_in("owner@lock.vn", PASSWORD)
        .await
        .expect_redirect("/portal/");
    // An email without an account is throttled the same way (nothing tells which exist).
    let mut d = Browser::new(&app);
    for _ in 0..4 {
        d.sign_in("nobody@lock.vn", "whatever").await.expect(401);
    }
    d.sign_in("nobody@lock.vn", "whatever").await.expect(429);
}

#[tokio::test]
async fn suspended_and_rejected_businesses_cannot_sign_in() {
    let app = spawn_app().await;
    let (mut b, id) = app.portal_user("owner@suspend.vn", "OMS_USER").await;
    b.get("/portal/developer").await.expect(200);
    let set = |status: &'static str| {
        let db = app.db.clone();
        async move {
            depot_store::sql::query("UPDATE businesses SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(id)
                .execute(db.writer())
                .await
                .unwrap();
        }
    };
    set("SUSPENDED").await;
    // The open session is refused at the next click and ended.
    b.get("/portal/developer")
        .await
        .expect_redirect("/portal/login?notice=ended");
    let page = b.sign_in("owner@suspend.vn", PASSWORD).await;
    page.expect(403).contains("tạm ngưng");
    // A wrong password still says only that it is wrong.
    b.sign_in("owner@suspend.vn", "nope-nope-nope")
        .await
        .expect(401);
    set("REJECTED").await;
    b.get("/portal/login?lang=en").await;
    b.post(
        "/portal/login",
        &[("email", "owner@suspend.vn"), ("password", PASSWORD)],
    )
    .await
    .expect(403)
    .contains("registration was rejected");
    set("APPROVED").await;
    b.sign_in("owner@suspend.vn", PASSWORD)
        .await
        .expect_redirect("/portal/");
}

#[tokio::test]
async fn sign_out_ends_the_session_in_the_database() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("owner@out.vn", "API_USER").await;
    let cookie = b.cookie("depot_portal").unwrap().to_string();
    b.get("/portal/developer").await.expect(200);
    b.post("/portal/logout", &[]).await;
    // Replaying the old cookie gets nothing: the row is gone, not just the cookie.
    let mut thief = Browser::new(&app);
    let res = app
        .client
        .get(format!("{}/portal/developer", app.base))
        .header("cookie", format!("depot_portal={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "followed to the sign-in page");
    assert!(res.url().path().starts_with("/portal/login"));
    thief.get("/portal/developer").await.expect(303);
    let left = depot_store::sql::query_scalar::<i64>(
        "SELECT COUNT(*) FROM web_sessions WHERE account IS NOT NULL",
    )
    .fetch_one(app.db.reader())
    .await
    .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_session_idle_for_twelve_hours_ends() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("owner@idle.vn", "API_USER").await;
    // Activity keeps it alive.
    for _ in 0..3 {
        app.clock.advance(11 * 3600);
        b.get("/portal/developer").await.expect(200);
    }
    app.clock.advance(12 * 3600 + 1);
    b.get("/portal/developer")
        .await
        .expect_redirect("/portal/login?next=%2Fportal%2Fdeveloper");
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    b.get("/portal/login")
        .await
        .expect(200)
        .contains("<html lang=\"vi\">")
        .contains("Đăng nhập");
    let page = b.get("/portal/login?lang=en").await;
    page.expect(200)
        .contains("<html lang=\"en\">")
        .contains("Sign in to the merchant portal");
    assert!(page
        .headers
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("depot_lang=en;")));
    // Remembered on the next pages, the console's too.
    b.get("/portal/register")
        .await
        .contains("Register your business");
    b.get("/console/login")
        .await
        .contains("Sign in to the operator console");
    // Error texts and status labels come from the API's tables.
    let (mut user, _) = app.portal_user("owner@lang.vn", "API_USER").await;
    user.get("/portal/webhooks/999?lang=en")
        .await
        .expect(404)
        .contains("Page not found");
    b.sign_in("owner@lang.vn", "wrong-password")
        .await
        .contains("Wrong email or password");
    b.get("/portal/login?lang=vi")
        .await
        .contains("Đăng nhập cổng doanh nghiệp");
    b.get("/portal/register")
        .await
        .contains("Đăng ký doanh nghiệp");
    // A language we do not speak changes nothing.
    b.get("/portal/login?lang=fr")
        .await
        .contains("<html lang=\"vi\">");
}

#[tokio::test]
async fn a_reset_password_must_be_changed_at_sign_in() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("owner@reset.vn", "API_USER").await;
    // What `depot user reset-password` does: a one-time password, every session ended.
    let user = app
        .db
        .user_by_email("owner@reset.vn")
        .await
        .unwrap()
        .unwrap();
    let one_time = "Tm9kZ3Vlc3NhYmxl";
    let hash = depot_web::password::hash(one_time).await;
    assert!(app
        .db
        .set_user_password(user.id, &hash, true, app.clock_now())
        .await
        .unwrap());
    b.get("/portal/developer").await.expect(303);
    b.sign_in("owner@reset.vn", PASSWORD).await.expect(401);
    b.sign_in("owner@reset.vn", one_time)
        .await
        .expect_redirect("/portal/");
    b.get("/portal/developer")
        .await
        .expect_redirect("/portal/password");
    b.get("/portal/password")
        .await
        .expect(200)
        .contains("mật khẩu dùng một lần");
    b.post(
        "/portal/password",
        &[
            ("current_password", one_time),
            ("new_password", "Hoa-sen-nở-giữa-hồ-2027"),
            ("confirm_password", "Hoa-sen-no-giua-ho-2027"),
        ],
    )
    .await
    .expect(422)
    .contains("không giống nhau");
    b.post(
        "/portal/password",
        &[
            ("current_password", one_time),
            ("new_password", "owner@reset.vn"),
            ("confirm_password", "owner@reset.vn"),
        ],
    )
    .await
    .expect(422)
    .contains("Mật khẩu quá yếu");
    b.post(
        "/portal/password",
        &[
            ("current_password", one_time),
            ("new_password", "Hoa-sen-nở-giữa-hồ-2027"),
            ("confirm_password", "Hoa-sen-nở-giữa-hồ-2027"),
        ],
    )
    .await
    .expect_redirect("/portal/");
    b.get("/portal/developer")
        .await
        .expect(200)
        .contains("Đã đổi mật khẩu.");
    b.post("/portal/logout", &[]).await;
    b.sign_in("owner@reset.vn", "Hoa-sen-nở-giữa-hồ-2027")
        .await
        .expect_redirect("/portal/");
}
