//! `depot-bench`: how fast Depot is, measured against itself.
//!
//! Starts a release `depot serve` on a fresh SQLite file or PostgreSQL database, seeds a
//! merchant over the API, writes a stored history of shipments straight into the database,
//! then drives each scenario at a fixed concurrency for a bounded time and request count.
//! Beside every HTTP figure it prints the same work done in process on `depot_store::Db`
//! and the plain-HTTP ceiling (`GET /healthz`), so results read as ratios that survive a
//! noisy machine. Traffic goes to 127.0.0.1 only; every run ends by itself.
//! See `bench/README.md`.

mod baseline;
mod context;
mod exports;
mod floor;
mod http;
mod load;
mod media;
mod portal;
mod report;
mod scenarios;
mod server;
mod setup;
mod sustained;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use context::Ran;
use report::{Row, RunReport, Stats};
use setup::{Database, Kind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DbArg {
    Sqlite,
    Postgres,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "depot-bench",
    about = "Benchmark a release `depot serve` over HTTP on 127.0.0.1, with in-process and plain-HTTP baselines"
)]
struct Cli {
    /// The standard run (the defaults, spelled out): every scenario, 32 clients, 8 s each,
    /// 100,000 stored shipments, SQLite.
    #[arg(long)]
    standard: bool,
    /// A short check: 2 s per scenario, 1 s baselines, 51,000 stored shipments.
    #[arg(long, conflicts_with = "standard")]
    quick: bool,
    /// Databases, comma separated: sqlite, postgres.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sqlite")]
    db: Vec<DbArg>,
    /// PostgreSQL server (loopback only) where fresh databases are created and dropped.
    #[arg(
        long,
        env = "DEPOT_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// The `depot` binary (default: target/release/depot beside this binary's target dir).
    #[arg(long)]
    depot_bin: Option<PathBuf>,
    /// Build the release server first even when a binary exists.
    #[arg(long)]
    build: bool,
    /// Clients sending at once (each waits for its reply before the next request).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds per HTTP scenario.
    #[arg(long, default_value_t = 8.0)]
    duration: f64,
    /// Seconds per sustained scenario (`sustained-*`: a steady load charted second by
    /// second).
    #[arg(long, default_value_t = 60.0)]
    sustained_duration: f64,
    /// Shipments created (and one in ten cancelled) over the API while seeding, as a user
    /// would, before the stored history is written by SQL.
    #[arg(long, default_value_t = 1000)]
    seed_shipments: u64,
    /// Seconds per in-process baseline.
    #[arg(long, default_value_t = 4.0)]
    baseline_duration: f64,
    /// Requests per scenario at most.
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,
    /// Shipments stored for the list and detail scenarios (written by SQL before the server
    /// starts).
    #[arg(long, default_value_t = 100_000)]
    history: u64,
    /// Store 1,000,000 shipments (the deep-page setting; adds minutes).
    #[arg(long)]
    million: bool,
    /// Scenarios to run, comma separated (default: all). `depot-bench --list` names them.
    #[arg(long, value_delimiter = ',')]
    scenarios: Vec<String>,
    /// Print the scenario names and exit.
    #[arg(long)]
    list: bool,
    /// Skip the in-process baselines.
    #[arg(long)]
    no_baseline: bool,
    /// Repeat the whole run; with more than one, the medians are printed too.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// `depot serve` processes on the one database, the load split evenly between them
    /// (request by request, in turn). CPU figures add up every server; memory is the
    /// first server's.
    #[arg(long, default_value_t = 1)]
    processes: usize,
    /// The servers' per-key rate limit (requests per minute); 0, the default, turns it off.
    /// Set it high (e.g. 100000000) to measure what the limiter itself costs: on PostgreSQL
    /// that is the shared limit with its local allowance.
    #[arg(long, default_value_t = 0)]
    rate_limit_per_minute: u64,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Products in the seed.
    #[arg(long, default_value_t = 20)]
    products: usize,
    /// Also write the report (markdown) to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The server's RUST_LOG (its request log goes to a file in the run's temp dir).
    #[arg(long, default_value = "info,sqlx=warn")]
    server_log: String,
    /// Keep the temp dir (server log, SQLite files) and the databases after the run.
    #[arg(long)]
    keep: bool,
    /// Profile the server with `perf record` during each scenario; data and a flat report
    /// per scenario go to this directory.
    #[arg(long)]
    perf: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    if cli.list {
        for s in scenarios::ALL {
            println!("{s}");
        }
        return Ok(());
    }
    if cli.quick {
        cli.duration = 2.0;
        cli.sustained_duration = cli.sustained_duration.min(5.0);
        cli.baseline_duration = 1.0;
        if !cli.million {
            cli.history = 51_000;
        }
    }
    if cli.million {
        cli.history = 1_000_000;
    }
    if cli.scenarios.is_empty() {
        cli.scenarios = scenarios::ALL.iter().map(|s| s.to_string()).collect();
    }
    for s in &cli.scenarios {
        if !scenarios::ALL.contains(&s.as_str()) {
            anyhow::bail!("unknown scenario {s}; known: {}", scenarios::ALL.join(", "));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(async {
        tokio::select! {
            r = bench(cli) => r,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted: stopping the server, removing the run's databases");
                server::stop_all();
                tokio::time::sleep(Duration::from_millis(500)).await;
                setup::remove_all().await;
                std::process::exit(130);
            }
        }
    })
}

async fn bench(cli: Cli) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: depot-bench is a debug build; the load generator itself will be slow (use --release)");
    }
    let binary = server::find_binary(cli.depot_bin.clone(), cli.build)?;
    let started = Instant::now();
    let mut out = String::new();
    out.push_str(&machine(&cli, &binary));
    print!("{out}");
    for db in &cli.db {
        let kind = match db {
            DbArg::Sqlite => Kind::Sqlite,
            DbArg::Postgres => Kind::Postgres,
        };
        let mut runs = Vec::new();
        for n in 1..=cli.runs {
            eprintln!("== {} run {n} of {}", kind.name(), cli.runs);
            let t = Instant::now();
            let report = one_run(&cli, kind, &binary).await?;
            let text = format!(
                "\n### {} — run {n} of {} ({:.0} s)\n\n{}",
                kind.name(),
                cli.runs,
                t.elapsed().as_secs_f64(),
                report::table(&report, cli.concurrency)
            );
            print!("{text}");
            out.push_str(&text);
            runs.push(report);
        }
        if runs.len() > 1 {
            let text = format!(
                "\n### {} — medians of {} runs\n\n{}",
                kind.name(),
                runs.len(),
                report::table(&report::medians(&runs), cli.concurrency)
            );
            print!("{text}");
            out.push_str(&text);
        }
    }
    let tail = format!(
        "\nTotal time {:.0} s. Load at the end: {}\n",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    print!("{tail}");
    out.push_str(&tail);
    if let Some(path) = &cli.out {
        std::fs::write(path, &out).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// One run on one backend: fresh databases, seed, stored history, every scenario, baselines.
async fn one_run(cli: &Cli, kind: Kind, binary: &Path) -> anyhow::Result<RunReport> {
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let dir = std::env::temp_dir().join(format!("depot-bench-{tag}"));
    std::fs::create_dir_all(&dir)?;
    let server_db = Database::create(kind, &cli.pg_url, &dir, "srv").await?;
    let base_db = Database::create(kind, &cli.pg_url, &dir, "base").await?;
    let result = drive(cli, kind, binary, &tag, &dir, &server_db, &base_db).await;
    if cli.keep {
        eprintln!(
            "kept {} and the databases {} and {}",
            dir.display(),
            server_db.url,
            base_db.url
        );
        server_db.forget();
        base_db.forget();
    } else {
        server_db.remove().await;
        base_db.remove().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    cli: &Cli,
    kind: Kind,
    binary: &Path,
    tag: &str,
    dir: &Path,
    server_db: &Database,
    base_db: &Database,
) -> anyhow::Result<RunReport> {
    let ops_token = format!("dop_bench_{}", uuid::Uuid::new_v4().simple());
    let config = server::ServerConfig {
        binary: binary.to_path_buf(),
        database_url: server_db.url.clone(),
        ops_token: ops_token.clone(),
        log_filter: cli.server_log.clone(),
        log_file: dir.join("server.log"),
        storage_dir: dir.join("files"),
        rate_limit_per_minute: cli.rate_limit_per_minute,
    };
    let client = http::client(cli.concurrency)?;

    // 1. The merchant, its warehouse, products and stock, over the API.
    let t = Instant::now();
    let srv = server::Server::start(&config).await?;
    let seed = setup::over_api(&client, &srv.base, &ops_token, cli.products).await?;
    let made = setup::shipments_over_api(
        &client,
        &srv.base,
        &seed,
        cli.seed_shipments,
        cli.concurrency,
    )
    .await?;
    srv.stop().await?;
    eprintln!(
        "  seeded over the API in {:.1} s ({made})",
        t.elapsed().as_secs_f64()
    );

    // 2. The stored history, by SQL, while no server runs.
    let t = Instant::now();
    let db = server_db.connect().await?;
    let prefix = format!("{tag}-h-");
    setup::pool(
        &db,
        &seed,
        &setup::PoolSpec {
            prefix: &prefix,
            count: cli.history,
            delivered: true,
            quantity: 1,
            spread_times: true,
        },
        false,
    )
    .await?;
    setup::settle(&db).await?;
    let history = setup::id_range(&db, &seed, &prefix, cli.history).await?;
    eprintln!(
        "  stored {} delivered shipments in {:.1} s",
        report::thousands(cli.history as f64),
        t.elapsed().as_secs_f64()
    );

    // 3. The measured server (or servers: `--processes`).
    let srv = server::Server::start(&config).await?;
    let mut others = Vec::new();
    for _ in 1..cli.processes.max(1) {
        let other = server::Server::start(&config).await?;
        server::ALSO_SERVING.lock().unwrap().push(other.pid);
        others.push(other);
    }
    let bases: Vec<Arc<str>> = std::iter::once(&srv)
        .chain(&others)
        .map(|s| Arc::from(s.base.as_str()))
        .collect();
    let seed = Arc::new(seed);
    let load = load::Load {
        concurrency: cli.concurrency,
        duration: Duration::from_secs_f64(cli.duration),
        max_requests: cli.max_requests,
    };
    let ctx = context::Ctx {
        api: http::Api {
            client,
            bases: bases.into(),
            next: Default::default(),
            seed: seed.clone(),
            ops_token: ops_token.into(),
        },
        db: db.clone(),
        seed: seed.clone(),
        pid: srv.pid,
        load,
        tag: tag.to_string(),
        history,
        rates: Default::default(),
        sustained: Duration::from_secs_f64(cli.sustained_duration),
        wal: server_db
            .url
            .strip_prefix("sqlite://")
            .map(|path| PathBuf::from(format!("{path}-wal"))),
    };
    let mut rows = Vec::new();
    for name in &cli.scenarios {
        let t = Instant::now();
        let perf = match &cli.perf {
            Some(dir) => Some(server::Perf::start(
                srv.pid,
                &dir.join(format!("{}-{tag}", kind.name().to_lowercase())),
                name,
            )?),
            None => None,
        };
        let ran = scenarios::run(name, &ctx).await;
        if let Some(perf) = perf {
            match perf.finish() {
                Ok(path) => eprintln!("  {name}: profile in {}", path.display()),
                Err(e) => eprintln!("  {name}: perf failed: {e:#}"),
            }
        }
        let row = match ran {
            Ok(Ran::Done(m)) => {
                eprintln!(
                    "  {name}: {:.0} {}/s, p99 {:.1} ms, {} errors ({:.0} s)",
                    m.outcome.items_per_second(),
                    m.unit,
                    m.outcome.ms(0.99),
                    m.outcome.errors,
                    t.elapsed().as_secs_f64()
                );
                ctx.rates
                    .lock()
                    .unwrap()
                    .insert(name.clone(), m.outcome.items_per_second());
                Row {
                    scenario: name.clone(),
                    unit: m.unit,
                    http: Some(Stats::of(&m.outcome)),
                    skipped: None,
                    base: None,
                    peak_mib: Some(m.peak_kib as f64 / 1024.0),
                    end_mib: Some(m.end_kib as f64 / 1024.0),
                    cpu: Some(report::Cpu::of(&m.cpu, m.outcome.requests)),
                    note: m.note,
                    first_error: m.outcome.first_error.clone(),
                    timeline: m.timeline,
                }
            }
            Ok(Ran::Skipped(why)) => {
                eprintln!("  {name}: skipped — {why}");
                skipped_row(name, why)
            }
            Err(e) => {
                eprintln!("  {name}: failed — {e:#}");
                skipped_row(name, format!("failed: {e:#}"))
            }
        };
        rows.push(row);
    }
    srv.stop().await?;
    server::ALSO_SERVING.lock().unwrap().clear();
    for other in others {
        other.stop().await?;
    }
    // The pools and every scenario must have left the stock consistent.
    let problems = db.audit_stock().await?;
    if !problems.is_empty() {
        eprintln!(
            "  warning: the stock audit found {} problems after the run, e.g. {}",
            problems.len(),
            problems[0]
        );
    }

    // 4. The in-process baselines, with the server stopped.
    let mut roundtrip_us = None;
    if !cli.no_baseline {
        roundtrip_us = Some(baseline::roundtrip(&db).await?);
        let t = Instant::now();
        let fresh = base_db.connect().await?;
        fresh.migrate().await?;
        let fresh_seed = setup::in_process(&fresh, cli.products).await?;
        let ran: Vec<String> = rows
            .iter()
            .filter(|r| r.http.is_some())
            .map(|r| r.scenario.clone())
            .collect();
        let dbs = baseline::Dbs {
            fresh: &fresh,
            fresh_seed: &fresh_seed,
            history: &db,
            history_seed: &seed,
            history_ids: history,
        };
        let base_load = load::Load {
            duration: Duration::from_secs_f64(cli.baseline_duration),
            ..load
        };
        let rates = ctx.rates.lock().unwrap().clone();
        let results = baseline::run(&dbs, base_load, tag, &ran, &rates).await?;
        let cancel = results.get("cancel").map(Stats::of);
        for row in &mut rows {
            row.base = match results.get(&row.scenario) {
                Some(o) => Some(Stats::of(o)),
                // The dialects make the same store call as the native cancel.
                None if row.scenario.ends_with("-cancel") && row.scenario != "bulk-cancel" => {
                    cancel
                }
                None => None,
            };
        }
        fresh.close().await;
        eprintln!("  baselines in {:.0} s", t.elapsed().as_secs_f64());
    }
    db.close().await;
    Ok(RunReport {
        kind,
        rows,
        roundtrip_us,
    })
}

fn skipped_row(name: &str, why: String) -> Row {
    Row {
        scenario: name.to_string(),
        unit: "req",
        http: None,
        skipped: Some(why),
        base: None,
        peak_mib: None,
        end_mib: None,
        cpu: None,
        note: String::new(),
        first_error: None,
        timeline: None,
    }
}

/// The header: machine, date, commit, settings.
fn machine(cli: &Cli, binary: &Path) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(workspace)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let dirty = if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        ""
    } else {
        " (with uncommitted changes)"
    };
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "## depot-bench\n\n\
         * date: {date}; commit {}{dirty}\n\
         * machine: {nproc} CPUs ({cpu}), {mem_gib:.1} GiB memory; load average at start: {}\n\
         * server: {}\n\
         * settings: {} clients, {} s per scenario ({} s sustained), {} s per baseline, at most {} requests each, {} stored shipments, {} client threads, {} server process(es)\n",
        git(&["rev-parse", "--short", "HEAD"]),
        loadavg(),
        binary.display(),
        cli.concurrency,
        cli.duration,
        cli.sustained_duration,
        cli.baseline_duration,
        report::thousands(cli.max_requests as f64),
        report::thousands(cli.history as f64),
        cli.client_threads,
        cli.processes.max(1),
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
