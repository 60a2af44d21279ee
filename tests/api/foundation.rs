//! The base every capability stands on: auth, the envelope, languages, rate limits, operator
//! administration, health, OpenAPI.

use crate::helpers::*;
use depot_api::Config;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let health = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn merchant_auth_accepts_the_three_header_forms() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    for value in [
        m.api_key.clone(),
        format!("Token {}", m.api_key),
        format!("Bearer {}", m.api_key),
    ] {
        let reply = send(
            app.request(Method::GET, "/api/v1/warehouses")
                .header("Authorization", value),
        )
        .await;
        reply.expect_ok(200);
    }
}

#[tokio::test]
async fn merchant_auth_errors_follow_the_contract() {
    let app = spawn_app().await;

    let missing = send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("Accept-Language", "en"),
    )
    .await;
    let body = missing.expect_error(401, "UNAUTHORIZED");
    assert_eq!(
        body["messages"],
        "Invalid token header. No credentials provided."
    );

    let unknown = send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("Accept-Language", "en")
            .header("Authorization", "dpk_nope_nope"),
    )
    .await;
    assert_eq!(
        unknown.expect_error(401, "UNAUTHORIZED")["messages"],
        "Invalid token. User key not found."
    );

    // A pending business is known but not allowed in.
    let created = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": "P", "email": "p@x.vn"})),
    )
    .await;
    let created = created.expect_ok(201);
    assert_eq!(created["status"], "PENDING");
    let id = created["business_id"].as_i64().unwrap();
    let key = send(app.ops(Method::POST, &format!("/businesses/{id}/api-keys"))).await;
    let token = key.expect_ok(201)["api_key"].as_str().unwrap().to_string();
    let pending = send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("Authorization", &token),
    )
    .await;
    pending.expect_error(403, "FORBIDDEN");

    // Approved, it works; revoked, it is unknown again.
    send(app.ops(Method::POST, &format!("/businesses/{id}/approve")))
        .await
        .expect_ok(200);
    send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("Authorization", &token),
    )
    .await
    .expect_ok(200);
    let key_id = key.body["data"]["key_id"].as_str().unwrap();
    send(app.ops(Method::POST, &format!("/api-keys/{key_id}/revoke")))
        .await
        .expect_ok(200);
    let revoked = send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("Authorization", &token),
    )
    .await;
    revoked.expect_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn keys_are_stored_only_as_hashes_and_reset_revokes_the_old_key() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    assert!(m.api_key.starts_with("dpk_"));
    assert_eq!(m.api_key, format!("{}_{}", m.key_id, m.secret));
    let stored: Vec<String> = depot_store::sql::query_scalar("SELECT token_hash FROM api_keys")
        .fetch_all(app.db.reader())
        .await
        .unwrap();
    assert!(stored
        .iter()
        .all(|h| h.len() == 64 && !h.contains(&m.secret)));

    let reset = send(app.ops(Method::POST, &format!("/api-keys/{}/reset", m.key_id))).await;
    let new_key = reset.expect_ok(201)["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        app.request(Method::GET, "/api/v1/brands")
            .header("Authorization", &new_key),
    )
    .await
    .expect_ok(200);
    send(app.api(&m, Method::GET, "/brands"))
        .await
        .expect_error(401, "UNAUTHORIZED");
    // The old key cannot be reset again, and unknown keys are a clear 404.
    send(app.ops(Method::POST, &format!("/api-keys/{}/reset", m.key_id)))
        .await
        .expect_error(404, "API_KEY_NOT_FOUND");
    send(app.ops(Method::POST, "/api-keys/dpk_missing/revoke"))
        .await
        .expect_error(404, "API_KEY_NOT_FOUND");
}

#[tokio::test]
async fn operator_api_requires_an_operator_token() {
    let app = spawn_app().await;
    let none = send(
        app.request(Method::POST, "/ops/v1/brands")
            .json(&json!({"name": "X"})),
    )
    .await;
    none.expect_error(401, "UNAUTHORIZED");
    let wrong = send(
        app.request(Method::POST, "/ops/v1/brands")
            .bearer_auth("dop_wrong")
            .json(&json!({"name": "X"})),
    )
    .await;
    wrong.expect_error(401, "UNAUTHORIZED");
    // A merchant key is not an operator token.
    let m = app.merchant().await;
    let merchant = send(
        app.request(Method::POST, "/ops/v1/brands")
            .bearer_auth(&m.api_key)
            .json(&json!({"name": "X"})),
    )
    .await;
    merchant.expect_error(401, "UNAUTHORIZED");
    // A token issued by the store works like the configured one.
    let issued = app.db.create_ops_token(START_TIME).await.unwrap();
    let ok = send(
        app.request(Method::POST, "/ops/v1/brands")
            .bearer_auth(&issued)
            .json(&json!({"name": "X"})),
    )
    .await;
    ok.expect_ok(201);
    assert_eq!(
        depot_store::sql::query_scalar::<i64>("SELECT COUNT(*) FROM brands")
            .fetch_one(app.db.reader())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn businesses_lifecycle_and_lookups() {
    let app = spawn_app().await;
    let created = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": "Cửa hàng A", "email": "a@shop.vn"})),
    )
    .await;
    let id = created.expect_ok(201)["business_id"].as_i64().unwrap();
    let got = send(app.ops(Method::GET, &format!("/businesses/{id}"))).await;
    assert_eq!(got.expect_ok(200)["name"], "Cửa hàng A");
    let approved = send(app.ops(Method::POST, &format!("/businesses/{id}/approve"))).await;
    assert_eq!(approved.expect_ok(200)["status"], "APPROVED");
    send(app.ops(Method::GET, "/businesses/999999"))
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
    send(app.ops(Method::GET, "/businesses/abc"))
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
    send(app.ops(Method::POST, "/businesses/999999/approve"))
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
    send(app.ops(Method::POST, "/businesses/999999/api-keys"))
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
}

#[tokio::test]
async fn bad_bodies_answer_invalid_payload_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let count = || async {
        depot_store::sql::query_scalar::<i64>("SELECT COUNT(*) FROM businesses")
            .fetch_one(app.db.reader())
            .await
            .unwrap()
    };

    let malformed = send(
        app.ops(Method::POST, "/businesses")
            .header("Content-Type", "application/json")
            .body("{\"name\": "),
    )
    .await;
    malformed.expect_error(422, "INVALID_PAYLOAD");
    assert!(malformed.body["error_detail"]["body"].is_array());

    let missing = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": "No email"})),
    )
    .await;
    let detail = &missing.expect_error(422, "INVALID_PAYLOAD")["error_detail"];
    assert_eq!(detail["email"][0], "missing field `email`");

    let wrong_type = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": 5, "email": "a@b.c"})),
    )
    .await;
    assert!(wrong_type.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["name"].is_array());

    let blank = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": "  ", "email": "not-an-email"})),
    )
    .await;
    assert!(blank.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["name"].is_array());

    let empty = send(app.ops(Method::POST, "/businesses")).await;
    empty.expect_error(422, "INVALID_PAYLOAD");

    // Unknown fields are ignored.
    let extra = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": "A", "email": "a@b.c", "x": 1})),
    )
    .await;
    extra.expect_ok(201);
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn oversize_bodies_are_refused() {
    let app = spawn_app_with(Config {
        body_limit_bytes: 1024,
        rate_limit_per_minute: 0,
        ..Config::default()
    })
    .await;
    let big = "x".repeat(4096);
    let reply = send(app.ops(Method::POST, "/brands").json(&json!({"name": big}))).await;
    reply.expect_error(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(
        depot_store::sql::query_scalar::<i64>("SELECT COUNT(*) FROM brands")
            .fetch_one(app.db.reader())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn routing_errors_use_the_envelope() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    send(app.api(&m, Method::GET, "/no-such-thing"))
        .await
        .expect_error(404, "NOT_FOUND");
    send(app.request(Method::GET, "/nowhere"))
        .await
        .expect_error(404, "NOT_FOUND");
    send(app.api(&m, Method::DELETE, "/warehouses"))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    send(app.ops(Method::GET, "/brands"))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn paths_work_under_both_prefixes_and_with_a_trailing_slash() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    app.warehouse("WH-HN01").await;
    for path in [
        "/api/v1/warehouses",
        "/api/v1/warehouses/",
        "/v1/warehouses",
        "/v1/warehouses/",
    ] {
        let reply = send(
            app.request(Method::GET, path)
                .header("Authorization", &m.api_key),
        )
        .await;
        assert_eq!(
            reply.expect_ok(200)[0]["warehouse_code"],
            "WH-HN01",
            "{path}"
        );
    }
}

#[tokio::test]
async fn language_selects_messages_and_defaults_to_vietnamese() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let vi = send(app.api(&m, Method::GET, "/missing")).await;
    assert_eq!(
        vi.expect_error(404, "NOT_FOUND")["messages"],
        "Không tìm thấy tài nguyên"
    );
    let en = send(
        app.api(&m, Method::GET, "/missing")
            .header("Accept-Language", "en-US,en;q=0.9"),
    )
    .await;
    assert_eq!(
        en.expect_error(404, "NOT_FOUND")["messages"],
        "Resource not found"
    );
}

#[tokio::test]
async fn request_id_is_echoed_and_used_as_log_id() {
    let app = spawn_app().await;
    let reply = send(app.request(Method::GET, "/api/v1/warehouses")).await;
    let id = reply
        .header("x-request-id")
        .expect("request id header")
        .to_string();
    assert_eq!(reply.body["log_id"], id.as_str());
    // A client's own request id is kept.
    let reply = send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("X-Request-Id", "client-42"),
    )
    .await;
    assert_eq!(reply.header("x-request-id"), Some("client-42"));
    assert_eq!(reply.body["log_id"], "client-42");
}

#[tokio::test]
async fn rate_limit_per_key_with_headers() {
    let app = spawn_app_with(Config {
        rate_limit_per_minute: 3,
        ..Config::default()
    })
    .await;
    let m = app.merchant().await;
    let other = app.merchant().await;
    for remaining in [2, 1, 0] {
        let ok = send(app.api(&m, Method::GET, "/warehouses")).await;
        ok.expect_ok(200);
        assert_eq!(ok.header("ratelimit-policy"), Some("\"default\";q=3;w=60"));
        assert_eq!(ok.header("ratelimit-limit"), Some("3"));
        assert_eq!(
            ok.header("ratelimit-remaining"),
            Some(remaining.to_string().as_str())
        );
        assert!(ok
            .header("ratelimit")
            .unwrap()
            .starts_with(&format!("\"default\";r={remaining};t=")));
    }
    let limited = send(app.api(&m, Method::GET, "/warehouses")).await;
    limited.expect_error(429, "TOO_MANY_REQUESTS");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "retry after {retry}");
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    // Another key has its own budget.
    send(app.api(&other, Method::GET, "/warehouses"))
        .await
        .expect_ok(200);
}

#[tokio::test]
async fn warehouses_and_brands_from_operators_to_merchants() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    app.warehouse("WH-SG01").await;
    app.warehouse("WH-HN01").await;
    let dup = send(app.ops(Method::POST, "/warehouses").json(&json!({
        "warehouse_code": "WH-HN01", "name": "Again", "address": "x"
    })))
    .await;
    dup.expect_error(400, "WAREHOUSE_ALREADY_EXISTS");
    let list = send(app.api(&m, Method::GET, "/warehouses")).await;
    assert_eq!(list.body["total"], 2);
    let codes: Vec<&str> = list
        .expect_ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["warehouse_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["WH-HN01", "WH-SG01"]);
    assert_eq!(list.body["data"][0]["province_code"], "01");

    for name in ["Tamron", "Canon", "Tam Anh"] {
        send(
            app.ops(Method::POST, "/brands")
                .json(&json!({ "name": name })),
        )
        .await
        .expect_ok(201);
    }
    let all = send(app.api(&m, Method::GET, "/brands")).await;
    assert_eq!(all.body["total"], 3);
    let tam = send(app.api(&m, Method::GET, "/brands?keyword=tam")).await;
    let names: Vec<&str> = tam
        .expect_ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Tam Anh", "Tamron"]);
    assert!(tam.body["data"][0]["id"].is_i64());
}

#[tokio::test]
async fn address_directory_is_real_vietnamese_data() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let provinces = send(app.api(&m, Method::GET, "/provinces")).await;
    assert_eq!(provinces.body["total"], 63);
    let data = provinces.expect_ok(200).as_array().unwrap();
    assert!(data.contains(&json!({"code": "01", "name": "Thành phố Hà Nội"})));
    assert!(data.contains(&json!({"code": "79", "name": "Thành phố Hồ Chí Minh"})));

    let districts = send(app.api(&m, Method::GET, "/districts?province_code=01")).await;
    let districts = districts.expect_ok(200).as_array().unwrap();
    assert!(
        districts.contains(&json!({"code": "001", "name": "Quận Ba Đình", "province_code": "01"}))
    );
    assert!(districts.iter().all(|d| d["province_code"] == "01"));

    let wards = send(app.api(&m, Method::GET, "/wards?district_code=001")).await;
    let wards = wards.expect_ok(200).as_array().unwrap();
    assert!(
        wards.contains(&json!({"code": "00001", "name": "Phường Phúc Xá", "district_code": "001"}))
    );
    assert!(wards.iter().all(|w| w["district_code"] == "001"));

    let none = send(app.api(&m, Method::GET, "/wards?district_code=nope")).await;
    assert_eq!(none.body["total"], 0);
}

/// The OpenAPI document is compared with the committed snapshot, so every API change shows
/// up as a reviewed diff. Regenerate with `DEPOT_UPDATE_SNAPSHOTS=1`.
#[tokio::test]
async fn openapi_document_matches_snapshot() {
    let app = spawn_app().await;
    let reply = send(app.request(Method::GET, "/openapi.json")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["openapi"], "3.1.0");
    let rendered = serde_json::to_string_pretty(&reply.body).unwrap() + "\n";
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/snapshots/openapi.json"
    );
    if std::env::var("DEPOT_UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(path, &rendered).unwrap();
    }
    let expected =
        std::fs::read_to_string(path).expect("snapshot exists (run with DEPOT_UPDATE_SNAPSHOTS=1)");
    assert!(
        expected == rendered,
        "openapi.json changed; review and rerun with DEPOT_UPDATE_SNAPSHOTS=1"
    );
    // Every merchant and operator route is documented.
    let paths = reply.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/warehouses",
        "/api/v1/brands",
        "/api/v1/provinces",
        "/ops/v1/businesses",
        "/ops/v1/api-keys/{key_id}/revoke",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    let docs = app.request(Method::GET, "/docs/").send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn cli_creates_an_approved_business_with_a_working_key() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("depot-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/cli.db", dir.display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args([
            "--database-url",
            &url,
            "business",
            "create",
            "--name",
            "CLI Shop",
            "--approve",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| -> String {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        field("api_key"),
        format!("{}_{}", field("key_id"), field("secret"))
    );
    // The key works against a server on that database.
    let db = depot_store::Db::connect(&url, &Default::default())
        .await
        .unwrap();
    let owner = db
        .key_owner(&field("api_key"))
        .await
        .unwrap()
        .expect("key stored");
    assert_eq!(owner.business_id.to_string(), field("business_id"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args([
            "--database-url",
            &url,
            "api-key",
            "revoke",
            &field("key_id"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(db.key_owner(&field("api_key")).await.unwrap().is_none());
    db.close().await;
    drop(app);
    let _ = std::fs::remove_dir_all(dir);
}

/// `depot serve` stops cleanly on SIGTERM: in-flight work finishes, the process exits 0.
#[tokio::test]
async fn serve_shuts_down_gracefully_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("depot-serve-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args([
            "--database-url",
            &format!("sqlite://{}/serve.db", dir.display()),
        ])
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "server came up");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exited = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        loop {
            if let Some(code) = child.try_wait().unwrap() {
                let mut log = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
                return Some((code, log));
            }
            if started.elapsed() > std::time::Duration::from_secs(10) {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    })
    .await
    .unwrap();
    let (code, log) = exited.expect("exited within 10 s of SIGTERM");
    assert!(code.success(), "exit status {code:?}: {log}");
    assert!(log.contains("depot stopped"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}
