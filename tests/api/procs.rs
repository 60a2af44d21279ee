//! Real `depot serve` processes (the built binary) and the small network parts tests put
//! around them: a webhook receiver that counts, a TCP gate that can cut a connection path,
//! and an HTTP forward proxy.
#![allow(dead_code)] // Not every test module uses every helper.

use crate::helpers::OPS_TOKEN;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The proxy variables a process may inherit; cleared unless a test sets them.
pub const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
];

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How to start one `depot serve`.
pub struct DepotBuilder {
    database_url: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// A storage directory shared with other processes (each has its own otherwise).
    storage: Option<PathBuf>,
}

impl DepotBuilder {
    /// Sets `flag` to `value` (replacing a value set before).
    pub fn arg(mut self, flag: &str, value: &str) -> DepotBuilder {
        match self.args.iter().position(|a| a == flag) {
            Some(i) => self.args[i + 1] = value.to_string(),
            None => {
                self.args.push(flag.to_string());
                self.args.push(value.to_string());
            }
        }
        self
    }

    /// Keeps files in `dir`, which other processes of the test may share.
    pub fn storage(mut self, dir: &str) -> DepotBuilder {
        self.storage = Some(PathBuf::from(dir));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> DepotBuilder {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// Starts the process and waits until `/healthz` answers.
    pub async fn start(self) -> Depot {
        let port = free_port();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let log = std::env::temp_dir().join(format!("depot-proc-{id}.log"));
        let storage = self
            .storage
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("depot-proc-{id}-files")));
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_depot"));
        command
            .args(["--database-url", &self.database_url, "serve"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--ops-token", OPS_TOKEN])
            .args(["--storage-dir", &storage.display().to_string()])
            .args(["--pg-max-connections", "8"])
            .args(&self.args)
            .env(
                "RUST_LOG",
                "warn,depot=info,depot_store=info,depot_api=info",
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for var in PROXY_VARS {
            command.env_remove(var);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let child = command.spawn().expect("depot starts");
        // Owned at once, so a failed start still kills and reaps the process (Drop).
        let mut depot = Depot {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            storage,
        };
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        // Generous: on a loaded two-core box start-up (connect, migrate) can take a while.
        for _ in 0..1200 {
            if let Ok(Some(status)) = depot.child.try_wait() {
                panic!("depot serve exited ({status}): {}", depot.log_text());
            }
            if let Ok(r) = client.get(format!("{}/healthz", depot.base)).send().await {
                if r.status() == 200 {
                    return depot;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("depot serve did not come up: {}", depot.log_text());
    }
}

/// A running `depot serve`, killed when dropped.
pub struct Depot {
    child: std::process::Child,
    pub base: String,
    log: PathBuf,
    storage: PathBuf,
}

impl Depot {
    /// A process with the tests' usual settings: the operator token, no rate limit, webhook
    /// targets on 127.0.0.0/8 allowed, short webhook retries and timeouts.
    pub fn on(database_url: &str) -> DepotBuilder {
        DepotBuilder {
            database_url: database_url.to_string(),
            args: Vec::new(),
            env: Vec::new(),
            storage: None,
        }
        .arg("--rate-limit-per-minute", "0")
        .arg("--webhook-allow-private", "127.0.0.0/8")
        .arg("--webhook-retry-schedule", "1s,1s,1s,1s,1s")
        .arg("--webhook-timeout-secs", "5")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then waits for the exit (at most 20 s).
    pub fn terminate(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..400 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill_9();
    }

    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Depot {
    fn drop(&mut self) {
        self.kill_9();
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_dir_all(&self.storage);
    }
}

/// A webhook receiver that answers 200 and counts deliveries by `webhook-id`.
#[derive(Clone, Default)]
pub struct CountingReceiver {
    pub url: String,
    pub by_id: Arc<Mutex<HashMap<String, usize>>>,
    pub total: Arc<AtomicUsize>,
}

impl CountingReceiver {
    pub async fn start() -> CountingReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = CountingReceiver {
            url: format!("http://{}/hook", listener.local_addr().unwrap()),
            ..CountingReceiver::default()
        };
        let state = receiver.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, _body: Bytes| {
            let state = state.clone();
            async move {
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                *state.by_id.lock().unwrap().entry(id).or_default() += 1;
                state.total.fetch_add(1, Ordering::SeqCst);
                (StatusCode::OK, "ok")
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Polls until `n` deliveries arrived (at most `within`); the count seen.
    pub async fn wait_for(&self, n: usize, within: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + within;
        while self.total() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.total()
    }
}

/// A TCP relay from a local port to `target` that can be cut (every connection closed, new
/// ones refused) and restored: the database "going away" for one process only.
#[derive(Clone)]
pub struct TcpGate {
    pub port: u16,
    open: Arc<AtomicBool>,
    /// Bumped on every cut; a relay whose generation is older closes.
    generation: Arc<AtomicUsize>,
    pub accepted: Arc<AtomicUsize>,
}

impl TcpGate {
    pub async fn start(target: String) -> TcpGate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gate = TcpGate {
            port: listener.local_addr().unwrap().port(),
            open: Arc::new(AtomicBool::new(true)),
            generation: Arc::default(),
            accepted: Arc::default(),
        };
        let g = gate.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                g.accepted.fetch_add(1, Ordering::SeqCst);
                if !g.open.load(Ordering::SeqCst) {
                    drop(inbound); // refused: closed at once
                    continue;
                }
                let (target, g) = (target.clone(), g.clone());
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let born = g.generation.load(Ordering::SeqCst);
                    let cut = async {
                        while g.generation.load(Ordering::SeqCst) == born {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut => {}
                    }
                });
            }
        });
        gate
    }

    /// Closes every relayed connection and refuses new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// A minimal HTTP/1.1 forward proxy (absolute-form requests, plain http targets): forwards
/// the request to its target and relays the reply, counting the requests it carried.
#[derive(Clone)]
pub struct ForwardProxy {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl ForwardProxy {
    pub async fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = ForwardProxy {
            url: format!("http://{}", listener.local_addr().unwrap()),
            requests: Arc::default(),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let p = p.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match inbound.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let text = String::from_utf8_lossy(&head).to_string();
                    let line = text.lines().next().unwrap_or_default().to_string();
                    p.requests.lock().unwrap().push(line.clone());
                    // "POST http://127.0.0.1:PORT/path HTTP/1.1"
                    let mut parts = line.split(' ');
                    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    let Some(rest) = target.strip_prefix("http://") else {
                        let _ = inbound
                            .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        return;
                    };
                    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                    let Ok(mut outbound) = TcpStream::connect(authority).await else {
                        let _ = inbound
                            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        return;
                    };
                    let path = if path.is_empty() { "/" } else { path };
                    let mut forwarded = format!("{method} {path} HTTP/1.1\r\n");
                    for header in text.lines().skip(1).filter(|l| !l.is_empty()) {
                        let name = header.split(':').next().unwrap_or("").to_ascii_lowercase();
                        if name != "proxy-connection" && name != "connection" {
                            forwarded.push_str(header);
                            forwarded.push_str("\r\n");
                        }
                    }
                    forwarded.push_str("connection: close\r\n\r\n");
                    if outbound.write_all(forwarded.as_bytes()).await.is_err() {
                        return;
                    }
                    let (mut ri, mut wi) = inbound.split();
                    let (mut ro, mut wo) = outbound.split();
                    // The body follows the head; the reply comes back until the target closes.
                    let up = tokio::io::copy(&mut ri, &mut wo);
                    let down = async {
                        let _ = tokio::io::copy(&mut ro, &mut wi).await;
                        let _ = wi.shutdown().await;
                    };
                    tokio::pin!(down);
                    tokio::select! {
                        _ = up => (&mut down).await,
                        _ = &mut down => {}
                    }
                });
            }
        });
        proxy
    }

    pub fn carried(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}
