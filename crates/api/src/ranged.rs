//! Serving a stored file with `Range` support, the way a video player seeks.
//!
//! The open, the size and the first read happen in **one** trip to the blocking pool: a
//! player's seek asks for a few hundred KiB at most, and every extra hand-off between threads
//! (open, stat, seek, read as separate trips) cost more than the read itself. A longer range
//! streams its remainder from the same open file. The `Range` header is parsed and checked by
//! `http-range-header`, the parser `tower-http` uses.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH, IF_RANGE,
    RANGE,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use std::io;
use std::ops::RangeInclusive;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// Bytes read in the same blocking trip as the open. A range up to this size is answered
/// from memory; the remainder of a longer one is streamed.
const FIRST_READ: u64 = 256 * 1024;
/// Chunk size of the streamed remainder.
const STREAM_CHUNK: usize = 64 * 1024;

/// What serving a file came to.
pub enum Served {
    /// 200 or 206 with its headers and body.
    Bytes(Response),
    /// The range lies outside the file (or is not one byte range): 416 with this size.
    Unsatisfiable { size: u64 },
    /// The file is not in storage.
    Missing,
}

/// Serves `path` as `content_type` for a request with `headers`; `etag` is a strong validator
/// of the bytes (their digest), used for `ETag` and `If-Range`.
pub async fn serve(
    path: PathBuf,
    content_type: &str,
    etag: &str,
    headers: &HeaderMap,
) -> io::Result<Served> {
    let etag = format!("\"{etag}\"");
    // A cached copy that is still these bytes: nothing to send (RFC 9110 §13.1.2).
    let cached = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if cached {
        let res = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(ETAG, &etag)
            .header(ACCEPT_RANGES, "bytes")
            .body(Body::empty())
            .map_err(io::Error::other)?;
        return Ok(Served::Bytes(res));
    }
    // A range whose If-Range names other bytes is ignored: the whole file is sent (RFC 9110 §13.1.5).
    let if_range_holds = headers
        .get(IF_RANGE)
        .is_none_or(|v| v.as_bytes() == etag.as_bytes());
    let range = headers
        .get(RANGE)
        .filter(|_| if_range_holds)
        .map(|v| v.to_str().unwrap_or("").to_string());

    let opened = tokio::task::spawn_blocking(move || open_and_read(&path, range.as_deref()))
        .await
        .map_err(io::Error::other)??;
    let Opened {
        size,
        range,
        first,
        file,
    } = match opened {
        Open::Missing => return Ok(Served::Missing),
        Open::Unsatisfiable { size } => return Ok(Served::Unsatisfiable { size }),
        Open::Read(opened) => opened,
    };

    let mut res = Response::builder()
        .header(CONTENT_TYPE, content_type)
        .header(ACCEPT_RANGES, "bytes")
        .header(ETAG, &etag);
    let (start, len) = match &range {
        Some(r) => {
            res = res.status(StatusCode::PARTIAL_CONTENT).header(
                CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start(), r.end()),
            );
            (*r.start(), r.end() - r.start() + 1)
        }
        None => (0, size),
    };
    res = res.header(CONTENT_LENGTH, len);
    let remaining = len - first.len() as u64;
    let body = match file {
        Some(file) if remaining > 0 => {
            let mut file = tokio::fs::File::from_std(file);
            file.seek(io::SeekFrom::Start(start + first.len() as u64))
                .await?;
            let rest = ReaderStream::with_capacity(file.take(remaining), STREAM_CHUNK);
            Body::from_stream(futures_util::stream::once(async { Ok(first) }).chain(rest))
        }
        _ => Body::from(first),
    };
    Ok(Served::Bytes(res.body(body).map_err(io::Error::other)?))
}

struct Opened {
    size: u64,
    /// The one range asked for; `None` for the whole file (a 200).
    range: Option<RangeInclusive<u64>>,
    first: Bytes,
    /// The open file, when the range is longer than the first read.
    file: Option<std::fs::File>,
}

enum Open {
    Read(Opened),
    Unsatisfiable { size: u64 },
    Missing,
}

/// The blocking part: open, size, check the range, read its first bytes.
fn open_and_read(path: &std::path::Path, range: Option<&str>) -> io::Result<Open> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Open::Missing),
        Err(e) => return Err(e),
    };
    let size = file.metadata()?.len();
    let range = match range {
        None => None,
        Some(header) => {
            let ranges = http_range_header::parse_range_header(header)
                .and_then(|parsed| parsed.validate(size));
            match ranges.as_deref() {
                Ok([one]) => Some(one.clone()),
                _ => return Ok(Open::Unsatisfiable { size }),
            }
        }
    };
    let (start, len) = match &range {
        Some(r) => (*r.start(), r.end() - r.start() + 1),
        None => (0, size),
    };
    let first_len = usize::try_from(len.min(FIRST_READ)).map_err(io::Error::other)?;
    let mut first = vec![0; first_len];
    file.read_exact_at(&mut first, start)?;
    let file = (len > first_len as u64).then_some(file);
    Ok(Open::Read(Opened {
        size,
        range,
        first: Bytes::from(first),
        file,
    }))
}
