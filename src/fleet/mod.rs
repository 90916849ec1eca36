//! `kdeck fleet`: every context at once, one row each (see [`probe`] for the columns). Contexts come
//! from the merged kubeconfig and from every kubeconfig file under the `--kubeconfig-dir` directories
//! (and config.yaml's `kubeconfig_dirs`). At most 16 clusters are probed at once, each request with its
//! own deadline, so a dead or hung cluster delays only its own row.
//!
//! `--once` prints the table (or JSON/YAML) and exits 1 when any cluster is unhealthy; without it the
//! table is probed again every few seconds and redrawn until interrupted.

pub mod index;
pub mod live;
pub mod probe;
pub mod rows;
pub mod sources;

use std::io::Write;
use std::time::Duration;

use futures::StreamExt;

use crate::cli::{FleetArgs, FleetOutput, GlobalArgs};
use crate::config::Config;
use crate::safety::{SafetyPolicy, SafetySources};
use probe::Health;
use sources::Source;

/// Connections being set up at once (the lists that follow are not bounded by it).
pub const CONCURRENCY: usize = 16;
const REFRESH: Duration = Duration::from_secs(5);

/// Probes every source, with at most [`CONCURRENCY`] connections being set up at a time, handing each
/// row to `on_row` as soon as it is complete (a hung cluster holds back only its own).
pub async fn probe_each(sources: &[Source], config: &Config, mut on_row: impl FnMut(Health)) {
    let setup = tokio::sync::Semaphore::new(CONCURRENCY);
    // Every probe runs at once (the semaphore bounds the connection setups inside them).
    let mut rows: futures::stream::FuturesUnordered<_> = sources
        .iter()
        .map(|s| probe_one(s, config, &setup))
        .collect();
    while let Some(h) = rows.next().await {
        on_row(h);
    }
}

/// One source's row, with its context's read-only and guarded marks.
async fn probe_one(s: &Source, config: &Config, setup: &tokio::sync::Semaphore) -> Health {
    let mut h = probe::probe(&s.set, &s.context, setup).await;
    h.context = s.name.clone();
    let policy = SafetyPolicy::resolve(&s.context, config, &SafetySources::default());
    h.readonly = policy.is_readonly();
    h.guarded = policy.is_guarded();
    h
}

/// Every source probed, sorted by context.
pub async fn probe_all(sources: &[Source], config: &Config) -> Vec<Health> {
    let mut rows = Vec::new();
    probe_each(sources, config, |h| rows.push(h)).await;
    rows.sort_by(|a, b| a.context.cmp(&b.context));
    rows
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The fleet's columns, for the CLI table and the TUI's `:fleet` alike.
pub const HEADERS: [&str; 13] = [
    "CONTEXT",
    "STATUS",
    "LATENCY",
    "VERSION",
    "SKEW",
    "NODES",
    "NOT-READY",
    "CRASHLOOP",
    "WARNINGS",
    "CPU",
    "MEM",
    "CREDENTIALS",
    "MARKS",
];

/// One cluster's cells under [`HEADERS`].
pub fn cells(h: &Health) -> Vec<String> {
    let marks: Vec<&str> = [(h.readonly, "readonly"), (h.guarded, "guarded")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, m)| *m)
        .collect();
    let status = match (&h.error, h.healthy()) {
        (Some(e), _) => format!("{}: {}", h.state.label(), first_line(e)),
        (None, true) => "ok".to_string(),
        (None, false) => "unhealthy".to_string(),
    };
    let usage = |p: Option<u32>| match p {
        Some(p) => format!("{p}%"),
        None if h.state == probe::State::Ok => "n/a".into(),
        None => "-".into(),
    };
    vec![
        h.context.clone(),
        status,
        h.latency_ms.map_or("-".into(), |l| format!("{l}ms")),
        opt(h.version.clone()),
        h.skew.clone().map_or("-".into(), |_| "skewed".into()),
        match (h.nodes_ready, h.nodes_total) {
            (Some(r), Some(t)) => format!("{r}/{t}"),
            _ => "-".into(),
        },
        opt(h.pods_not_ready),
        opt(h.crashlooping),
        opt(h.warnings),
        usage(h.cpu_percent),
        usage(h.mem_percent),
        h.credentials.to_string(),
        if marks.is_empty() {
            "-".into()
        } else {
            marks.join(",")
        },
    ]
}

/// The fleet as a table, one row per context, columns padded to their widest cell.
pub fn table(rows: &[Health]) -> String {
    let mut cells_: Vec<Vec<String>> = vec![HEADERS.iter().map(|s| s.to_string()).collect()];
    cells_.extend(rows.iter().map(cells));
    let widths: Vec<usize> = (0..HEADERS.len())
        .map(|i| {
            cells_
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells_ {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("   ").trim_end());
        out.push('\n');
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn render(rows: &[Health], output: FleetOutput) -> anyhow::Result<String> {
    Ok(match output {
        FleetOutput::Table => table(rows),
        FleetOutput::Json => serde_json::to_string_pretty(rows)? + "\n",
        FleetOutput::Yaml => crate::yaml::to_string(&serde_json::to_value(rows)?)?,
    })
}

/// `kdeck fleet`.
pub fn run(global: &GlobalArgs, args: &FleetArgs) -> anyhow::Result<i32> {
    let (config, config_err) = Config::load();
    if let Some(e) = config_err {
        eprintln!("kdeck: {e}");
    }
    let mut dirs = args.kubeconfig_dir.clone();
    dirs.extend(config.kubeconfig_dirs.iter().cloned());
    let (sources, problems) = sources::collect(global.kubeconfig.as_deref(), &dirs);
    for p in &problems {
        eprintln!("kdeck: {p}");
    }
    if sources.is_empty() {
        anyhow::bail!("no contexts found (kubeconfig and --kubeconfig-dir)");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.once {
        let rows = rt.block_on(probe_all(&sources, &config));
        print!("{}", render(&rows, args.output)?);
        return Ok(if rows.iter().all(Health::healthy) {
            0
        } else {
            1
        });
    }
    // Live: probe, redraw, repeat until interrupted.
    let mut stdout = std::io::stdout();
    loop {
        let rows = rt.block_on(probe_all(&sources, &config));
        let text = render(&rows, args.output)?;
        let _ = write!(stdout, "\x1b[H\x1b[2J{text}");
        let _ = stdout.flush();
        std::thread::sleep(REFRESH);
    }
}
