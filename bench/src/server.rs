//! The server under test: a release `depot serve` child process on a free loopback port, and
//! its memory as the kernel reports it.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Option<Child>,
    pub base: String,
    pub pid: u32,
}

/// How to start `depot serve`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub binary: PathBuf,
    pub database_url: String,
    pub ops_token: String,
    pub log_filter: String,
    pub log_file: PathBuf,
    /// Where the server keeps uploaded files and media (inside the run's temp dir).
    pub storage_dir: PathBuf,
    /// The per-key rate limit the server runs with; 0 turns it off.
    pub rate_limit_per_minute: u64,
}

impl Server {
    pub async fn start(config: &ServerConfig) -> anyhow::Result<Server> {
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.log_file)
            .with_context(|| format!("opening {}", config.log_file.display()))?;
        let child = Command::new(&config.binary)
            .arg("serve")
            .arg("--listen")
            .arg(&listen)
            .env("DEPOT_DATABASE_URL", &config.database_url)
            .env(
                "DEPOT_RATE_LIMIT_PER_MINUTE",
                config.rate_limit_per_minute.to_string(),
            )
            .env("DEPOT_OPS_TOKEN", &config.ops_token)
            // The webhook scenario's receiver listens on loopback.
            .env("DEPOT_WEBHOOK_ALLOW_PRIVATE", "127.0.0.0/8")
            .env("RUST_LOG", &config.log_filter)
            .env("DEPOT_STORAGE_DIR", &config.storage_dir)
            .env_remove("DEPOT_DEMO")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", config.binary.display()))?;
        let pid = child.id();
        RUNNING.lock().unwrap().push(pid);
        let mut server = Server {
            child: Some(child),
            base: format!("http://{listen}"),
            pid,
        };
        server.wait_ready(&config.log_file).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!(
                        "depot serve exited with {status} before it was ready; its log ({}) ends:\n{}",
                        log.display(),
                        tail(log)
                    );
                }
            }
            if let Ok(res) = client.get(format!("{}/readyz", self.base)).send().await {
                if res.status().is_success() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "depot serve was not ready within 120 s; log:\n{}",
                    tail(log)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, then waits for the graceful shutdown (SIGKILL after 20 s).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.terminate().await
    }

    async fn terminate(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        RUNNING.lock().unwrap().retain(|p| *p != child.id());
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            if Instant::now() > deadline {
                child.kill()?;
                child.wait()?;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The other servers of a `--processes N` run: their CPU time counts as the server's.
pub static ALSO_SERVING: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Servers started and not stopped yet, so an interrupted run can stop them.
static RUNNING: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Stops every server this process started (on Ctrl-C, before exiting).
pub fn stop_all() {
    for pid in std::mem::take(&mut *RUNNING.lock().unwrap()) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // An error path or a panic: do not leave a server running.
        if let Some(mut child) = self.child.take() {
            RUNNING.lock().unwrap().retain(|p| *p != child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Resets the kernel's peak-RSS mark (VmHWM) of a process, so the next reading covers one
/// scenario. Returns false where the kernel does not allow it; callers then sample instead.
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Resident memory of a process, in KiB: now and at its peak.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl Memory {
    pub fn of(pid: u32) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kib: field("VmRSS:"),
            peak_kib: field("VmHWM:"),
        }
    }
}

/// Samples the server's RSS every 100 ms until dropped, keeping the highest value seen (a
/// fallback for kernels that refuse to reset VmHWM, and a cross-check where they do).
pub struct RssSampler {
    handle: tokio::task::JoinHandle<()>,
    max: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RssSampler {
    pub fn start(pid: u32) -> RssSampler {
        let max = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let m = max.clone();
        let handle = tokio::spawn(async move {
            loop {
                m.fetch_max(
                    Memory::of(pid).rss_kib,
                    std::sync::atomic::Ordering::Relaxed,
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        RssSampler { handle, max }
    }

    pub fn finish(self, pid: u32) -> u64 {
        self.handle.abort();
        self.max
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(Memory::of(pid).rss_kib)
    }
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// The `depot` binary: the one given, else the release binary of the target directory this
/// binary was built in (`target/release/depot`), built now when missing or when asked.
pub fn find_binary(given: Option<PathBuf>, build: bool) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        if !path.exists() {
            bail!("--depot-bin {} does not exist", path.display());
        }
        return Ok(path);
    }
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .context("no target directory above the bench binary")?
        .to_path_buf();
    let beside = target.join("release").join("depot");
    if build || !beside.exists() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("bench crate has no parent")?;
        eprintln!("building the release server: cargo build --release --bin depot");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(workspace)
            .args(["build", "--release", "--bin", "depot"]);
        // Build into the target directory this binary lives in.
        cmd.env("CARGO_TARGET_DIR", &target);
        let status = cmd.status().context("running cargo")?;
        if !status.success() {
            bail!("cargo build --release --bin depot failed");
        }
    }
    if !beside.exists() {
        bail!(
            "no depot binary at {}; pass --depot-bin PATH",
            beside.display()
        );
    }
    Ok(beside)
}

/// `perf record` of the server during one scenario (optional, `--perf DIR`): a flat profile
/// of where the server's CPU time goes, by thread name, library and symbol.
pub struct Perf {
    child: Child,
    data: PathBuf,
    report: PathBuf,
}

impl Perf {
    pub fn start(pid: u32, dir: &Path, scenario: &str) -> anyhow::Result<Perf> {
        std::fs::create_dir_all(dir)?;
        let data = dir.join(format!("perf-{scenario}.data"));
        let child = Command::new("perf")
            .args(["record", "-q", "-F", "499", "-p", &pid.to_string(), "-o"])
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting perf (is it installed?)")?;
        Ok(Perf {
            child,
            data,
            report: dir.join(format!("perf-{scenario}.txt")),
        })
    }

    /// Stops recording and writes the report beside the data; returns its path.
    pub fn finish(mut self) -> anyhow::Result<PathBuf> {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait()?;
        let out = Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "--percent-limit",
                "0.7",
                "--sort",
                "comm,dso,symbol",
                "-i",
            ])
            .arg(&self.data)
            .stderr(Stdio::null())
            .output()?;
        std::fs::write(&self.report, &out.stdout)?;
        Ok(self.report)
    }
}

/// CPU time used so far, in seconds: by the server, by this process (the load generator),
/// and by the whole machine (busy = not idle), from /proc (USER_HZ = 100 on Linux).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub server: f64,
    pub client: f64,
    /// Every `postgres` process on the machine (the database server, when it is PostgreSQL).
    pub postgres: f64,
    pub busy: f64,
}

/// How a scenario's CPU time was shared, in cores (1.0 = one core busy the whole time).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSplit {
    pub server: f64,
    pub client: f64,
    pub postgres: f64,
    /// Everything else busy on the machine (other users of a shared box).
    pub other: f64,
    /// Server CPU seconds.
    pub server_seconds: f64,
}

const USER_HZ: f64 = 100.0;

fn process_cpu(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (get(11) + get(12)) / USER_HZ
}

/// CPU seconds of every live process named `postgres` (backends that exited during the
/// scenario are not counted; the benchmark's connections are pooled, so few do).
fn postgres_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| {
            let path = e.path().join("stat");
            let stat = std::fs::read_to_string(&path).ok()?;
            stat.contains("(postgres)")
                .then(|| process_cpu(&path.to_string_lossy()))
        })
        .sum()
}

impl Cpu {
    pub fn now(pid: u32) -> Cpu {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let busy = stat
            .lines()
            .next()
            .map(|l| {
                let v: Vec<f64> = l
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|x| x.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal …
                let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
                v.iter().take(8).sum::<f64>() - idle
            })
            .unwrap_or(0.0);
        Cpu {
            server: process_cpu(&format!("/proc/{pid}/stat"))
                + ALSO_SERVING
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|p| process_cpu(&format!("/proc/{p}/stat")))
                    .sum::<f64>(),
            client: process_cpu("/proc/self/stat"),
            postgres: postgres_cpu(),
            busy: busy / USER_HZ,
        }
    }

    pub fn since(&self, before: &Cpu, wall: Duration) -> CpuSplit {
        let w = wall.as_secs_f64().max(1e-9);
        let server = (self.server - before.server).max(0.0);
        let client = (self.client - before.client).max(0.0);
        let postgres = (self.postgres - before.postgres).max(0.0);
        let busy = (self.busy - before.busy).max(0.0);
        CpuSplit {
            server: server / w,
            client: client / w,
            postgres: postgres / w,
            other: (busy - server - client - postgres).max(0.0) / w,
            server_seconds: server,
        }
    }
}
