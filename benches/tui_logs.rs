//! The TUI side of logs: lines per second through `Msg::Logs` (the batches the event loop sends) into the
//! logs page, plain, with a search and with a filter; then an emulation of the event loop's log path (a
//! bounded channel drained with `recv_many`, keys interleaved, a frame every 16 ms) that reports the
//! lines/s it sustains and how long a key waited.
//!
//! Run: `cargo bench --bench tui_logs`. Figures are reported, never asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;

use kdeck::cluster::columns::pods;
use kdeck::cluster::logs::{LineKind, LogEvent, LogLine};
use kdeck::cluster::store::Delta;
use kdeck::cluster::watch::{WatchMsg, WatchNote};
use kdeck::config::Config;
use kdeck::kubeconfig::KubeconfigSet;
use kdeck::tui::app::{App, Effect, Msg, Options, ServerInfo};
use kdeck::tui::event_loop::LOG_BATCH;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::msg::Fetched;
use kdeck::tui::render;
use kdeck::tui::theme::Theme;

const LINES: usize = 200_000;
const NOW: i64 = 1_767_268_800;

fn lines(n: usize) -> Vec<LogEvent> {
    let pod: Arc<str> = Arc::from("web-7d9f-a1b");
    let container: Arc<str> = Arc::from("web");
    let ts: Arc<str> = Arc::from("2026-01-01T11:59:00.000000000Z");
    (0..n)
        .map(|i| {
            let text = if i % 10 == 9 {
                format!("2026-01-01T11:59:00.000Z ERROR [web] upstream returned 500 for GET /api/cart seq={i}")
            } else {
                format!(
                    "2026-01-01T11:59:00.000Z INFO  [web] GET /api/products 200 {}ms seq={i}",
                    i % 250
                )
            };
            LogEvent::Line(LogLine {
                pod: pod.clone(),
                container: container.clone(),
                timestamp: Some(ts.clone()),
                text,
                kind: LineKind::Log,
            })
        })
        .collect()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// An app on the logs of one pod, streaming with a 10k-line ring; returns (app, page, stream).
fn logs_app(dir: &std::path::Path) -> (App, u64, u32) {
    let p = dir.join("config");
    std::fs::write(
        &p,
        "apiVersion: v1\nkind: Config\ncurrent-context: sim\nclusters: [{name: sim, cluster: {server: 'https://127.0.0.1:1'}}]\n\
         users: [{name: u, user: {token: t}}]\ncontexts: [{name: sim, context: {cluster: sim, user: u, namespace: shop}}]\n",
    )
    .unwrap();
    let set = KubeconfigSet::load(Some(&p)).unwrap();
    let mut app = App::new(
        set,
        Config::default(),
        Theme::shipped("default").unwrap(),
        Keymap::shipped_default(),
        Options::default(),
    );
    app.update(Msg::Resize {
        width: 160,
        height: 45,
    });
    app.start();
    app.update(Msg::Connected {
        context: "sim".into(),
        result: Ok(ServerInfo {
            git_version: "v1.33.0".into(),
            ..Default::default()
        }),
    });
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "web-7d9f-a1b", "namespace": "shop", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "web"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0,
                   "image": "i", "imageID": "", "state": {"running": {}}}]}
    }))
    .unwrap();
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::Reset(vec![pods::row(&pod)])),
    }));
    let page = app
        .update(key('l'))
        .into_iter()
        .find_map(|e| match e {
            Effect::FetchObject { page, .. } => Some(page),
            _ => None,
        })
        .unwrap();
    let stream = app
        .update(Msg::Fetched {
            page,
            result: Box::new(Ok(Fetched {
                object: serde_json::to_value(&pod).unwrap(),
                events: vec![],
                related: Default::default(),
                now: jiff::Timestamp::from_second(NOW).unwrap(),
                tz: jiff::tz::TimeZone::UTC,
            })),
        })
        .into_iter()
        .find_map(|e| match e {
            Effect::StartLogs { stream, .. } => Some(stream),
            _ => None,
        })
        .unwrap();
    (app, page, stream)
}

fn feed(app: &mut App, page: u64, stream: u32, all: &[LogEvent]) {
    for chunk in all.chunks(LOG_BATCH) {
        app.update(Msg::Logs {
            page,
            stream,
            events: chunk.to_vec(),
        });
    }
}

fn type_line(app: &mut App, prefix: char, text: &str) {
    app.update(key(prefix));
    for c in text.chars() {
        app.update(key(c));
    }
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let all = lines(LINES);
    let mut group = c.benchmark_group("tui_logs");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(10);
    for (name, setup) in [
        ("msg_logs_into_page", None),
        ("msg_logs_into_page_search", Some(('/', "ERROR"))),
        ("msg_logs_into_page_filter", Some(('&', "ERROR"))),
    ] {
        let (mut app, page, stream) = logs_app(dir.path());
        if let Some((prefix, text)) = setup {
            type_line(&mut app, prefix, text);
            app.update(key('G'));
        }
        group.bench_function(name, |b| {
            b.iter(|| feed(&mut app, page, stream, &all));
        });
    }
    group.finish();
    event_loop_emulation(dir.path(), &all);
}

/// The event loop's log path: a producer fills a bounded channel as fast as it can; the loop takes
/// batches with `recv_many`, answers a key every 5 ms (biased towards keys, as the real loop is) and
/// draws at most one frame per 16 ms.
fn event_loop_emulation(dir: &std::path::Path, all: &[LogEvent]) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let total = all.len() * 10;
    let (mut app, page, stream) = logs_app(dir);
    let area = Rect::new(0, 0, 160, 45);
    let mut buf = Buffer::empty(area);
    let all = all.to_vec();
    let (frames, latencies, elapsed) = rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<LogEvent>(kdeck::tui::pages::logs::CHANNEL);
        let (ktx, mut krx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
        let producer = tokio::spawn(async move {
            for _ in 0..10 {
                for l in &all {
                    if tx.send(l.clone()).await.is_err() {
                        return;
                    }
                }
            }
        });
        let keys = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(5));
            loop {
                tick.tick().await;
                if ktx.send(Instant::now()).is_err() {
                    return;
                }
            }
        });
        let start = Instant::now();
        let mut last_draw = Instant::now();
        let (mut got, mut frames) = (0usize, 0usize);
        let mut latencies = Vec::new();
        let mut events = Vec::with_capacity(LOG_BATCH);
        let mut k = 0usize;
        while got < total {
            tokio::select! {
                biased;
                Some(sent) = krx.recv() => {
                    // Alternate pause and follow: real page work per key.
                    app.update(key(if k.is_multiple_of(2) { 'k' } else { 'G' }));
                    k += 1;
                    latencies.push(sent.elapsed());
                }
                n = rx.recv_many(&mut events, LOG_BATCH) => {
                    got += n;
                    app.update(Msg::Logs { page, stream, events: std::mem::take(&mut events) });
                }
            }
            if last_draw.elapsed() >= Duration::from_millis(16) {
                buf.reset();
                render::draw(&app, area, &mut buf, NOW);
                black_box(&buf);
                frames += 1;
                last_draw = Instant::now();
            }
        }
        let elapsed = start.elapsed();
        keys.abort();
        producer.abort();
        (frames, latencies, elapsed)
    });
    let mut l = latencies;
    l.sort();
    let pct = |p: f64| {
        l.get(((l.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    eprintln!(
        "event loop emulation: {total} lines in {:.2?} = {:.0} lines/s through channel + recv_many({LOG_BATCH}) + Msg::Logs, \
         {frames} frames drawn, {} keys answered: latency p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        elapsed,
        total as f64 / elapsed.as_secs_f64(),
        l.len(),
        pct(0.5),
        pct(0.99),
        l.last().copied().unwrap_or_default()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
