//! Markdown tables: one per run, and the medians of several runs, with the targets.

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
        });
    }
    RunReport {
        kind,
        rows,
        roundtrip_us: median(runs.iter().filter_map(|r| r.roundtrip_us).collect()),
    }
}

/// The target for a scenario on SQLite (PostgreSQL: half the throughput, twice the
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
        "| scenario | throughput | p50 ms | p95 ms | p99 ms | errors | peak RSS MiB | server CPU µs/req | cores: server / client / postgres / other | in-process | in-process p99 ms | HTTP ÷ in-process | req/s ÷ healthz | target ({}) |",
        report.kind.name()
    );
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for row in &report.rows {
        let Some(h) = row.http else {
            let _ = writeln!(
                s,
                "| {} | skipped: {} | | | | | | | | | | | | |",
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
            "| {} | {} {}/s | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            thousands(h.items_per_second),
            row.unit,
            ms(h.p50),
            ms(h.p95),
            ms(h.p99),
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
    if let Some(us) = report.roundtrip_us {
        let _ = writeln!(
            s,
            "* one statement (`SELECT 1`) on the store's writer connection, in process, one at a time: {us:.0} µs"
        );
    }
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
}
