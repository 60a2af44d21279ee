//! Protocol-level refusals in the envelope. hyper answers a request line over 64 KiB (414) and
//! a head too large for its buffer (431) itself, with an empty body, and closes a connection
//! whose head does not arrive in time without a word; none of it reaches a layer. So every
//! connection is read through [`GuardedIo`], which follows the requests' framing on the way in
//! and refuses — in the envelope, before hyper's own limits are met — a request line over
//! [`MAX_REQUEST_LINE`] (414 `URI_TOO_LONG`), a head over [`MAX_HEAD`] or with more than
//! [`MAX_HEADERS`] fields (431 `HEADERS_TOO_LARGE`), and a head that takes longer than the
//! configured timeout to arrive (408 `REQUEST_TIMEOUT`). The connection is then closed, as
//! hyper would. Bodies over the limit (413) are refused by the body limit inside the service.
//!
//! Only framing is read: a body announced by `Content-Length` is skipped; after a chunked
//! body (rare in API calls) or an HTTP/2 preface the connection is passed through untouched.

use crate::envelope::{Envelope, API_VERSION};
use depot_domain::{ErrorCode, Lang};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

/// Longest request line (method, target, version) accepted; hyper's own bound is 64 KiB.
pub const MAX_REQUEST_LINE: usize = 32 * 1024;
/// Largest request head (request line and every header) accepted.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most header fields in one request (hyper's own bound is 100).
pub const MAX_HEADERS: usize = 96;

/// What the framing of the bytes read so far says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Fine,
    Refuse(ErrorCode),
}

#[derive(Debug)]
enum State {
    /// Reading a head: bytes so far, lines so far, the current line's length, and what the
    /// framing headers said.
    Head {
        head_len: usize,
        lines: usize,
        line_len: usize,
        line: Vec<u8>,
        content_length: u64,
    },
    /// Skipping a body of this many more bytes.
    Body(u64),
    /// No longer followed (chunked body, HTTP/2, unreadable framing).
    PassThrough,
}

/// Follows request framing across a connection's bytes.
#[derive(Debug)]
pub struct HeadGuard {
    state: State,
}

/// Header lines are kept only as far as the framing headers need.
const KEPT_LINE: usize = 256;

impl Default for HeadGuard {
    fn default() -> Self {
        HeadGuard { state: new_head() }
    }
}

fn new_head() -> State {
    State::Head {
        head_len: 0,
        lines: 0,
        line_len: 0,
        line: Vec::new(),
        content_length: 0,
    }
}

impl HeadGuard {
    /// Whether part of a head has arrived and the rest has not.
    pub fn in_head(&self) -> bool {
        matches!(self.state, State::Head { head_len, .. } if head_len > 0)
    }

    /// Reads `bytes`, the next bytes of the connection.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Verdict {
        while !bytes.is_empty() {
            match &mut self.state {
                State::PassThrough => return Verdict::Fine,
                State::Body(left) => {
                    let n = (*left).min(bytes.len() as u64);
                    *left -= n;
                    bytes = &bytes[n as usize..];
                    if *left == 0 {
                        self.state = new_head();
                    }
                }
                State::Head {
                    head_len,
                    lines,
                    line_len,
                    line,
                    content_length,
                } => {
                    let b = bytes[0];
                    bytes = &bytes[1..];
                    // Blank lines before a request line are ignored (RFC 9112 §2.2).
                    if *lines == 0 && *line_len == 0 && (b == b'\r' || b == b'\n') {
                        continue;
                    }
                    *head_len += 1;
                    if b != b'\n' {
                        *line_len += 1;
                        if line.len() < KEPT_LINE {
                            line.push(b);
                        }
                        if *lines == 0 && *line_len > MAX_REQUEST_LINE {
                            return Verdict::Refuse(ErrorCode::UriTooLong);
                        }
                        if *head_len > MAX_HEAD {
                            return Verdict::Refuse(ErrorCode::HeadersTooLarge);
                        }
                        continue;
                    }
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    let text = std::mem::take(line);
                    *line_len = 0;
                    *lines += 1;
                    if *lines == 1 {
                        if text.starts_with(b"PRI * HTTP/2") {
                            self.state = State::PassThrough;
                        }
                        continue;
                    }
                    if *lines > MAX_HEADERS + 1 {
                        return Verdict::Refuse(ErrorCode::HeadersTooLarge);
                    }
                    if text.is_empty() {
                        let body = *content_length;
                        self.state = if body > 0 {
                            State::Body(body)
                        } else {
                            new_head()
                        };
                        continue;
                    }
                    let (name, value) = match text.iter().position(|c| *c == b':') {
                        Some(i) => (&text[..i], text[i + 1..].trim_ascii()),
                        None => (&text[..], &b""[..]),
                    };
                    if name.eq_ignore_ascii_case(b"transfer-encoding") {
                        self.state = State::PassThrough;
                    } else if name.eq_ignore_ascii_case(b"content-length") {
                        match std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()) {
                            Some(n) => *content_length = n,
                            None => self.state = State::PassThrough,
                        }
                    }
                }
            }
        }
        Verdict::Fine
    }
}

/// The whole HTTP/1.1 reply of a refusal: the envelope, and the connection closed.
pub fn refusal_bytes(code: ErrorCode) -> Vec<u8> {
    let request_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(request_id = %request_id, error_code = code.as_str(), "request refused before routing");
    let body = Envelope::<()> {
        data: None,
        error: true,
        error_code: Some(code.as_str()),
        log_id: Some(request_id.clone()),
        messages: code.message(Lang::default(), &[]),
        total: 0,
        version: API_VERSION,
        error_detail: None,
    };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let status = axum::http::StatusCode::from_u16(code.http_status())
        .unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nx-request-id: {request_id}\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// A connection read through a [`HeadGuard`]; see the module documentation.
pub struct GuardedIo {
    inner: TcpStream,
    guard: HeadGuard,
    head_timeout: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    /// A refusal being written: the bytes and how many are out.
    refusal: Option<(Vec<u8>, usize)>,
    /// After a refusal: how much of what the client still sends was read and dropped, and
    /// until when. Closing with unread input would reset the connection, and the client
    /// might lose the reply.
    drained: usize,
    linger: Option<Pin<Box<Sleep>>>,
}

/// How long, and how much, a refused connection's remaining input is read before closing.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;

impl GuardedIo {
    pub fn new(inner: TcpStream, head_timeout: Duration) -> GuardedIo {
        GuardedIo {
            inner,
            guard: HeadGuard::default(),
            head_timeout,
            deadline: None,
            refusal: None,
            drained: 0,
            linger: None,
        }
    }

    /// Writes the refusal, shuts the sending side, drops what still comes in, then reads as
    /// the end of the stream.
    fn poll_refusal(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some((bytes, written)) = &mut self.refusal {
            while *written < bytes.len() {
                let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
                if n == 0 {
                    break;
                }
                *written += n;
            }
            if self.linger.is_none() {
                ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
                self.linger = Some(Box::pin(tokio::time::sleep(LINGER)));
            }
            // Drop what the client still sends until it closes, for a while.
            let mut scratch = [0u8; 8192];
            while self.drained < LINGER_BYTES {
                let mut buf = ReadBuf::new(&mut scratch);
                match Pin::new(&mut self.inner).poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                        self.drained += buf.filled().len()
                    }
                    Poll::Ready(_) => break,
                    Poll::Pending => {
                        let linger = self.linger.as_mut().expect("set above");
                        if linger.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                        break;
                    }
                }
            }
        }
        // hyper reads the end of the stream and closes the connection.
        Poll::Ready(Ok(()))
    }

    fn refuse(&mut self, code: ErrorCode) {
        self.deadline = None;
        self.refusal = Some((refusal_bytes(code), 0));
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.refusal.is_some() {
            return this.poll_refusal(cx);
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if let Verdict::Refuse(code) = this.guard.feed(&buf.filled()[before..]) {
                    // hyper never sees the offending bytes; it reads the end of the stream.
                    buf.set_filled(before);
                    this.refuse(code);
                    return this.poll_refusal(cx);
                }
                if !this.guard.in_head() {
                    this.deadline = None;
                } else if this.deadline.is_none() {
                    this.deadline = Some(Box::pin(tokio::time::sleep(this.head_timeout)));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if let Some(deadline) = this.deadline.as_mut() {
                    if deadline.as_mut().poll(cx).is_ready() {
                        this.refuse(ErrorCode::RequestTimeout);
                        return this.poll_refusal(cx);
                    }
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A TCP listener whose connections are [`GuardedIo`]s, for `axum::serve`.
pub struct GuardedListener {
    pub inner: TcpListener,
    pub head_timeout: Duration,
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedIo;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (GuardedIo, std::net::SocketAddr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        let _ = stream.set_nodelay(true);
        (GuardedIo::new(stream, self.head_timeout), addr)
    }

    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.inner.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_is_followed_across_requests() {
        let mut g = HeadGuard::default();
        assert_eq!(
            g.feed(b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            Verdict::Fine
        );
        assert!(!g.in_head());
        // A long body line is a body, not a request line.
        let mut g = HeadGuard::default();
        let body = vec![b'x'; MAX_HEAD * 2];
        let head = format!("POST /a HTTP/1.1\r\ncontent-length: {}\r\n\r\n", body.len());
        assert_eq!(g.feed(head.as_bytes()), Verdict::Fine);
        assert_eq!(g.feed(&body), Verdict::Fine);
        assert_eq!(g.feed(b"GET /b HTTP/1.1\r\n"), Verdict::Fine);
        assert!(g.in_head());
        assert_eq!(g.feed(b"\r\n"), Verdict::Fine);
        assert!(!g.in_head());
    }

    #[test]
    fn long_request_lines_and_heads_are_refused() {
        let mut g = HeadGuard::default();
        let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(
            g.feed(line.as_bytes()),
            Verdict::Refuse(ErrorCode::UriTooLong)
        );
        let mut g = HeadGuard::default();
        g.feed(b"GET / HTTP/1.1\r\n");
        let header = format!("x-big: {}\r\n", "b".repeat(MAX_HEAD));
        assert_eq!(
            g.feed(header.as_bytes()),
            Verdict::Refuse(ErrorCode::HeadersTooLarge)
        );
        let mut g = HeadGuard::default();
        g.feed(b"GET / HTTP/1.1\r\n");
        let many = "x: 1\r\n".repeat(MAX_HEADERS + 1);
        assert_eq!(
            g.feed(many.as_bytes()),
            Verdict::Refuse(ErrorCode::HeadersTooLarge)
        );
        // Bare line feeds end lines too.
        let mut g = HeadGuard::default();
        assert_eq!(g.feed(b"GET / HTTP/1.1\nHost: x\n\n"), Verdict::Fine);
        assert!(!g.in_head());
    }

    #[test]
    fn chunked_bodies_end_the_following() {
        let mut g = HeadGuard::default();
        g.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        let junk = vec![b'y'; MAX_HEAD * 2];
        assert_eq!(g.feed(&junk), Verdict::Fine);
    }
}
