//! The HTTP side: one keep-alive client for the whole run and the checks that decide whether
//! a reply counts as a success.

use crate::load::OpResult;
use crate::setup::Seed;
use reqwest::{Client, Method, RequestBuilder};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Api {
    pub client: Client,
    /// Every server under test (`--processes`): each request goes to the next, in turn.
    pub bases: Arc<[Arc<str>]>,
    pub next: Arc<std::sync::atomic::AtomicUsize>,
    pub seed: Arc<Seed>,
    pub ops_token: Arc<str>,
}

/// An HTTP/1.1 client with a connection pool large enough for every worker to keep its
/// connection alive; never a proxy (traffic stays on 127.0.0.1).
pub fn client(concurrency: usize) -> reqwest::Result<Client> {
    Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency.max(1) * 2)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .user_agent("depot-bench/0.1")
        .build()
}

impl Api {
    /// The server the next request goes to.
    pub fn base(&self) -> &str {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        &self.bases[i % self.bases.len()]
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// A merchant call (`path` under `/api/v1`).
    pub fn merchant(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/api/v1{path}", self.base()))
            .header("Authorization", &self.seed.api_key)
    }

    /// An operator call (`path` under `/ops/v1`).
    pub fn ops(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/ops/v1{path}", self.base()))
            .bearer_auth(&*self.ops_token)
    }
}

/// A reply read whole.
pub struct Reply {
    pub status: u16,
    pub link: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned()
    }

    pub fn contains(&self, needle: &str) -> bool {
        let n = needle.as_bytes();
        self.body.windows(n.len()).any(|w| w == n)
    }

    /// Depot's own answer for a path it does not serve (the routing fallback or a wrong
    /// method), as opposed to a dialect's "not found" for a missing object.
    pub fn route_missing(&self) -> bool {
        matches!(self.status, 404 | 405)
            && self.contains("\"version\":\"1.0.3\"")
            && (self.contains("\"error_code\":\"NOT_FOUND\"")
                || self.contains("\"error_code\":\"METHOD_NOT_ALLOWED\""))
    }
}

pub async fn exchange(req: RequestBuilder) -> Result<Reply, String> {
    let res = req.send().await.map_err(|e| format!("transport: {e}"))?;
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res
        .bytes()
        .await
        .map_err(|e| format!("reading body: {e}"))?
        .to_vec();
    Ok(Reply { status, link, body })
}

/// A success envelope (`"error":false`) with a 2xx status counts one item.
pub fn envelope_ok(reply: &Reply) -> OpResult {
    if (200..300).contains(&reply.status) && reply.contains("\"error\":false") {
        Ok(1)
    } else {
        Err(format!("{} {}", reply.status, reply.text()))
    }
}

/// Any 2xx counts one item (dialects answer in their own envelopes).
pub fn status_ok(reply: &Reply) -> OpResult {
    if (200..300).contains(&reply.status) {
        Ok(1)
    } else {
        Err(format!("{} {}", reply.status, reply.text()))
    }
}

/// The target of `Link: <…>; rel="next"`.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',')
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| part.split_once('<'))
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(target, _)| target.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_next_link() {
        assert_eq!(
            next_link("</api/v1/shipments/b2c?page_size=50&cursor=c1.2>; rel=\"next\"").as_deref(),
            Some("/api/v1/shipments/b2c?page_size=50&cursor=c1.2")
        );
        assert_eq!(next_link("<x>; rel=\"prev\""), None);
    }
}
