//! Evidence media scenarios (SPEC §9): a large video upload, measured by the server's RSS
//! growth (the body must stream to storage, never sit in memory), and many clients reading
//! ranges of a stored video, as browser players seeking do, against `/healthz`.

use crate::context::{done, mix, Ctx, Ran};
use crate::http::{self, Api};
use crate::load::Load;
use crate::server::Memory;
use anyhow::{bail, Context};
use depot_domain::codes::CodeKind;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The upload scenario's video: 200 MiB.
pub const UPLOAD_BYTES: usize = 200 * 1024 * 1024;
/// Uploads in the upload scenario (one at a time).
const UPLOADS: u64 = 3;
/// The stored video the range readers read: 32 MiB.
const RANGE_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Bytes per range request.
pub const RANGE_BYTES: usize = 64 * 1024;
/// The bound on the server's RSS growth while a 200 MiB video uploads.
pub const UPLOAD_GROWTH_TARGET_MIB: f64 = 20.0;

const BOUNDARY: &str = "depot-bench-media-7d1e";

/// The shipment the media belong to: the first of the stored history.
fn tracking_code(ctx: &Ctx) -> String {
    CodeKind::Shipment.format(ctx.history.0)
}

/// Uploads `size` bytes of an MP4-looking video over a plain connection, the body generated
/// as it is sent (the load generator holds 256 KiB of it at a time). Answers the reply's
/// `data`, or an error.
async fn upload(api: &Api, code: &str, size: usize) -> Result<Value, String> {
    let base = api.base().trim_start_matches("http://");
    let head_part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"packing.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"station\"\r\n\r\nBENCH\r\n--{BOUNDARY}--\r\n");
    let length = head_part.len() + size + tail.len();
    let request = format!(
        "POST /ops/v1/shipments/{code}/media HTTP/1.1\r\nHost: {base}\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n{head_part}",
        api.ops_token
    );
    let mut conn = tokio::net::TcpStream::connect(base)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    conn.set_nodelay(true).ok();
    let io = |e: std::io::Error| format!("sending: {e}");
    conn.write_all(request.as_bytes()).await.map_err(io)?;
    let mut chunk: Vec<u8> = (0..256 * 1024).map(|i| (i * 31 % 251) as u8).collect();
    chunk[..24].copy_from_slice(b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2");
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len());
        conn.write_all(&chunk[..n]).await.map_err(io)?;
        if left == size {
            // Only the first chunk starts with the header.
            chunk[..24].fill(0x11);
        }
        left -= n;
    }
    conn.write_all(tail.as_bytes()).await.map_err(io)?;
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply)
        .await
        .map_err(|e| format!("reading the reply: {e}"))?;
    let text = String::from_utf8_lossy(&reply);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.starts_with("HTTP/1.1 201") {
        return Err(format!("{} {}", head.lines().next().unwrap_or(""), body));
    }
    let body: Value = serde_json::from_str(body).map_err(|e| format!("reply: {e}: {body}"))?;
    Ok(body["data"].clone())
}

/// Whether this server has the media upload at all (the operator route answers 404/405 of
/// its own otherwise).
async fn available(ctx: &Ctx, code: &str) -> anyhow::Result<bool> {
    let reply = http::exchange(
        ctx.api
            .ops(reqwest::Method::POST, &format!("/shipments/{code}/media")),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    Ok(!reply.route_missing())
}

pub async fn media_upload(ctx: &Ctx) -> anyhow::Result<Ran> {
    let code = tracking_code(ctx);
    if !available(ctx, &code).await? {
        return Ok(Ran::Skipped("not available".into()));
    }
    // One small upload first, untimed: the code, the database connections and their caches
    // are warm, so what is measured is what an upload costs, not a first use.
    upload(&ctx.api, &code, 1024 * 1024)
        .await
        .map_err(anyhow::Error::msg)
        .context("warm-up upload")?;
    let before = Memory::of(ctx.pid).rss_kib;
    let api = ctx.api.clone();
    let load = Load {
        concurrency: 1,
        max_requests: UPLOADS,
        duration: std::time::Duration::from_secs(600),
    };
    let m = ctx
        .measure(load, move |_| {
            let api = api.clone();
            let code = code.clone();
            async move {
                let data = upload(&api, &code, UPLOAD_BYTES).await?;
                match data["size"].as_u64() {
                    Some(n) if n == UPLOAD_BYTES as u64 => Ok(1),
                    _ => Err(format!("unexpected reply {data}")),
                }
            }
        })
        .await;
    let growth = (m.1.saturating_sub(before)) as f64 / 1024.0;
    let mib_s = (m.0.items as f64 * UPLOAD_BYTES as f64 / (1024.0 * 1024.0))
        / m.0.elapsed.as_secs_f64().max(1e-9);
    let mark = if growth < UPLOAD_GROWTH_TARGET_MIB {
        "✅"
    } else {
        "❌"
    };
    let note = format!(
        "{UPLOADS} uploads of a {} MiB video, one at a time (after a 1 MiB warm-up), {mib_s:.0} MiB/s; server RSS {:.0} MiB before, peak {:.0} MiB: growth {growth:.1} MiB (target < {UPLOAD_GROWTH_TARGET_MIB:.0} MiB {mark})",
        UPLOAD_BYTES >> 20,
        before as f64 / 1024.0,
        m.1 as f64 / 1024.0,
    );
    Ok(done(m, "uploads", note))
}

pub async fn media_range(ctx: &Ctx) -> anyhow::Result<Ran> {
    let code = tracking_code(ctx);
    if !available(ctx, &code).await? {
        return Ok(Ran::Skipped("not available".into()));
    }
    // The stored video, uploaded before the timed part.
    let data = upload(&ctx.api, &code, RANGE_FILE_BYTES)
        .await
        .map_err(anyhow::Error::msg)
        .context("uploading the video to read")?;
    let Some(url) = data["url"].as_str().map(str::to_string) else {
        bail!("the upload answered no url: {data}");
    };
    let api = ctx.api.clone();
    let m = ctx
        .measure(ctx.load, move |i| {
            let start = mix(i) % (RANGE_FILE_BYTES - RANGE_BYTES) as u64;
            let end = start + RANGE_BYTES as u64 - 1;
            let req = api
                .client
                .get(&url)
                .header("Range", format!("bytes={start}-{end}"));
            async move {
                let reply = http::exchange(req).await?;
                if reply.status == 206 && reply.body.len() == RANGE_BYTES {
                    Ok(1)
                } else {
                    Err(format!("{} ({} bytes)", reply.status, reply.body.len()))
                }
            }
        })
        .await;
    let mib_s = m.0.items_per_second() * RANGE_BYTES as f64 / (1024.0 * 1024.0);
    Ok(done(
        m,
        "req",
        format!(
            "random {} KiB ranges of a stored {} MiB video (206), {mib_s:.0} MiB/s",
            RANGE_BYTES >> 10,
            RANGE_FILE_BYTES >> 20
        ),
    ))
}
