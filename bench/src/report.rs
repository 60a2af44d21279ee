//! Markdown tables: one per run, and the medians of several runs, with the issue's targets.

use crate::load::Outcome;
use crate::setup::Kind;
use std::fmt::Write;

/// The target for the server's RSS growth during a 1,000,000-row report.
pub const REPORT_GROWTH_TARGET_MIB: f64 = 50.0;
/// The target for the rows per second of a SQLite report.
pub const REPORT_ROWS_TARGET: f64 = 50_000.0;

/// The figures of one side (HTTP or in-process) of a scenario.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub per_second: f64,
    pub items_per_second: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub errors: f64,
    pub requests: f64,
}

impl Stats {
    pub fn of(o: &Outcome) -> Stats {
        Stats {
            per_second: o.per_second(),
            items_per_second: o.items_per_second(),
            p50: o.ms(0.50),
            p95: o.ms(0.95),
            p99: o.ms(0.99),
            p999: o.ms(0.999),
            max: o.max_ms(),
            errors: o.errors as f64,
            requests: o.requests as f64,
        }
    }
}

/// Where the CPU went during a scenario, in cores, and the server's CPU time per request.
#[derive(Debug, Clone, Copy)]
pub struct Cpu {
    pub server: f64,
    pub client: f64,
    pub postgres: f64,
    pub other: f64,
    pub server_us_per_request: f64,
}

impl Cpu {
    pub fn of(split: &crate::server::CpuSplit, requests: u64) -> Cpu {
        Cpu {
            server: split.server,
            client: split.client,
            postgres: split.postgres,
            other: split.other,
            server_us_per_request: if requests == 0 {
                0.0
            } else {
                split.server_seconds * 1e6 / requests as f64
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: String,
    pub unit: &'static str,
    pub http: Option<Stats>,
    pub skipped: Option<String>,
    pub base: Option<Stats>,
    pub peak_mib: Option<f64>,
    pub end_mib: Option<f64>,
    pub cpu: Option<Cpu>,
    pub note: String,
    pub first_error: Option<String>,
    /// Per second, for the sustained scenarios.
    pub timeline: Option<Timeline>,
}

/// A scenario second by second: throughput, the slowest request, the WAL file's size.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Wall-clock time (UTC) of second 0, to line the chart up with the server's log.
    pub started: String,
    /// Full seconds of load; seconds after it only hold the requests still in flight.
    pub full_seconds: usize,
    pub seconds: Vec<crate::load::Second>,
    /// The largest size of the SQLite `-wal` file seen in each second, in bytes (empty on
    /// PostgreSQL).
    pub wal_bytes: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct RunReport {
    pub kind: Kind,
    pub rows: Vec<Row>,
    /// One `SELECT 1` on the store's writer connection, in process, one at a time: µs each.
    pub roundtrip_us: Option<f64>,
}

impl RunReport {
    fn healthz(&self) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.scenario == "healthz")
            .and_then(|r| r.http)
            .map(|s| s.per_second)
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if !n.is_multiple_of(2) {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn median_stats(v: &[Stats]) -> Option<Stats> {
    let m = |f: fn(&Stats) -> f64| median(v.iter().map(f).collect());
    Some(Stats {
        per_second: m(|s| s.per_second)?,
        items_per_second: m(|s| s.items_per_second)?,
        p50: m(|s| s.p50)?,
        p95: m(|s| s.p95)?,
        p99: m(|s| s.p99)?,
        p999: m(|s| s.p999)?,
        max: m(|s| s.max)?,
        errors: m(|s| s.errors)?,
        requests: m(|s| s.requests)?,
    })
}

/// The medians, field by field, of several runs on one backend.
pub fn medians(runs: &[RunReport]) -> RunReport {
    let kind = runs[0].kind;
    let mut rows = Vec::new();
    for first in &runs[0].rows {
        let same: Vec<&Row> = runs
            .iter()
            .filter_map(|r| r.rows.iter().find(|x| x.scenario == first.scenario))
            .collect();
        let http: Vec<Stats> = same.iter().filter_map(|r| r.http).collect();
        let base: Vec<Stats> = same.iter().filter_map(|r| r.base).collect();
        let cpu: Vec<Cpu> = same.iter().filter_map(|r| r.cpu).collect();
        let mc = |f: fn(&Cpu) -> f64| median(cpu.iter().map(f).collect());
        rows.push(Row {
            scenario: first.scenario.clone(),
            unit: first.unit,
            http: median_stats(&http),
            skipped: if http.is_empty() {
                first.skipped.clone()
            } else {
                None
            },
            base: median_stats(&base),
            peak_mib: median(same.iter().filter_map(|r| r.peak_mib).collect()),
            end_mib: median(same.iter().filter_map(|r| r.end_mib).collect()),
            cpu: match (
                mc(|c| c.server),
                mc(|c| c.client),
                mc(|c| c.postgres),
                mc(|c| c.other),
                mc(|c| c.server_us_per_request),
            ) {
                (Some(server), Some(client), Some(postgres), Some(other), Some(us)) => Some(Cpu {
                    server,
                    client,
                    postgres,
                    other,
                    server_us_per_request: us,
                }),
                _ => None,
            },
            note: if http.len() < same.len() && !http.is_empty() {
                format!(
                    "{} (ran in {} of {} runs)",
                    first.note,
                    http.len(),
                    same.len()
                )
            } else {
                first.note.clone()
            },
            first_error: same.iter().find_map(|r| r.first_error.clone()),
            // Each run's chart is under its own table.
            timeline: None,
        });
    }
    RunReport {
        kind,
        rows,
        roundtrip_us: median(runs.iter().filter_map(|r| r.roundtrip_us).collect()),
    }
}

/// The issue's target for a scenario on SQLite (PostgreSQL: half the throughput, twice the
/// p99): (minimum items per second, unit).
fn throughput_target(scenario: &str) -> Option<f64> {
    match scenario {
        "create" => Some(2_000.0),
        "cancel" => Some(3_000.0),
        "bulk-cancel" => Some(20_000.0),
        "detail" => Some(10_000.0),
        "report-shipments" => Some(REPORT_ROWS_TARGET),
        _ => None,
    }
}

const P99_TARGET_MS: f64 = 25.0;
const P999_TARGET_MS: f64 = 25.0;
const MAX_TARGET_MS: f64 = 100.0;
const RSS_TARGET_MIB: f64 = 150.0;

fn target_cell(kind: Kind, row: &Row, concurrency: usize, healthz: Option<f64>) -> String {
    let Some(http) = row.http else {
        return String::new();
    };
    let scale = if kind == Kind::Postgres { 0.5 } else { 1.0 };
    let mark = |ok: bool| if ok { "✅" } else { "❌" };
    let mut parts = Vec::new();
    if let Some(t) = throughput_target(&row.scenario) {
        let t = t * scale;
        parts.push(format!(
            "≥ {} {}/s {}",
            thousands(t),
            row.unit,
            mark(http.items_per_second >= t)
        ));
    }
    if row.scenario == "media-range" {
        if let Some(hz) = healthz.filter(|h| *h > 0.0) {
            parts.push(format!(
                "≥ 50% of healthz {}",
                mark(http.per_second >= 0.5 * hz)
            ));
        }
    }
    // An upload of 200 MiB and a report of a million rows take seconds: their targets are
    // the RSS growth (and the report's rows/s), in the note. A floor step is one request
    // moving 500 shipments: its time is in the note.
    if row.scenario != "healthz"
        && row.scenario != "media-upload"
        && row.scenario != "report-shipments"
        && !row.scenario.starts_with("floor-")
        && row.unit != "events"
        && concurrency == 32
    {
        let t = P99_TARGET_MS / scale;
        parts.push(format!("p99 < {t:.0} ms {}", mark(http.p99 < t)));
    }
    // The sustained scenarios carry the pause targets: no request of a minute-long load
    // may wait long (the issue: p99.9 < 25 ms, max < 100 ms at 32 clients).
    if row.scenario.starts_with("sustained") && concurrency == 32 {
        let (t999, tmax) = (P999_TARGET_MS / scale, MAX_TARGET_MS / scale);
        parts.push(format!(
            "p99.9 < {t999:.0} ms {} · max < {tmax:.0} ms {}",
            mark(http.p999 < t999),
            mark(http.max < tmax)
        ));
    }
    if row.scenario == "mixed" {
        if let Some(end) = row.end_mib {
            parts.push(format!(
                "RSS after < {RSS_TARGET_MIB:.0} MiB {} ({end:.0})",
                mark(end < RSS_TARGET_MIB)
            ));
        }
    }
    parts.join(" · ")
}

pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The table of one run (or of medians).
pub fn table(report: &RunReport, concurrency: usize) -> String {
    let healthz = report.healthz();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| scenario | throughput | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | errors | peak RSS MiB | server CPU µs/req | cores: server / client / postgres / other | in-process | in-process p99 ms | HTTP ÷ in-process | req/s ÷ healthz | target ({}) |",
        report.kind.name()
    );
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for row in &report.rows {
        let Some(h) = row.http else {
            let _ = writeln!(
                s,
                "| {} | skipped: {} | | | | | | | | | | | | | | |",
                row.scenario,
                row.skipped.as_deref().unwrap_or("")
            );
            continue;
        };
        let (base, base_p99, ratio) = match row.base {
            Some(b) if b.items_per_second > 0.0 => (
                format!("{} {}/s", thousands(b.items_per_second), row.unit),
                ms(b.p99),
                format!("{:.0}%", 100.0 * h.items_per_second / b.items_per_second),
            ),
            _ => ("–".into(), "–".into(), "–".into()),
        };
        let vs_healthz = match healthz {
            Some(hz) if hz > 0.0 && row.scenario != "healthz" && row.unit != "events" => {
                format!("{:.0}%", 100.0 * h.per_second / hz)
            }
            _ => "–".into(),
        };
        let (cpu_us, cores) = match row.cpu {
            Some(c) => (
                thousands(c.server_us_per_request),
                format!(
                    "{:.2} / {:.2} / {:.2} / {:.2}",
                    c.server, c.client, c.postgres, c.other
                ),
            ),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {} {}/s | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            thousands(h.items_per_second),
            row.unit,
            ms(h.p50),
            ms(h.p95),
            ms(h.p99),
            ms(h.p999),
            ms(h.max),
            thousands(h.errors),
            row.peak_mib.map(|m| format!("{m:.0}")).unwrap_or_default(),
            cpu_us,
            cores,
            base,
            base_p99,
            ratio,
            vs_healthz,
            target_cell(report.kind, row, concurrency, healthz),
        );
    }
    let notes: Vec<String> = report
        .rows
        .iter()
        .filter(|r| !r.note.is_empty() || r.first_error.is_some())
        .map(|r| {
            let mut line = format!("* `{}`: {}", r.scenario, r.note);
            if let Some(e) = &r.first_error {
                let _ = write!(
                    line,
                    " — first error: `{}`",
                    e.replace('`', "'").replace('\n', " ")
                );
            }
            line
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(s);
        for n in notes {
            let _ = writeln!(s, "{n}");
        }
    }
    for row in &report.rows {
        if let Some(t) = &row.timeline {
            let _ = writeln!(s);
            s.push_str(&chart(&row.scenario, row.unit, t));
        }
    }
    if let Some(us) = report.roundtrip_us {
        let _ = writeln!(
            s,
            "* one statement (`SELECT 1`) on the store's writer connection, in process, one at a time: {us:.0} µs"
        );
    }
    s
}

/// Bars for a chart: eight heights.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Upper bounds (ms) of the latency bars: fixed, so charts of different runs compare.
const LATENCY_STEPS: [f64; 7] = [5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0];

/// A bar of `v` against `highest` (one of eight heights; ▁ for anything above zero).
fn bar(v: f64, highest: f64) -> char {
    if highest <= 0.0 || v <= 0.0 {
        return ' ';
    }
    let level = ((v / highest) * 8.0).ceil() as usize;
    BARS[level.clamp(1, 8) - 1]
}

fn latency_bar(ms: f64) -> char {
    let level = LATENCY_STEPS.iter().take_while(|&&t| ms >= t).count();
    BARS[level]
}

/// Groups a chart's columns by ten seconds, so a second can be found by counting.
fn grouped(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    for (i, c) in chars.enumerate() {
        if i > 0 && i % 10 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The per-second chart of a sustained scenario: throughput, the slowest request and the
/// WAL size in each second, then the worst seconds in numbers.
pub fn chart(scenario: &str, unit: &str, t: &Timeline) -> String {
    let mut s = String::new();
    let full = &t.seconds[..t.full_seconds.min(t.seconds.len())];
    let rates: Vec<f64> = full.iter().map(|x| x.requests as f64).collect();
    let highest = rates.iter().cloned().fold(0.0, f64::max);
    let lowest = rates.iter().cloned().fold(f64::INFINITY, f64::min);
    let middle = median(rates.clone()).unwrap_or(0.0);
    let _ = writeln!(
        s,
        "`{scenario}`, second by second from {} UTC ({} s of load, one column a second, a space every 10 s):",
        t.started, t.full_seconds
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "```text");
    let _ = writeln!(
        s,
        "{unit}/s  {}  lowest {} · median {} · highest {} (= █)",
        grouped(rates.iter().map(|&v| bar(v, highest))),
        thousands(if lowest.is_finite() { lowest } else { 0.0 }),
        thousands(middle),
        thousands(highest)
    );
    let _ = writeln!(
        s,
        "max ms  {}  ▁ < 5 · ▂ < 10 · ▃ < 25 · ▄ < 50 · ▅ < 100 · ▆ < 250 · ▇ < 500 · █ ≥ 500",
        grouped(
            t.seconds
                .iter()
                .map(|x| latency_bar(x.max_micros as f64 / 1000.0))
        )
    );
    if !t.wal_bytes.is_empty() {
        let mib: Vec<f64> = t
            .wal_bytes
            .iter()
            .map(|&b| b as f64 / 1024.0 / 1024.0)
            .collect();
        let top = mib.iter().cloned().fold(0.0, f64::max);
        let _ = writeln!(
            s,
            "WAL MiB {}  highest {top:.0} MiB (= █), at the end {:.0} MiB",
            grouped(mib.iter().map(|&v| bar(v.max(0.001), top))),
            mib.last().copied().unwrap_or(0.0)
        );
    }
    let _ = writeln!(s, "```");
    let mut worst: Vec<(usize, u64)> = t
        .seconds
        .iter()
        .enumerate()
        .map(|(i, x)| (i, x.max_micros))
        .collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.1));
    let over = |ms: u64| {
        t.seconds
            .iter()
            .filter(|x| x.max_micros >= ms * 1000)
            .count()
    };
    let _ = writeln!(
        s,
        "\nSlowest seconds (second: its slowest request): {}. Seconds with a request ≥ 25 ms: {}; ≥ 100 ms: {}. Errors: {}.",
        worst
            .iter()
            .take(5)
            .map(|(i, us)| format!("{i} s: {} ms", ms(*us as f64 / 1000.0)))
            .collect::<Vec<_>>()
            .join(", "),
        over(25),
        over(100),
        t.seconds.iter().map(|x| x.errors).sum::<u64>()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_thousands_and_medians() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn charts_show_a_slow_second() {
        let second = |requests, max_micros| crate::load::Second {
            requests,
            errors: 0,
            max_micros,
        };
        let mut seconds = vec![second(100, 3_000); 12];
        seconds[4] = second(20, 400_000);
        let t = Timeline {
            started: "12:00:00".into(),
            full_seconds: 12,
            seconds,
            wal_bytes: vec![1 << 20; 12],
        };
        let c = chart("sustained-create", "req", &t);
        assert!(
            c.contains("req/s  ████▂█████ ██  lowest 20 · median 100"),
            "{c}"
        );
        assert!(c.contains("max ms  ▁▁▁▁▇▁▁▁▁▁ ▁▁"), "{c}");
        assert!(c.contains("4 s: 400 ms"), "{c}");
        assert!(c.contains("≥ 100 ms: 1"), "{c}");
    }
}
