//! Cross-site request protection, security headers, HTML error pages and tenancy.

use crate::helpers::spawn_app;
use crate::web::{Browser, PASSWORD};

#[tokio::test]
async fn forms_that_change_something_refuse_cross_site_requests() {
    let app = spawn_app().await;
    let (mut b, id) = app.portal_user("owner@csrf.vn", "API_USER").await;
    b.get("/portal/developer").await.expect(200);
    let token = b.csrf.clone().unwrap();
    let keys = || async { app.db.business_api_keys(id).await.unwrap().len() };

    // No token.
    b.post_raw("/portal/developer/keys", &[], &[])
        .await
        .expect(403)
        .contains("Biểu mẫu đã hết hạn");
    // A wrong token.
    b.post_raw("/portal/developer/keys", &[("csrf", "forged")], &[])
        .await
        .expect(403);
    // Another session's token.
    let mut other = Browser::new(&app);
    other.get("/portal/login").await.expect(200);
    let foreign = other.csrf.clone().unwrap();
    assert_ne!(foreign, token);
    b.post_raw("/portal/developer/keys", &[("csrf", &foreign)], &[])
        .await
        .expect(403);
    // The right token sent from another site, by Fetch Metadata or by Origin.
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
    ] {
        b.post_raw("/portal/developer/keys", &[("csrf", &token)], &headers)
            .await
            .expect(403);
    }
    assert_eq!(keys().await, 0, "no refused form changed anything");

    // The right token from the page itself works, with or without provenance headers.
    let origin = app.base.clone();
    let page = b
        .post_raw(
            "/portal/developer/keys",
            &[("csrf", &token)],
            &[("sec-fetch-site", "same-origin"), ("origin", &origin)],
        )
        .await;
    page.expect(200);
    assert!(page.secret().is_some());
    b.post_raw("/portal/developer/keys", &[("csrf", &token)], &[])
        .await
        .expect(200);
    // The token also travels as a header (htmx).
    b.post_raw("/portal/developer/keys", &[], &[("x-csrf-token", &token)])
        .await
        .expect(200);
    assert_eq!(keys().await, 3);

    // Sign-in and sign-up forms are protected too (login CSRF).
    let mut fresh = Browser::new(&app);
    fresh
        .post_raw(
            "/portal/login",
            &[("email", "owner@csrf.vn"), ("password", PASSWORD)],
            &[],
        )
        .await
        .expect(403);
    fresh.get("/portal/login").await;
    let t = fresh.csrf.clone().unwrap();
    fresh
        .post_raw(
            "/portal/login",
            &[
                ("email", "owner@csrf.vn"),
                ("password", PASSWORD),
                ("csrf", &t),
            ],
            &[("sec-fetch-site", "cross-site")],
        )
        .await
        .expect(403);
    // Signing in gives a new session id and a new token: the old one no longer works.
    fresh
        .post(
            "/portal/login",
            &[("email", "owner@csrf.vn"), ("password", PASSWORD)],
        )
        .await
        .expect_redirect("/portal/");
    fresh
        .post_raw("/portal/developer/keys", &[("csrf", &t)], &[])
        .await
        .expect(403);
    // Console forms too.
    let mut op = Browser::new(&app);
    op.get("/console/login").await.expect(200);
    op.post_raw(
        "/console/login",
        &[("email", "a@b.vn"), ("password", "x")],
        &[],
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("owner@headers.vn", "API_USER").await;
    for path in [
        "/portal/login",
        "/portal/register",
        "/portal/developer",
        "/portal/nowhere",
        "/console/login",
    ] {
        let page = b.get(path).await;
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}");
        assert!(csp.contains("style-src 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert!(!csp.contains("unsafe-eval"), "{path}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("referrer-policy"), Some("same-origin"));
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        // No inline script or style in the page itself.
        assert!(!page.body.contains("<script>"), "{path}");
        assert!(!page.body.contains("style="), "{path}");
        assert!(!page.body.contains("<style"), "{path}");
    }
    // The session cookie: HttpOnly, SameSite=Lax, scoped to the face; not Secure over http.
    let page = Browser::new(&app).get("/portal/login").await;
    let cookie = page.header("set-cookie").unwrap().to_string();
    assert!(cookie.starts_with("depot_portal="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Path=/portal"));
    assert!(!cookie.contains("Secure"));
    // Assets are served from Depot itself, cacheable.
    let css = app
        .client
        .get(format!("{}/static/depot.css", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status().as_u16(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

#[tokio::test]
async fn secure_cookies_and_hsts_behind_https() {
    let app = crate::helpers::spawn_app().await;
    // A second server on the same database whose public URL is https.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = depot_api::Config {
        public_url: "https://depot.example.com".into(),
        rate_limit_per_minute: 0,
        ..depot_api::Config::default()
    };
    let state = depot_api::AppState::new(app.db.clone(), app.clock.clone(), config);
    let pages = depot::pages(
        &state,
        &depot_web::WebConfig::new("https://depot.example.com"),
    );
    tokio::spawn(depot_api::serve_with(
        listener,
        state,
        pages,
        std::future::pending(),
    ));
    let res = reqwest::get(format!("{base}/portal/login")).await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

#[tokio::test]
async fn what_does_not_exist_or_is_another_business_s_is_an_html_404() {
    let app = spawn_app().await;
    let (mut a, _) = app.portal_user("a@tenancy.vn", "API_USER").await;
    let (mut b, b_id) = app.portal_user("b@tenancy.vn", "API_USER").await;
    // B's key and webhook.
    b.get("/portal/developer").await;
    let issued = b.post("/portal/developer/keys", &[]).await;
    let b_token = issued.secret().unwrap();
    let b_key = app.db.business_api_keys(b_id).await.unwrap()[0]
        .key_id
        .clone();
    b.get("/portal/webhooks").await;
    b.post(
        "/portal/webhooks",
        &[("url", "https://b.example/hooks"), ("language", "vi")],
    )
    .await
    .expect(200);
    let hook = app.db.webhooks(b_id, app.clock_now()).await.unwrap()[0].id;

    a.get("/portal/developer").await.expect(200);
    for path in [
        format!("/portal/developer/keys/{b_key}/revoke"),
        format!("/portal/developer/keys/{b_key}/reset"),
        format!("/portal/webhooks/{hook}/rotate"),
        format!("/portal/webhooks/{hook}/delete"),
        format!("/portal/webhooks/{hook}/disable"),
        format!("/portal/webhooks/{hook}/test"),
        "/portal/developer/keys/dpk_nothing/revoke".to_string(),
    ] {
        a.post(&path, &[])
            .await
            .expect(404)
            .contains("Không tìm thấy trang");
    }
    for path in [
        format!("/portal/webhooks/{hook}"),
        "/portal/webhooks/999999".to_string(),
        "/portal/webhooks/abc".to_string(),
        "/portal/no-such-page".to_string(),
        "/portal/shipments".to_string(),
        "/console/no-such-page".to_string(),
    ] {
        a.get(&path).await.expect(404);
    }
    // B's key still works: A changed nothing.
    let res = app
        .client
        .get(format!("{}/api/v1/warehouses", app.base))
        .header("Authorization", &b_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let b_hook = app.db.webhook(b_id, hook, app.clock_now()).await.unwrap();
    assert!(b_hook.is_some());
    // A wrong method is an HTML page too, not the API's JSON.
    let res = app
        .client
        .put(format!("{}/portal/developer", app.base))
        .header("x-csrf-token", "whatever")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}
