//! `depot`: the one binary. `depot serve` runs everything; the other commands administer the
//! database from a shell.

mod demo;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use depot_api::background::Role;
use depot_api::{AppState, Config};
use depot_domain::clock::SystemClock;
use depot_domain::{Clock, SharedClock};
use depot_store::{Db, PoolConfig};
use depot_webhooks::schedule::parse_schedule;
use depot_webhooks::{AddressPolicy, RetryPolicy, Worker, WorkerConfig};
use std::sync::Arc;
use std::time::Duration;

// Requests allocate many small, short-lived values; mimalloc serves them with less
// contention between threads than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "depot",
    version,
    about = "Depot: a self-hostable fulfillment (3PL) API"
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DbArgs {
    /// sqlite://PATH (created on first start) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "DEPOT_DATABASE_URL",
        default_value = "sqlite://depot.db",
        global = true
    )]
    database_url: String,
    /// Largest PostgreSQL connection pool.
    #[arg(
        long,
        env = "DEPOT_PG_MAX_CONNECTIONS",
        default_value_t = 24,
        global = true
    )]
    pg_max_connections: u32,
    /// SQLite commits: `full` fsyncs each group commit before it is visible or answered (a
    /// commit survives a power loss); `answered` fsyncs it before answering, while the next
    /// group works; `normal` leaves it to the operating system (it survives a crash of the
    /// process, but a power loss may lose the last commits).
    #[arg(
        long,
        env = "DEPOT_SQLITE_SYNCHRONOUS",
        default_value = "full",
        global = true
    )]
    sqlite_synchronous: depot_store::SqliteSynchronous,
}

#[derive(Subcommand)]
enum Command {
    /// Run the merchant API, the operator API and the background workers.
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage businesses (tenants).
    #[command(subcommand)]
    Business(BusinessCommand),
    /// Manage merchant API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Manage operator tokens.
    #[command(subcommand, name = "ops-token")]
    OpsToken(OpsTokenCommand),
    /// Manage merchant portal users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage operator console accounts.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Write a business's report to a file (the reports of the merchant API, SPEC §8), with a
    /// progress bar on the terminal.
    Report(ReportArgs),
}

#[derive(Args)]
struct ReportArgs {
    /// The business whose data the report holds.
    #[arg(long)]
    business: i64,
    /// shipments, stock_snapshot, stock_ledger, returns or purchase_orders.
    #[arg(long = "type")]
    report_type: String,
    /// csv or xlsx.
    #[arg(long)]
    format: String,
    /// A filter as NAME=VALUE, as the API's `filters` (repeat for several), e.g.
    /// --filter status=DELIVERED --filter created_time_from=1800000000.
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// The language of the headers and labels: vi or en.
    #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
    lang: String,
    /// The file to write (replaced once the report is complete).
    #[arg(long)]
    out: std::path::PathBuf,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Give a portal user a new password and end their sessions. Prints a one-time password
    /// they must change at their next sign-in; with --stdin, reads the new password from the
    /// first line of standard input instead (checked like any new password, not one-time).
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        stdin: bool,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create an operator account and print its one-time password, to be changed at the
    /// first sign-in to /console.
    Create {
        #[arg(long)]
        email: String,
        /// admin (every warehouse, businesses, operators), supervisor (its warehouses, floor
        /// work and stock adjustments) or floor (its warehouses, floor work only).
        #[arg(long)]
        role: String,
        /// A warehouse the operator works in (repeat for several; not for admin).
        #[arg(long = "warehouse")]
        warehouses: Vec<String>,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// What this process runs: `api` (the HTTP API), `worker` (webhook delivery and the
    /// background jobs; its listener answers only /healthz and /readyz) or `all`. Several
    /// processes may share one PostgreSQL database in any mix of roles.
    #[arg(long, env = "DEPOT_ROLE", default_value = "all", value_parser = ["api", "worker", "all"])]
    role: String,
    /// Seconds a process that stops answering keeps its background jobs before another
    /// process on the same database takes them over.
    #[arg(long, env = "DEPOT_JOB_LEASE_SECS", default_value_t = 15)]
    job_lease_secs: u64,
    /// Address to listen on.
    #[arg(long, env = "DEPOT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Also seed a demo business, key, warehouse and brand, and print a curl line to try.
    #[arg(long, env = "DEPOT_DEMO")]
    demo: bool,
    /// A fixed operator token accepted by /ops/v1 (besides those made by `depot ops-token create`).
    #[arg(long, env = "DEPOT_OPS_TOKEN", hide_env_values = true)]
    ops_token: Option<String>,
    /// Requests per minute per API key; 0 switches rate limiting off.
    #[arg(long, env = "DEPOT_RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    rate_limit_per_minute: u32,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "DEPOT_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    body_limit_bytes: usize,
    /// Largest uploaded file, in bytes (20 MiB by default).
    #[arg(long, env = "DEPOT_UPLOAD_LIMIT_BYTES", default_value_t = 20 * 1024 * 1024)]
    upload_limit_bytes: usize,
    /// Directory where uploaded files and rendered documents are kept.
    #[arg(long, env = "DEPOT_STORAGE_DIR", default_value = "./depot-files")]
    storage_dir: std::path::PathBuf,
    /// Largest evidence medium (packing or inspection video, photo), in bytes (500 MiB by default).
    #[arg(long, env = "DEPOT_MEDIA_LIMIT_BYTES", default_value_t = 500 * 1024 * 1024)]
    media_limit_bytes: usize,
    /// Days evidence media are kept after upload; older ones are deleted. 0 keeps them for ever.
    #[arg(long, env = "DEPOT_MEDIA_RETENTION_DAYS", default_value_t = 90)]
    media_retention_days: u32,
    /// Days a finished report's file is kept; older ones are deleted. 0 keeps them for ever.
    #[arg(long, env = "DEPOT_REPORT_RETENTION_DAYS", default_value_t = 7)]
    report_retention_days: u32,
    /// Base of every URL Depot hands out, as clients reach it (e.g. https://depot.example.com);
    /// http://<listen address> by default.
    #[arg(long, env = "DEPOT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "DEPOT_LOG_FORMAT", default_value = "text")]
    log_format: String,
    /// Address ranges webhook targets may use although private, loopback or link-local
    /// (comma-separated CIDRs, e.g. `127.0.0.0/8` for local testing). Default: none.
    #[arg(long, env = "DEPOT_WEBHOOK_ALLOW_PRIVATE", default_value = "")]
    webhook_allow_private: String,
    /// An HTTP(S) proxy for webhook deliveries (e.g. http://proxy.internal:3128). Without it
    /// deliveries go straight to their targets and the proxy variables of the environment
    /// (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY) are ignored. The address policy still
    /// applies to every target.
    #[arg(long, env = "DEPOT_WEBHOOK_PROXY")]
    webhook_proxy: Option<String>,
    /// Delays between webhook attempts (s, m, h, d); after the last one a delivery is FAILED.
    #[arg(
        long,
        env = "DEPOT_WEBHOOK_RETRY_SCHEDULE",
        default_value = "5s,5m,30m,2h,5h,10h,14h,20h,24h"
    )]
    webhook_retry_schedule: String,
    /// Webhook requests in flight at once; 0 runs no delivery worker in this process.
    #[arg(long, env = "DEPOT_WEBHOOK_CONCURRENCY", default_value_t = 64)]
    webhook_concurrency: usize,
    /// Seconds a webhook request may take, from connecting to the end of the reply.
    #[arg(long, env = "DEPOT_WEBHOOK_TIMEOUT_SECS", default_value_t = 15)]
    webhook_timeout_secs: u64,
    /// Hours a portal or console session may stay idle before it ends.
    #[arg(long, env = "DEPOT_SESSION_IDLE_HOURS", default_value_t = 12)]
    session_idle_hours: u32,
}

#[derive(Subcommand)]
enum BusinessCommand {
    /// Register a business; with --approve also approve it and issue an API key.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long)]
        approve: bool,
    },
    /// Approve a pending business.
    Approve { business_id: i64 },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Issue a new API key for a business.
    Create {
        #[arg(long)]
        business: i64,
    },
    /// Revoke an API key by its key id.
    Revoke { key_id: String },
}

#[derive(Subcommand)]
enum OpsTokenCommand {
    /// Issue a new operator token.
    Create,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let log_json = matches!(&cli.command, Command::Serve(a) if a.log_format == "json");
    init_logging(log_json);

    let pools = PoolConfig {
        postgres_max_connections: cli.db.pg_max_connections,
        sqlite_synchronous: cli.db.sqlite_synchronous,
        ..Default::default()
    };
    let db = Db::connect(&cli.db.database_url, &pools)
        .await
        .with_context(|| format!("connecting to {}", cli.db.database_url))?;
    db.migrate().await.context("applying migrations")?;
    let clock = SystemClock;

    match cli.command {
        Command::Serve(args) => serve(db.clone(), *args).await?,
        Command::Migrate => println!("migrations applied"),
        Command::Business(BusinessCommand::Create {
            name,
            email,
            approve,
        }) => {
            let email = if email.is_empty() {
                format!("{}@unknown", slug(&name))
            } else {
                email
            };
            let business = db.create_business(&name, &email, clock.now()).await?;
            println!("business_id: {}", business.business_id);
            if approve {
                db.approve_business(business.business_id, clock.now())
                    .await?;
                print_key(
                    &db.create_api_key(business.business_id, clock.now())
                        .await?
                        .context("business vanished")?,
                );
            }
        }
        Command::Business(BusinessCommand::Approve { business_id }) => {
            // The support rules and history of the console and the operator API.
            let action = depot_domain::business::BusinessAction::Approve;
            match db
                .change_business_status(business_id, action, None, "cli", clock.now())
                .await?
            {
                Ok(_) => println!("business {business_id} approved"),
                Err(depot_store::support::ChangeError::NotFound) => {
                    bail!("no business {business_id}")
                }
                Err(depot_store::support::ChangeError::NotAllowed(b)) => bail!(
                    "business {business_id} is {}: it cannot be approved (reactivate a suspended one)",
                    b.status.as_str()
                ),
            }
        }
        Command::ApiKey(ApiKeyCommand::Create { business }) => {
            match db.create_api_key(business, clock.now()).await? {
                Some(key) => print_key(&key),
                None => bail!("no business {business}"),
            }
        }
        Command::ApiKey(ApiKeyCommand::Revoke { key_id }) => {
            if !db.revoke_api_key(&key_id, clock.now()).await? {
                bail!("no api key {key_id}");
            }
            println!("api key {key_id} revoked");
        }
        Command::OpsToken(OpsTokenCommand::Create) => {
            println!("{}", db.create_ops_token(clock.now()).await?)
        }
        Command::User(UserCommand::ResetPassword { email, stdin }) => {
            reset_password(&db, &email, stdin, clock.now()).await?
        }
        Command::Operator(OperatorCommand::Create {
            email,
            role,
            warehouses,
        }) => create_operator(&db, &email, &role, &warehouses, clock.now()).await?,
        Command::Report(args) => report(&db, args).await?,
    }
    db.close().await;
    Ok(())
}

async fn serve(db: Db, args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let public_url = match args.public_url {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            url.trim_end_matches('/').to_string()
        }
        Some(url) => bail!("--public-url {url}: expected http://… or https://…"),
        None => format!("http://{addr}"),
    };
    if args.demo {
        demo::seed(&db, &public_url).await?;
    }
    let policy = Arc::new(
        AddressPolicy::parse(&args.webhook_allow_private)
            .map_err(anyhow::Error::msg)
            .context("--webhook-allow-private")?,
    );
    let schedule = parse_schedule(&args.webhook_retry_schedule)
        .map_err(anyhow::Error::msg)
        .context("--webhook-retry-schedule")?;
    let role = Role::parse(&args.role).context("--role: expected api, worker or all")?;
    let proxy = match &args.webhook_proxy {
        None => None,
        Some(text) => match depot_webhooks::worker::parse_proxy(text) {
            Ok(url) => Some(url),
            Err(why) => bail!("--webhook-proxy {text}: {why}"),
        },
    };
    let config = Config {
        ops_token: args.ops_token,
        rate_limit_per_minute: args.rate_limit_per_minute,
        body_limit_bytes: args.body_limit_bytes,
        public_url,
        upload_limit_bytes: args.upload_limit_bytes,
        storage_dir: args.storage_dir,
        media_limit_bytes: args.media_limit_bytes,
        media_retention_days: args.media_retention_days,
        report_retention_days: args.report_retention_days,
        webhook_policy: policy.clone(),
        job_lease: Duration::from_secs(args.job_lease_secs.max(1)),
        ..Config::default()
    };
    let clock: SharedClock = Arc::new(SystemClock);
    let state = AppState::new(db.clone(), clock.clone(), config);

    // One shutdown signal, fanned out to the HTTP server and the webhook worker.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let wait_for = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let worker = (role.runs_workers() && args.webhook_concurrency > 0).then(|| {
        let worker = Worker::new(
            db.clone(),
            clock,
            WorkerConfig {
                retry: RetryPolicy::with_schedule(schedule),
                concurrency: args.webhook_concurrency,
                per_endpoint_concurrency: (args.webhook_concurrency / 4).max(1),
                request_timeout: Duration::from_secs(args.webhook_timeout_secs.max(1)),
                policy,
                proxy,
                ..WorkerConfig::default()
            },
        );
        tokio::spawn(worker.run(wait_for(stopped.clone())))
    });
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let mut web = depot_web::WebConfig::new(&state.config.public_url);
    web.session_idle_seconds = i64::from(args.session_idle_hours.max(1)) * 3600;
    let pages = depot::pages(&state, &web);
    tracing::info!(%addr, backend = ?db.backend(), ?role, instance = %state.config.instance, "depot listening");
    depot_api::serve_role(listener, state, pages, role, wait_for(stopped)).await?;
    if let Some(worker) = worker {
        // In-flight deliveries finish (bounded by their timeout) and are recorded.
        let _ = worker.await;
    }
    tracing::info!("depot stopped");
    Ok(())
}

/// `depot report`: validates like the API, then streams the report into `--out` (through a
/// temporary file beside it, renamed at the end).
async fn report(db: &Db, args: ReportArgs) -> anyhow::Result<()> {
    let mut filters = serde_json::Map::new();
    for f in &args.filters {
        let Some((name, value)) = f.split_once('=') else {
            bail!("--filter {f}: expected NAME=VALUE");
        };
        filters.insert(name.trim().to_string(), serde_json::Value::from(value));
    }
    let (spec, format) =
        depot_api::reports::parse_request(&args.report_type, &args.format, &filters).map_err(
            |e| {
                let detail = e.detail.map(|d| d.to_string()).unwrap_or_default();
                anyhow::anyhow!("report refused: {detail}")
            },
        )?;
    if db.business(args.business).await?.is_none() {
        bail!("no business {}", args.business);
    }
    let lang = if args.lang == "en" {
        depot_domain::Lang::En
    } else {
        depot_domain::Lang::Vi
    };
    let temp = args.out.with_extension("part");
    let file =
        std::fs::File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
    let sync = file.try_clone()?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}, {eta} left)",
        )
        .expect("a valid template"),
    );
    let written = depot_api::reports::write_report(
        db,
        args.business,
        spec,
        format,
        lang,
        file,
        |rows, total| {
            bar.set_length(total);
            bar.set_position(rows);
        },
    )
    .await;
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            bar.abandon();
            let _ = std::fs::remove_file(&temp);
            bail!("writing the report: {e}");
        }
    };
    sync.sync_all()?;
    std::fs::rename(&temp, &args.out)
        .with_context(|| format!("renaming {} to {}", temp.display(), args.out.display()))?;
    bar.finish_and_clear();
    println!("{rows} rows written to {}", args.out.display());
    Ok(())
}

async fn reset_password(db: &Db, email: &str, stdin: bool, now: i64) -> anyhow::Result<()> {
    let user = db
        .user_by_email(email)
        .await?
        .with_context(|| format!("no portal user with email {email}"))?;
    let (password, one_time) = if stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the new password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if let Err(weakness) = depot_web::password::check_strength(&password, &[&user.email]) {
            bail!(
                "password refused ({weakness:?}): at least {} characters, not a common word, \
                 name or sequence",
                depot_web::password::MIN_CHARS
            );
        }
        (password, false)
    } else {
        (depot_web::password::generate(), true)
    };
    let hash = depot_web::password::hash(&password).await;
    db.set_user_password(user.id, &hash, one_time, now).await?;
    if one_time {
        println!("email: {}", user.email);
        println!("one-time password: {password}");
        println!("(to be changed at the next sign-in; every session of this user has ended)");
    } else {
        println!(
            "password set for {}; every session of this user has ended",
            user.email
        );
    }
    Ok(())
}

async fn create_operator(
    db: &Db,
    email: &str,
    role: &str,
    warehouses: &[String],
    now: i64,
) -> anyhow::Result<()> {
    use depot_store::users::{NewOperator, OperatorRole};
    let role = OperatorRole::parse(role)
        .with_context(|| format!("--role {role}: expected admin, supervisor or floor"))?;
    if !email.contains('@') {
        bail!("--email {email}: expected an email address");
    }
    match (role, warehouses.is_empty()) {
        (OperatorRole::Admin, false) => {
            bail!("an admin works in every warehouse: leave --warehouse out")
        }
        (OperatorRole::Supervisor | OperatorRole::Floor, true) => {
            bail!(
                "a {} needs at least one --warehouse CODE",
                role.as_str().to_lowercase()
            )
        }
        _ => {}
    }
    let password = depot_web::password::generate();
    let hash = depot_web::password::hash(&password).await;
    match db
        .create_operator(email, role, warehouses, &hash, now)
        .await?
    {
        NewOperator::Created(op) => {
            println!("operator: {} ({})", op.email, op.role.as_str());
            if !op.warehouses.is_empty() {
                println!("warehouses: {}", op.warehouses.join(", "));
            }
            println!("one-time password: {password}");
            println!("(to be changed at the first sign-in to /console)");
            Ok(())
        }
        NewOperator::EmailTaken => bail!("an operator with email {email} exists already"),
        NewOperator::UnknownWarehouses(codes) => {
            bail!("no such warehouse: {}", codes.join(", "))
        }
    }
}

fn print_key(key: &depot_store::tenants::NewApiKey) {
    println!("key_id: {}", key.key_id);
    println!("secret: {}", key.secret);
    println!("api_key: {}", key.api_key);
}

fn slug(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
