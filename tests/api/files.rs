//! Upload file (SPEC §3.1) and the public file URLs it hands out.

use crate::helpers::*;
use depot_api::Config;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

const BOUNDARY: &str = "depot-test-boundary-7f3a";

/// One multipart part: name, file name, content type, bytes.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    content_type: Option<&'a str>,
    bytes: &'a [u8],
}

fn file_part<'a>(file_name: &'a str, content_type: Option<&'a str>, bytes: &'a [u8]) -> Part<'a> {
    Part {
        name: "file",
        file_name: Some(file_name),
        content_type,
        bytes,
    }
}

/// A multipart/form-data body, written by hand so every header of a part is the test's choice.
fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
        if let Some(f) = p.file_name {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(t) = p.content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(p.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload(app: &TestApp, m: &TestMerchant, parts: &[Part]) -> RequestBuilder {
    app.api(m, Method::POST, "/files/upload")
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts))
}

async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.client.get(url).send().await.expect("file fetched")
}

async fn file_rows(app: &TestApp) -> i64 {
    depot_store::sql::query_scalar("SELECT COUNT(*) FROM files")
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

/// Every regular file under the test's storage directory.
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.storage_dir, &mut out);
    out
}

#[tokio::test]
async fn an_uploaded_file_is_served_back_at_its_absolute_url() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let text = "Phiếu giao hàng: 3 thùng, hàng dễ vỡ\n".as_bytes();
    let reply = send(upload(
        &app,
        &m,
        &[file_part("ghi chú giao hàng.txt", Some("text/plain"), text)],
    ))
    .await;
    let data = reply.expect_ok(200).clone();
    assert_eq!(reply.body["total"], 1);
    assert_eq!(data["file_name"], "ghi chú giao hàng.txt");
    assert_eq!(data["size"], text.len());
    assert_eq!(data["content_type"], "text/plain");
    let url = data["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/files/", app.base)),
        "absolute url under the public url: {url}"
    );
    assert!(
        url.ends_with("/ghi%20ch%C3%BA%20giao%20h%C3%A0ng.txt"),
        "{url}"
    );

    // Anyone holding the URL can fetch it: no API key (the warehouse) or with one (the merchant).
    for request in [
        app.client.get(url),
        app.client.get(url).header("Authorization", &m.api_key),
    ] {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let headers = res.headers().clone();
        assert_eq!(headers["content-type"], "text/plain");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("inline;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''ghi%20ch%C3%BA%20giao%20h%C3%A0ng.txt"),
            "{disposition}"
        );
        assert_eq!(res.bytes().await.unwrap().as_ref(), text);
    }

    // The row belongs to the uploader; the bytes are on disk once.
    let owner: i64 = depot_store::sql::query_scalar("SELECT business_id FROM files")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(owner, m.business_id);
    assert_eq!(stored_files(&app).len(), 1);
}

#[tokio::test]
async fn binary_files_round_trip_and_types_are_guessed_from_the_name() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    // Every byte value, CR LF and dashes included, past the JSON body limit.
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(1_500_000).collect();
    bytes.extend_from_slice(b"\r\n--\r\n%PDF-1.7 tail\r\n");
    let reply = send(upload(&app, &m, &[file_part("label.PDF", None, &bytes)])).await;
    let data = reply.expect_ok(200).clone();
    assert_eq!(data["content_type"], "application/pdf");
    assert_eq!(data["size"], bytes.len());
    let res = fetch(&app, data["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // An octet-stream part with a known extension gets the better type; unknown stays generic.
    let reply = send(upload(
        &app,
        &m,
        &[file_part(
            "photo.jpg",
            Some("application/octet-stream"),
            b"\xff\xd8\xff",
        )],
    ))
    .await;
    assert_eq!(reply.expect_ok(200)["content_type"], "image/jpeg");
    let reply = send(upload(
        &app,
        &m,
        &[file_part("dump.bin", None, b"\x00\x01")],
    ))
    .await;
    let data = reply.expect_ok(200).clone();
    assert_eq!(data["content_type"], "application/octet-stream");
    let res = fetch(&app, data["url"].as_str().unwrap()).await;
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(res.headers()["content-security-policy"], "sandbox");
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_nothing_is_kept() {
    let app = spawn_app_with(Config {
        rate_limit_per_minute: 0,
        upload_limit_bytes: 1024,
        ..Config::default()
    })
    .await;
    let m = app.merchant().await;

    let big = vec![7u8; 1025];
    let reply = send(upload(&app, &m, &[file_part("big.bin", None, &big)])).await;
    let body = reply.expect_error(413, "FILE_TOO_LARGE");
    assert!(body["error_detail"]["file"][0]
        .as_str()
        .unwrap()
        .contains("1024"));
    // Far over the limit: refused from the declared length alone.
    let huge = vec![7u8; 200 * 1024];
    send(upload(&app, &m, &[file_part("huge.bin", None, &huge)]))
        .await
        .expect_error(413, "FILE_TOO_LARGE");
    // With an Idempotency-Key too (that layer reads the body first).
    send(upload(&app, &m, &[file_part("big.bin", None, &big)]).header("Idempotency-Key", "k-big"))
        .await
        .expect_error(413, "FILE_TOO_LARGE");
    assert_eq!(file_rows(&app).await, 0);
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));

    // Exactly the limit is fine.
    let exact = vec![7u8; 1024];
    send(upload(&app, &m, &[file_part("exact.bin", None, &exact)]))
        .await
        .expect_ok(200);
    assert_eq!(file_rows(&app).await, 1);
    assert_eq!(stored_files(&app).len(), 1);
}

#[tokio::test]
async fn a_missing_or_empty_file_is_an_invalid_payload() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let field_error = |reply: &Reply| -> String {
        let body = reply.expect_error(422, "INVALID_PAYLOAD");
        body["error_detail"]["file"][0]
            .as_str()
            .unwrap_or_else(|| panic!("names the file field: {body:#}"))
            .to_string()
    };

    // Only another part.
    let other = Part {
        name: "note",
        file_name: None,
        content_type: None,
        bytes: b"hello",
    };
    let reply = send(upload(&app, &m, &[other])).await;
    assert_eq!(field_error(&reply), "is required");
    // No part at all.
    assert_eq!(
        field_error(&send(upload(&app, &m, &[])).await),
        "is required"
    );
    // An empty file.
    let reply = send(upload(&app, &m, &[file_part("empty.txt", None, b"")])).await;
    assert_eq!(field_error(&reply), "must not be empty");
    // Two files.
    let reply = send(upload(
        &app,
        &m,
        &[
            file_part("a.txt", None, b"a"),
            file_part("b.txt", None, b"b"),
        ],
    ))
    .await;
    field_error(&reply);
    // Not multipart at all.
    let reply = send(
        app.api(&m, Method::POST, "/files/upload")
            .json(&serde_json::json!({"file": "x"})),
    )
    .await;
    field_error(&reply);
    let reply = send(app.api(&m, Method::POST, "/files/upload")).await;
    field_error(&reply);
    assert_eq!(file_rows(&app).await, 0);
}

#[tokio::test]
async fn uploading_needs_an_api_key() {
    let app = spawn_app().await;
    let reply = send(
        app.request(Method::POST, "/api/v1/files/upload")
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(&[file_part("a.txt", None, b"a")])),
    )
    .await;
    reply.expect_error(401, "UNAUTHORIZED");
    assert_eq!(file_rows(&app).await, 0);
}

#[tokio::test]
async fn unknown_file_urls_answer_404_in_the_envelope() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let reply = send(upload(&app, &m, &[file_part("a.txt", None, b"a")])).await;
    let url = reply.expect_ok(200)["url"].as_str().unwrap().to_string();

    let token = "A".repeat(32);
    for path in [
        format!("/files/{token}/a.txt"),
        "/files/short/a.txt".to_string(),
        "/files/..%2F..%2Fetc/passwd".to_string(),
    ] {
        let reply = send(app.request(Method::GET, &path)).await;
        reply.expect_error(404, "FILE_NOT_FOUND");
    }
    // The name segment only names the download; the token alone is the permission.
    let renamed = format!("{}/other-name.txt", url.rsplit_once('/').unwrap().0);
    let res = fetch(&app, &renamed).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"a");
}

#[tokio::test]
async fn a_repeated_upload_with_the_same_idempotency_key_is_kept_once() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let bytes = vec![1u8; 2 * 1024 * 1024];
    let first = send(
        upload(&app, &m, &[file_part("a.bin", None, &bytes)]).header("Idempotency-Key", "up-1"),
    )
    .await;
    let second = send(
        upload(&app, &m, &[file_part("a.bin", None, &bytes)]).header("Idempotency-Key", "up-1"),
    )
    .await;
    assert_eq!(first.expect_ok(200), second.expect_ok(200));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(file_rows(&app).await, 1);
    assert_eq!(
        second.body["data"]["url"],
        Value::String(first.body["data"]["url"].as_str().unwrap().into())
    );
}
