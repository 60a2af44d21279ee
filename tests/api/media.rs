//! Evidence media (SPEC §9): operator uploads that stream to storage, the merchant lists,
//! capability URLs with ranges, type checks by content, the size limit, atomic uploads,
//! tenancy, retention and the `media.added` event.

use crate::helpers::*;
use axum::body::Bytes;
use depot_api::{AppState, Config};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BOUNDARY: &str = "depot-media-boundary-51c2";
const WH: &str = "WH-MEDIA";

/// One multipart part: name, file name, content type, bytes.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    content_type: Option<&'a str>,
    bytes: &'a [u8],
}

fn file<'a>(file_name: &'a str, content_type: Option<&'a str>, bytes: &'a [u8]) -> Part<'a> {
    Part {
        name: "file",
        file_name: Some(file_name),
        content_type,
        bytes,
    }
}

fn text<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part {
        name,
        file_name: None,
        content_type: None,
        bytes: value.as_bytes(),
    }
}

/// The opening of a part: boundary line and headers.
fn part_head(p: &Part) -> Vec<u8> {
    let mut head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"",
        p.name
    );
    if let Some(f) = p.file_name {
        head.push_str(&format!("; filename=\"{f}\""));
    }
    head.push_str("\r\n");
    if let Some(t) = p.content_type {
        head.push_str(&format!("Content-Type: {t}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// A multipart/form-data body, written by hand so every header of a part is the test's choice.
fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(&part_head(p));
        body.extend_from_slice(p.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn upload(app: &TestApp, path: &str, parts: &[Part]) -> RequestBuilder {
    app.ops(Method::POST, path)
        .header("Content-Type", content_type())
        .body(multipart(parts))
}

/// `n` bytes that an MP4 reader recognises: an `ftyp` box, then a varied payload.
fn mp4(n: usize) -> Vec<u8> {
    let mut v = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    v.extend((0..n.saturating_sub(v.len())).map(|i| (i * 7 % 251) as u8));
    v.truncate(n);
    v
}

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    v.extend(std::iter::repeat_n(0x42u8, 500));
    v
}

fn webm() -> Vec<u8> {
    let mut v = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x02".to_vec();
    v.extend((0..5000).map(|i| (i % 13) as u8));
    v
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn media_rows(app: &TestApp) -> i64 {
    depot_store::sql::query_scalar("SELECT COUNT(*) FROM media")
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

/// Every regular file under the test's storage directory (finished or temporary).
fn stored_files(app: &TestApp) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.storage_dir, &mut out);
    out
}

/// Waits (up to 20 s) until `done` holds; the condition, not the time, is what is tested.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

/// A merchant with a shipment handed over to the carrier and a return registered for it:
/// (merchant, shipment tracking code, return tracking code).
async fn shipment_and_return(app: &TestApp) -> (TestMerchant, String, String) {
    let m = app.merchant().await;
    let oasin = app.product(&m, &format!("SKU-{}", m.business_id), WH).await;
    app.adjust(&m, WH, &oasin, 10).await.expect_ok(200);
    let code = app
        .shipment(&m, &format!("ORD-{}", m.business_id), WH, &[(&oasin, 1)])
        .await;
    app.walk(&code, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let ret = send(
        app.api(&m, Method::POST, "/return-shipments/b2c/create")
            .json(&json!({
                "warehouse_code": WH, "shipment_tracking_code": code,
                "merchant_return_tracking_code_reference": format!("RET-{}", m.business_id),
                "items": [{"oasin": oasin, "product_quantity": 1}]
            })),
    )
    .await;
    let ret_code = ret.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    (m, code, ret_code)
}

async fn app_with(config: Config) -> TestApp {
    let app = spawn_app_with(Config {
        rate_limit_per_minute: 0,
        ..config
    })
    .await;
    app.warehouse(WH).await;
    app
}

async fn app() -> TestApp {
    app_with(Config::default()).await
}

#[tokio::test]
async fn media_are_uploaded_listed_and_served_with_ranges() {
    let app = app().await;
    let (m, code, ret_code) = shipment_and_return(&app).await;
    let video = mp4(300_000);

    let reply = send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[
            text("recorded_time", &(START_TIME - 600).to_string()),
            file("đóng gói.mp4", Some("video/mp4"), &video),
            text("duration_seconds", "12.5"),
            text("station", "  BÀN-03 "),
            text("ignored", "x"),
        ],
    ))
    .await;
    let media = reply.expect_ok(201).clone();
    assert_eq!(media["kind"], "PACKING", "the default for a shipment");
    assert_eq!(media["content_type"], "video/mp4");
    assert_eq!(media["size"], video.len());
    assert_eq!(media["sha256"], sha256(&video));
    assert_eq!(media["recorded_time"], START_TIME - 600);
    assert_eq!(media["duration_seconds"], 12.5);
    assert_eq!(media["station"], "BÀN-03");
    assert_eq!(media["file_name"], "đóng gói.mp4");
    assert_eq!(media["created_time"], START_TIME);
    assert_eq!(media["expires_time"], START_TIME + 90 * 86_400);
    let url = media["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/media/", app.base)), "{url}");
    assert!(url.ends_with("/%C4%91%C3%B3ng%20g%C3%B3i.mp4"), "{url}");

    // A photo of the same parcel, typed by its content (the part says nothing).
    let photo = png();
    let reply = send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[file("anh.png", None, &photo), text("kind", "PHOTO")],
    ))
    .await;
    let second = reply.expect_ok(201).clone();
    assert_eq!(second["kind"], "PHOTO");
    assert_eq!(second["content_type"], "image/png");
    assert_eq!(second["recorded_time"], Value::Null);
    assert_eq!(second["duration_seconds"], Value::Null);

    // The merchant's list: newest first, the same objects.
    let list = send(app.api(&m, Method::GET, &format!("/shipments/{code}/media"))).await;
    let data = list.expect_ok(200).clone();
    assert_eq!(list.body["total"], 2);
    assert_eq!(data, json!([second, media]));
    // Paged like every list.
    let page = send(app.api(
        &m,
        Method::GET,
        &format!("/shipments/{code}/media?page_size=1"),
    ))
    .await;
    assert_eq!(page.expect_ok(200), &json!([second]));
    let next = page.header("link").unwrap().to_string();
    let next = next.split_once('<').unwrap().1.split_once('>').unwrap().0;
    let rest = send(
        app.request(Method::GET, next)
            .header("Authorization", &m.api_key),
    )
    .await;
    assert_eq!(rest.expect_ok(200), &json!([media]));

    // The URL needs no key; a full GET answers every byte and says ranges are served.
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "video/mp4");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["content-length"], video.len().to_string().as_str());
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["cache-control"].to_str().unwrap().starts_with("private"));
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline;"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), video.as_slice());

    // Ranges, as a video player seeking asks for them.
    let n = video.len();
    for (range, from, to) in [
        ("bytes=0-0".to_string(), 0, 0),
        ("bytes=1000-1999".to_string(), 1000, 1999),
        (format!("bytes={}-", n - 5000), n - 5000, n - 1),
        ("bytes=-100".to_string(), n - 100, n - 1),
        (format!("bytes=200000-{}", n + 999), 200_000, n - 1),
        // Longer than what is read with the open: the rest is streamed from the same file.
        ("bytes=10-299000".to_string(), 10, 299_000),
    ] {
        let res = app
            .client
            .get(&url)
            .header("Range", &range)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 206, "{range}");
        assert_eq!(
            res.headers()["content-range"],
            format!("bytes {from}-{to}/{n}").as_str(),
            "{range}"
        );
        assert_eq!(res.headers()["content-type"], "video/mp4");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            &video[from..=to],
            "{range}"
        );
    }
    // The ETag is the bytes' SHA-256; an If-Range naming other bytes gets the whole file.
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", media["sha256"].as_str().unwrap()));
    for (if_range, status, len) in [(etag.as_str(), 206, 100), ("\"stale\"", 200, n)] {
        let res = app
            .client
            .get(&url)
            .header("Range", "bytes=0-99")
            .header("If-Range", if_range)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{if_range}");
        assert_eq!(res.bytes().await.unwrap().len(), len, "{if_range}");
    }
    // A cached copy that is still these bytes is not sent again.
    let res = app
        .client
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert!(res.bytes().await.unwrap().is_empty());
    // A range outside the file, several ranges, or not a byte range: 416 in the envelope,
    // with the size in Content-Range.
    for range in [
        format!("bytes={n}-"),
        format!("bytes={}-{}", n + 10, n + 20),
        "bytes=0-9,20-29".to_string(),
        "items=0-9".to_string(),
    ] {
        let reply = send(app.client.get(&url).header("Range", &range)).await;
        reply.expect_error(416, "RANGE_NOT_SATISFIABLE");
        assert_eq!(
            reply.header("content-range"),
            Some(format!("bytes */{n}").as_str())
        );
    }
    // The photo is served as what its content is.
    let res = app
        .client
        .get(second["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), photo.as_slice());

    // An unknown or malformed token is a plain 404.
    let token = "A".repeat(32);
    for path in [
        format!("/media/{token}/x.mp4"),
        "/media/short/x.mp4".to_string(),
    ] {
        send(app.request(Method::GET, &path))
            .await
            .expect_error(404, "MEDIA_NOT_FOUND");
    }

    // A return's inspection video: its own default kind and its own list.
    let clip = webm();
    let reply = send(upload(
        &app,
        &format!("/return-shipments/{ret_code}/media"),
        &[file("kiem-tra.webm", Some("video/webm"), &clip)],
    ))
    .await;
    let inspection = reply.expect_ok(201).clone();
    assert_eq!(inspection["kind"], "RETURN_INSPECTION");
    assert_eq!(inspection["content_type"], "video/webm");
    let list = send(app.api(
        &m,
        Method::GET,
        &format!("/return-shipments/b2c/{ret_code}/media"),
    ))
    .await;
    assert_eq!(list.expect_ok(200), &json!([inspection]));
    assert_eq!(media_rows(&app).await, 3);
    assert_eq!(stored_files(&app).len(), 3, "{:?}", stored_files(&app));
}

#[tokio::test]
async fn another_business_sees_no_media_and_unknown_codes_are_404() {
    let app = app().await;
    let (a, code, ret_code) = shipment_and_return(&app).await;
    let b = app.merchant().await;
    send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[file("a.mp4", None, &mp4(5000))],
    ))
    .await
    .expect_ok(201);

    send(app.api(&b, Method::GET, &format!("/shipments/{code}/media")))
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    send(app.api(
        &b,
        Method::GET,
        &format!("/return-shipments/b2c/{ret_code}/media"),
    ))
    .await
    .expect_error(404, "RETURN_SHIPMENT_NOT_FOUND");
    for path in ["/shipments/OASC99999999/media", "/shipments/nonsense/media"] {
        send(app.api(&a, Method::GET, path))
            .await
            .expect_error(404, "SHIPMENT_NOT_FOUND");
    }
    send(app.api(
        &a,
        Method::GET,
        "/return-shipments/b2c/OARSC999999999/media",
    ))
    .await
    .expect_error(404, "RETURN_SHIPMENT_NOT_FOUND");
    // The owner's list is unaffected; a return with no media lists nothing.
    let list = send(app.api(&a, Method::GET, &format!("/shipments/{code}/media"))).await;
    assert_eq!(list.expect_ok(200).as_array().unwrap().len(), 1);
    let list = send(app.api(
        &a,
        Method::GET,
        &format!("/return-shipments/b2c/{ret_code}/media"),
    ))
    .await;
    assert_eq!(list.expect_ok(200), &json!([]));
    assert_eq!(list.body["total"], 0);

    // Uploads: unknown codes are 404 and keep nothing; a merchant key is not an operator.
    send(upload(
        &app,
        "/shipments/OASC99999999/media",
        &[file("a.mp4", None, &mp4(5000))],
    ))
    .await
    .expect_error(404, "SHIPMENT_NOT_FOUND");
    send(upload(
        &app,
        "/return-shipments/OARSC999999999/media",
        &[file("a.mp4", None, &mp4(5000))],
    ))
    .await
    .expect_error(404, "RETURN_SHIPMENT_NOT_FOUND");
    let as_merchant = send(
        app.request(Method::POST, &format!("/ops/v1/shipments/{code}/media"))
            .header("Authorization", format!("Bearer {}", a.api_key))
            .header("Content-Type", content_type())
            .body(multipart(&[file("a.mp4", None, &mp4(5000))])),
    )
    .await;
    as_merchant.expect_error(401, "UNAUTHORIZED");
    assert_eq!(media_rows(&app).await, 1);
    assert_eq!(stored_files(&app).len(), 1);
}

#[tokio::test]
async fn spoofed_types_and_bad_fields_are_refused_and_keep_nothing() {
    let app = app().await;
    let (_, code, _) = shipment_and_return(&app).await;
    let path = format!("/shipments/{code}/media");
    let file_error = |reply: &Reply| -> String {
        let body = reply.expect_error(422, "INVALID_PAYLOAD");
        body["error_detail"]["file"][0]
            .as_str()
            .unwrap_or_else(|| panic!("names the file field: {body:#}"))
            .to_string()
    };

    // A page that calls itself a video, large enough that its start decides.
    let mut page = b"<!doctype html><html><script>alert(document.cookie)</script>".to_vec();
    page.resize(200_000, b' ');
    let reply = send(upload(
        &app,
        &path,
        &[file("video.mp4", Some("video/mp4"), &page)],
    ))
    .await;
    assert!(
        file_error(&reply).contains("its content is text/html"),
        "{:#}",
        reply.body
    );
    // Bytes that are nothing known.
    let reply = send(upload(&app, &path, &[file("x.mov", None, &[7u8; 5000])])).await;
    assert!(
        file_error(&reply).contains("not a recognised"),
        "{:#}",
        reply.body
    );
    // The start decides: a body that never ends is answered as soon as its first bytes show
    // what it is.
    let mut conn = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    let head = format!(
        "POST /ops/v1{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {OPS_TOKEN}\r\n\
         Content-Type: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        addr(&app),
        content_type()
    );
    let mut sent = part_head(&file("video.mp4", Some("video/mp4"), &[]));
    sent.extend_from_slice(&page[..8192]);
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(format!("{:x}\r\n", sent.len()).as_bytes())
        .await
        .unwrap();
    conn.write_all(&sent).await.unwrap();
    conn.write_all(b"\r\n").await.unwrap();
    let (status, body) = read_response(&mut conn).await;
    assert_eq!(status, 422, "{body:#}");
    assert!(body["error_detail"]["file"][0]
        .as_str()
        .unwrap()
        .contains("text/html"));
    drop(conn);
    // A real image declared as a video.
    let reply = send(upload(
        &app,
        &path,
        &[file("clip.mp4", Some("video/mp4"), &png())],
    ))
    .await;
    assert!(
        file_error(&reply).contains("declared as video/mp4 but its content is image/png"),
        "{:#}",
        reply.body
    );
    // A type that is not kept, whatever it is called.
    let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
    gif.resize(1000, 0);
    let reply = send(upload(
        &app,
        &path,
        &[file("a.png", Some("image/png"), &gif)],
    ))
    .await;
    assert!(file_error(&reply).contains("image/gif"), "{:#}", reply.body);
    // No file, an empty file, two files.
    assert_eq!(
        file_error(&send(upload(&app, &path, &[text("kind", "PHOTO")])).await),
        "is required"
    );
    assert_eq!(
        file_error(&send(upload(&app, &path, &[file("a.mp4", None, b"")])).await),
        "must not be empty"
    );
    let two = send(upload(
        &app,
        &path,
        &[
            file("a.mp4", None, &mp4(5000)),
            file("b.mp4", None, &mp4(5000)),
        ],
    ))
    .await;
    file_error(&two);
    // Not multipart at all.
    file_error(&send(app.ops(Method::POST, &path).json(&json!({"file": "x"}))).await);

    // The optional fields are checked, each named; a good file does not save a bad form.
    let video = mp4(20_000);
    for (field, value) in [
        ("kind", "VIDEO"),
        ("recorded_time", "yesterday"),
        ("recorded_time", "-5"),
        ("recorded_time", &(START_TIME + 86_400).to_string()),
        ("duration_seconds", "-1"),
        ("duration_seconds", "NaN"),
        ("station", &"x".repeat(101)),
    ] {
        let reply = send(upload(
            &app,
            &path,
            &[file("a.mp4", None, &video), text(field, value)],
        ))
        .await;
        let body = reply.expect_error(422, "INVALID_PAYLOAD");
        assert!(
            body["error_detail"][field].is_array(),
            "{field}={value}: {body:#}"
        );
    }
    assert_eq!(media_rows(&app).await, 0);
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    assert!(app.events_of_code("media.added").await.is_empty());
}

/// The server's address for raw connections.
fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// Reads one HTTP/1.1 response (status and JSON body) from a raw connection.
async fn read_response(conn: &mut tokio::net::TcpStream) -> (u16, Value) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).await.expect("response read");
        assert!(n > 0, "connection closed before a response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .expect("a content-length");
    while buf.len() < header_end + length {
        let n = conn.read(&mut chunk).await.expect("body read");
        assert!(n > 0, "connection closed inside the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[header_end..header_end + length]).unwrap();
    (status, body)
}

#[tokio::test]
async fn the_size_limit_is_answered_before_the_body_is_read() {
    let limit = 64 * 1024;
    let app = app_with(Config {
        media_limit_bytes: limit,
        ..Config::default()
    })
    .await;
    let (_, code, _) = shipment_and_return(&app).await;
    let path = format!("/ops/v1/shipments/{code}/media");

    // Declared: a request announcing 10 GiB is refused with no byte of its body sent.
    let mut conn = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {OPS_TOKEN}\r\n\
         Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
        addr(&app),
        content_type(),
        10u64 << 30
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let (status, body) = read_response(&mut conn).await;
    assert_eq!(status, 413, "{body:#}");
    assert_eq!(body["error_code"], "FILE_TOO_LARGE");
    assert!(body["error_detail"]["file"][0]
        .as_str()
        .unwrap()
        .contains(&limit.to_string()));

    // Streamed (chunked, no length): the file runs one byte over the limit and the body is
    // never finished — no closing boundary, no last chunk — yet the answer comes.
    let mut conn = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {OPS_TOKEN}\r\n\
         Content-Type: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        addr(&app),
        content_type()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let video = mp4(limit + 1);
    let mut sent = part_head(&file("big.mp4", Some("video/mp4"), &[]));
    sent.extend_from_slice(&video);
    for piece in sent.chunks(8192) {
        conn.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
            .await
            .unwrap();
        conn.write_all(piece).await.unwrap();
        conn.write_all(b"\r\n").await.unwrap();
    }
    let (status, body) = read_response(&mut conn).await;
    assert_eq!(status, 413, "{body:#}");
    assert_eq!(body["error_code"], "FILE_TOO_LARGE");
    drop(conn);

    // The same through an ordinary client, complete bodies: over by one byte is refused,
    // exactly the limit is kept.
    let over = mp4(limit + 1);
    send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[file("over.mp4", None, &over)],
    ))
    .await
    .expect_error(413, "FILE_TOO_LARGE");
    eventually("the refused uploads leave no file", || {
        stored_files(&app).is_empty()
    })
    .await;
    assert_eq!(media_rows(&app).await, 0);
    let exact = mp4(limit);
    send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[file("exact.mp4", None, &exact)],
    ))
    .await
    .expect_ok(201);
    assert_eq!(media_rows(&app).await, 1);
    assert_eq!(stored_files(&app).len(), 1);
}

/// Starts an upload over a raw connection, sends `sent` bytes of a body declared much longer,
/// waits until the server is writing the file, then disconnects.
async fn abort_upload(app: &TestApp, path: &str, auth: &str, file_part: &Part<'_>, sent: usize) {
    let mut body = part_head(file_part);
    body.extend_from_slice(&file_part.bytes[..sent]);
    let mut conn = tokio::net::TcpStream::connect(addr(app)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\n\
         Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
        addr(app),
        content_type(),
        body.len() + file_part.bytes.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body).await.unwrap();
    eventually("the server starts writing the upload", || {
        stored_files(app)
            .iter()
            .any(|p| p.to_string_lossy().contains(".part-"))
    })
    .await;
    drop(conn);
    eventually("the partial file is removed", || {
        stored_files(app).is_empty()
    })
    .await;
}

#[tokio::test]
async fn an_upload_aborted_mid_body_leaves_no_row_and_no_file() {
    let app = app().await;
    let (m, code, ret_code) = shipment_and_return(&app).await;
    let video = mp4(2 * 1024 * 1024);
    let bearer = format!("Bearer {OPS_TOKEN}");
    abort_upload(
        &app,
        &format!("/ops/v1/shipments/{code}/media"),
        &bearer,
        &file("a.mp4", Some("video/mp4"), &video),
        600_000,
    )
    .await;
    abort_upload(
        &app,
        &format!("/ops/v1/return-shipments/{ret_code}/media"),
        &bearer,
        &file("a.mp4", None, &video),
        300_000,
    )
    .await;
    assert_eq!(media_rows(&app).await, 0);
    assert!(app.events_of_code("media.added").await.is_empty());

    // The merchant file upload streams the same way.
    let bytes = vec![9u8; 3 * 1024 * 1024];
    abort_upload(
        &app,
        "/api/v1/files/upload",
        &m.api_key,
        &file("label.pdf", Some("application/pdf"), &bytes),
        1_000_000,
    )
    .await;
    let files: i64 = depot_store::sql::query_scalar("SELECT COUNT(*) FROM files")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(files, 0);

    // The server is fine afterwards: the same upload, complete, is kept.
    send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[file("a.mp4", None, &video)],
    ))
    .await
    .expect_ok(201);
    assert_eq!(media_rows(&app).await, 1);
    assert_eq!(stored_files(&app).len(), 1);
}

#[tokio::test]
async fn retention_deletes_old_media_rows_and_bytes() {
    let app = app().await;
    let (m, code, _) = shipment_and_return(&app).await;
    let up = |name: &'static str| {
        send(upload(
            &app,
            &format!("/shipments/{code}/media"),
            &[file(name, None, &mp4(10_000))],
        ))
    };
    let old = up("old.mp4").await.expect_ok(201).clone();
    app.clock.advance(40 * 86_400);
    let recent = up("recent.mp4").await.expect_ok(201).clone();
    assert_eq!(recent["expires_time"], START_TIME + 130 * 86_400);

    // The same function housekeeping runs, over the same database and storage.
    let state = AppState::new(
        app.db.clone(),
        app.clock.clone(),
        Config {
            storage_dir: app.storage_dir.clone(),
            ..Config::default()
        },
    );
    // At 90 days nothing is old enough.
    app.clock.set(START_TIME + 90 * 86_400);
    assert_eq!(depot_api::media::purge_expired(&state).await.unwrap(), 0);
    // Past it the first goes, row and bytes.
    app.clock.set(START_TIME + 91 * 86_400);
    assert_eq!(depot_api::media::purge_expired(&state).await.unwrap(), 1);
    let list = send(app.api(&m, Method::GET, &format!("/shipments/{code}/media"))).await;
    assert_eq!(list.expect_ok(200), &json!([recent]));
    assert_eq!(list.body["total"], 1);
    send(app.client.get(old["url"].as_str().unwrap()))
        .await
        .expect_error(404, "MEDIA_NOT_FOUND");
    assert_eq!(stored_files(&app).len(), 1);
    assert_eq!(
        app.client
            .get(recent["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Retention 0 keeps everything.
    app.clock.set(START_TIME + 1000 * 86_400);
    let keep = AppState::new(
        app.db.clone(),
        app.clock.clone(),
        Config {
            storage_dir: app.storage_dir.clone(),
            media_retention_days: 0,
            ..Config::default()
        },
    );
    assert_eq!(depot_api::media::purge_expired(&keep).await.unwrap(), 0);
    assert_eq!(media_rows(&app).await, 1);
    assert_eq!(depot_api::media::purge_expired(&state).await.unwrap(), 1);
    assert_eq!(media_rows(&app).await, 0);
    assert!(stored_files(&app).is_empty());
}

/// A webhook receiver on 127.0.0.1 that records every body it gets.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let hits: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = hits.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: Bytes| {
            let seen = seen.clone();
            async move {
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, hits)
}

#[tokio::test]
async fn media_added_is_recorded_with_the_upload_and_delivered() {
    let policy = Arc::new(depot_webhooks::AddressPolicy::parse("127.0.0.0/8").unwrap());
    let app = app_with(Config {
        webhook_policy: policy.clone(),
        ..Config::default()
    })
    .await;
    let (m, code, ret_code) = shipment_and_return(&app).await;
    let (url, hits) = receiver().await;
    let sub = send(app.api(&m, Method::POST, "/webhooks").json(&json!({
        "url": url, "events": ["media.added"], "language": "en"
    })))
    .await;
    sub.expect_ok(201);

    let video = mp4(50_000);
    let media = send(upload(
        &app,
        &format!("/shipments/{code}/media"),
        &[file("a.mp4", None, &video), text("station", "S1")],
    ))
    .await
    .expect_ok(201)
    .clone();
    let inspection = send(upload(
        &app,
        &format!("/return-shipments/{ret_code}/media"),
        &[file("b.png", None, &png()), text("kind", "PHOTO")],
    ))
    .await
    .expect_ok(201)
    .clone();

    let events = app.events_of_code("media.added").await;
    assert_eq!(events.len(), 2);
    let expect = |event: &Value, media: &Value, key: &str, owner: &str| {
        assert_eq!(event["event_code"], "media.added");
        assert_eq!(event["business_id"], m.business_id);
        assert!(event["instance_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(event[key], owner);
        for (k, v) in media.as_object().unwrap() {
            assert_eq!(&event[k], v, "{k} in {event:#}");
        }
    };
    expect(&events[0], &media, "tracking_code", &code);
    expect(&events[1], &inspection, "return_tracking_code", &ret_code);
    assert_eq!(events[0]["sha256"], sha256(&video));

    // Delivered to the subscription like every event.
    let worker = depot_webhooks::Worker::new(
        app.db.clone(),
        app.clock.clone(),
        depot_webhooks::WorkerConfig {
            policy,
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        },
    );
    worker.run_until_idle().await.unwrap();
    let got = hits.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["media_id"], media["media_id"]);
    assert_eq!(got[1]["media_id"], inspection["media_id"]);
}

impl TestApp {
    /// Event payloads (English) of one code, oldest first.
    async fn events_of_code(&self, code: &str) -> Vec<Value> {
        let rows: Vec<String> = depot_store::sql::query_scalar(
            "SELECT payload_en FROM events WHERE event_code = $1 ORDER BY id",
        )
        .bind(code)
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        rows.iter()
            .map(|p| serde_json::from_str(p).unwrap())
            .collect()
    }
}
