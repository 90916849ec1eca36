//! Fixed data and drivers for the logs page tests: pods to pick containers from, log lines, and the
//! app opened on a streaming logs page.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use crate::cluster::logs::{LineKind, LogEvent, LogLine, LogSource};
use crate::tui::app::{App, Effect, Msg};
use crate::tui::msg::Fetched;
use crate::tui::pages::Page;
use crate::tui::pages::logs::LogsPage;
use crate::tui::test_support::*;

/// A pod with an init container and two containers (the picker case).
pub fn multi_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-7d9f-a1b", "namespace": "shop"},
        "spec": {"initContainers": [{"name": "migrate", "image": "migrate:1"}],
                 "containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                                {"name": "log-shipper", "image": "fluent-bit:3"}]},
        "status": {"phase": "Running",
            "initContainerStatuses": [{"name": "migrate", "ready": false, "restartCount": 0, "image": "migrate:1", "imageID": "",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(7200)}}}],
            "containerStatuses": [
                {"name": "app", "ready": true, "restartCount": 2, "image": "nginx:1.27", "imageID": "",
                 "state": {"running": {"startedAt": ts(3600)}}},
                {"name": "log-shipper", "ready": true, "restartCount": 0, "image": "fluent-bit:3", "imageID": "",
                 "state": {"running": {"startedAt": ts(7100)}}}]}
    })
}

pub fn single_pod() -> Value {
    json!({"metadata": {"name": "web-7d9f-a1b", "namespace": "shop"},
           "spec": {"containers": [{"name": "c", "image": "i"}]},
           "status": {"containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "state": {"running": {}}}]}})
}

pub fn fetched(object: Value) -> Box<Result<Fetched, String>> {
    Box::new(Ok(Fetched {
        object,
        events: vec![],
        related: Default::default(),
        now: jiff::Timestamp::from_second(NOW).unwrap(),
        tz: jiff::tz::TimeZone::UTC,
    }))
}

pub fn line(pod: &str, container: &str, text: &str) -> LogEvent {
    LogEvent::Line(LogLine {
        pod: pod.into(),
        container: container.into(),
        timestamp: Some(ts(60).into()),
        text: text.to_string(),
        kind: LineKind::Log,
    })
}

pub fn notice(pod: &str, kind: LineKind, text: &str) -> LogEvent {
    LogEvent::Line(LogLine {
        pod: pod.into(),
        container: "c".into(),
        timestamp: None,
        text: text.to_string(),
        kind,
    })
}

/// Sim-like lines `from..to`: mostly INFO, every 7th a WARN, every 10th an ERROR.
pub fn seq_lines(from: usize, to: usize) -> Vec<LogEvent> {
    (from..to)
        .map(|i| {
            let text = match i {
                i if i % 10 == 9 => {
                    format!("ERROR [c] upstream returned 500 for GET /api/cart seq={i}")
                }
                i if i % 7 == 6 => {
                    format!("WARN  [c] slow request GET /api/products took 900ms seq={i}")
                }
                _ => format!("INFO  [c] GET /api/products 200 12ms seq={i}"),
            };
            line("web-7d9f-a1b", "c", &text)
        })
        .collect()
}

pub fn page(app: &App) -> &LogsPage {
    match &app.page {
        Some(Page::Logs(p)) => p,
        other => panic!("no logs page: {other:?}"),
    }
}

/// Feeds lines to the stream the page shows now, as the event loop would.
pub fn send(app: &mut App, events: Vec<LogEvent>) {
    let (page, stream) = {
        let p = page(app);
        (p.id, p.stream)
    };
    app.update(Msg::Logs {
        page,
        stream,
        events,
    });
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

pub fn start_of(effects: &[Effect]) -> Option<(LogSource, crate::cluster::logs::LogOptions)> {
    effects.iter().find_map(|e| match e {
        Effect::StartLogs { source, opts, .. } => Some((source.clone(), opts.clone())),
        _ => None,
    })
}

pub fn fetch_page(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchObject { page, .. } => Some(*page),
            _ => None,
        })
        .expect("a fetch")
}

/// The pods view of `shop` with the cursor on `web-7d9f-a1b`.
pub fn pods_app(dir: &std::path::Path) -> App {
    let mut app = connected_app(dir);
    // The size `text()` draws at, so what a key computes is what the snapshot shows.
    app.size = (120, 24);
    feed(
        &mut app,
        pod_rows()
            .into_iter()
            .filter(|r| &*r.key.namespace == "shop")
            .collect(),
    );
    // Rows in key order: cart-0, migrate-abc12, web-7d9f-a1b, …
    keys(&mut app, "jj");
    assert_eq!(&*app.selected_row().unwrap().key.name, "web-7d9f-a1b");
    app
}

/// Logs of the single-container pod, streaming.
pub fn streaming_app(dir: &std::path::Path, ring: usize) -> App {
    let mut app = pods_app(dir);
    app.config.log_buffer = ring;
    let eff = keys(&mut app, "l");
    let id = fetch_page(&eff);
    let eff = app.update(Msg::Fetched {
        page: id,
        result: fetched(single_pod()),
    });
    assert!(start_of(&eff).is_some(), "{eff:?}");
    app
}
