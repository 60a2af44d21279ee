//! Developer tools: generate, reset and revoke keys from the portal; the keys work (and stop
//! working) on the API at once; last use is shown.

use crate::helpers::spawn_app;
use crate::web::Page;

async fn api_status(app: &crate::helpers::TestApp, token: &str) -> u16 {
    app.client
        .get(format!("{}/api/v1/warehouses", app.base))
        .header("Authorization", token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn key_id_of(token: &str) -> String {
    // dpk_<16>_<40>
    token[..20].to_string()
}

fn row<'a>(page: &'a Page, key_id: &str) -> &'a str {
    let at = page
        .body
        .find(&format!("data-key-id=\"{key_id}\""))
        .expect("the key's row");
    let rest = &page.body[at..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn generate_reset_and_revoke_keys() {
    let app = spawn_app().await;
    let (mut b, id) = app.portal_user("dev@keys.vn", "API_USER").await;
    b.get("/portal/developer")
        .await
        .expect(200)
        .contains("Chưa có khóa API")
        .contains("Tạo khóa");

    // Generate: the token is shown once, in an element with data-secret, with a copy button.
    let page = b.post("/portal/developer/keys", &[]).await;
    page.expect(200)
        .contains("data-copy=\"new-token\"")
        .contains("chỉ hiển thị một lần");
    let token = page.secret().expect("the new token");
    assert!(token.starts_with("dpk_"), "{token}");
    let key_id = key_id_of(&token);
    assert!(row(&page, &key_id).contains("data-status=\"ACTIVE\""));
    assert_eq!(api_status(&app, &token).await, 200);
    // Never shown again.
    let again = b.get("/portal/developer").await;
    again.expect(200).lacks(&token);
    assert!(again.secret().is_none());

    // Last use is recorded (at most once a minute) and shown.
    let rows = app.db.business_api_keys(id).await.unwrap();
    assert_eq!(rows[0].last_used_time, Some(app.clock_now()));
    assert!(!row(&again, &key_id).contains("Chưa bao giờ"));
    app.clock.advance(30);
    assert_eq!(api_status(&app, &token).await, 200);
    let rows = app.db.business_api_keys(id).await.unwrap();
    assert_eq!(
        rows[0].last_used_time,
        Some(app.clock_now() - 30),
        "once a minute"
    );
    app.clock.advance(31);
    assert_eq!(api_status(&app, &token).await, 200);
    let rows = app.db.business_api_keys(id).await.unwrap();
    assert_eq!(rows[0].last_used_time, Some(app.clock_now()));

    // Reset: a new key, the old one revoked at once.
    let page = b
        .post(&format!("/portal/developer/keys/{key_id}/reset"), &[])
        .await;
    page.expect(200).contains("Khóa cũ đã bị thu hồi");
    let new_token = page.secret().unwrap();
    assert_ne!(new_token, token);
    assert_eq!(api_status(&app, &token).await, 401);
    assert_eq!(api_status(&app, &new_token).await, 200);
    assert!(row(&page, &key_id).contains("data-status=\"REVOKED\""));
    let new_id = key_id_of(&new_token);
    assert!(row(&page, &new_id).contains("data-status=\"ACTIVE\""));
    // A revoked key cannot be reset or revoked again from the page.
    b.post(&format!("/portal/developer/keys/{key_id}/reset"), &[])
        .await
        .expect(404);

    // Revoke.
    let page = b
        .post(&format!("/portal/developer/keys/{new_id}/revoke"), &[])
        .await;
    page.expect_redirect("/portal/developer");
    let page = b.follow(&page).await;
    page.expect(200).contains("Đã thu hồi khóa");
    assert!(row(&page, &new_id).contains("data-status=\"REVOKED\""));
    assert_eq!(api_status(&app, &new_token).await, 401);
    // The button names each action in the page's language.
    let page = b.post("/portal/developer/keys?lang=en", &[]).await;
    page.expect(200)
        .contains(">Generate key</button>")
        .contains(">Reset</button>")
        .contains(">Revoke</button>")
        .contains(">Copy</button>");
}

#[tokio::test]
async fn an_oms_user_sees_the_same_developer_tools() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("oms@keys.vn", "OMS_USER").await;
    let page = b.get("/portal/developer?lang=en").await;
    page.expect(200)
        .contains("href=\"/portal/developer\" aria-current=\"page\"")
        .contains("href=\"/portal/webhooks\"")
        .contains("href=\"/portal/reports\"")
        .contains("href=\"/portal/videos\"");
    b.get("/portal/reports")
        .await
        .expect(200)
        .contains("No reports yet");
    b.get("/portal/videos")
        .await
        .expect(200)
        .contains("No videos yet");
}
