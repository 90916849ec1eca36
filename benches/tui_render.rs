//! TUI hot paths at 50k pods: one frame, watch bursts into the store, filter keystrokes, a sort key
//! (and watch updates into a sorted view), and the work between a keystroke and its frame while 500
//! events a second arrive.
//!
//! Run: `cargo bench --bench tui_render`. Figures are reported by the benchmark, never asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;

use kdeck::cluster::columns::pods;
use kdeck::cluster::rows::Row;
use kdeck::cluster::store::Delta;
use kdeck::cluster::watch::{WatchMsg, WatchNote};
use kdeck::config::Config;
use kdeck::kubeconfig::KubeconfigSet;
use kdeck::tui::app::{App, Msg, Options, ServerInfo};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::render;
use kdeck::tui::theme::Theme;

const N: usize = 50_000;
const NOW: i64 = 1_767_268_800;

fn pod(i: usize, restarts: i32) -> Row {
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": format!("app-{:03}-{i:06}", i % 997), "namespace": format!("ns-{:02}", i % 50),
                     "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": format!("app-{}", i % 997)}},
        "spec": {"containers": [{"name": "c"}], "nodeName": format!("node-{}", i % 40)},
        "status": {"phase": "Running", "podIPs": [{"ip": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)}],
                   "containerStatuses": [{"name": "c", "ready": true, "restartCount": restarts, "image": "i", "imageID": "",
                                          "state": {"running": {}}}]}
    }))
    .unwrap();
    pods::row(&p)
}

fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config");
    std::fs::write(
        &p,
        "apiVersion: v1\nkind: Config\ncurrent-context: sim\nclusters: [{name: sim, cluster: {server: 'https://127.0.0.1:1'}}]\n\
         users: [{name: u, user: {token: t}}]\ncontexts: [{name: sim, context: {cluster: sim, user: u}}]\n",
    )
    .unwrap();
    let set = KubeconfigSet::load(Some(&p)).unwrap();
    let options = Options {
        all_namespaces: true,
        ..Default::default()
    };
    let mut app = App::new(
        set,
        Config::default(),
        Theme::shipped("default").unwrap(),
        Keymap::shipped_default(),
        options,
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
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::Reset((0..N).map(|i| pod(i, 0)).collect())),
    }));
    (app, dir)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn benches(c: &mut Criterion) {
    let (mut app, _dir) = app();
    assert_eq!(app.view.store.len(), N);
    let area = Rect::new(0, 0, 160, 45);
    let mut buf = Buffer::empty(area);

    c.bench_function("frame_50k_pods_160x45", |b| {
        b.iter(|| {
            buf.reset();
            render::draw(&app, area, &mut buf, NOW);
            black_box(&buf);
        })
    });

    let view = app.view.id;
    let updates: Vec<Row> = (0..500).map(|i| pod(i * 97 % N, 1)).collect();
    c.bench_function("store_500_updates_50k", |b| {
        b.iter(|| {
            for r in &updates {
                app.update(Msg::Watch(WatchMsg {
                    view,
                    note: WatchNote::Delta(Delta::Upsert(r.clone())),
                }));
            }
        })
    });

    let fresh: Vec<Row> = (N..N + 250).map(|i| pod(i, 0)).collect();
    c.bench_function("store_250_inserts_250_deletes_50k", |b| {
        b.iter(|| {
            for r in &fresh {
                app.update(Msg::Watch(WatchMsg {
                    view,
                    note: WatchNote::Delta(Delta::Upsert(r.clone())),
                }));
            }
            for r in &fresh {
                app.update(Msg::Watch(WatchMsg {
                    view,
                    note: WatchNote::Delta(Delta::Remove(r.key.clone())),
                }));
            }
        })
    });

    // The once-a-second age tick at 50k rows: the ages on screen, hashed and compared. Its cost per
    // second of idle time is this figure (well under 0.5 % of a core is < 5 ms).
    let mut second = 0;
    c.bench_function("age_tick_50k", |b| {
        b.iter(|| {
            second += 1;
            black_box(app.ages_moved(NOW + second));
        })
    });

    c.bench_function("filter_regex_app_0042_50k", |b| {
        b.iter(|| {
            app.update(key('/'));
            for ch in "app-0042-".chars() {
                app.update(key(ch));
            }
            app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        })
    });

    c.bench_function("filter_typing_a_p_p_1_50k", |b| {
        b.iter(|| {
            app.update(key('/'));
            for ch in "app1".chars() {
                app.update(key(ch));
            }
            app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        })
    });

    // One frame's worth of work at 500 events/s (~9 events per 16 ms frame), a keystroke, and the frame.
    let burst: Vec<Row> = (0..9).map(|i| pod(i * 4099 % N, 2)).collect();
    c.bench_function("keystroke_to_frame_with_500_events_per_s", |b| {
        b.iter(|| {
            for r in &burst {
                app.update(Msg::Watch(WatchMsg {
                    view,
                    note: WatchNote::Delta(Delta::Upsert(r.clone())),
                }));
            }
            app.update(key('j'));
            buf.reset();
            render::draw(&app, area, &mut buf, NOW);
            black_box(&buf);
        })
    });

    // A sort key at 50k rows: shift-r (READY, as numbers) and shift-i (IP), each pressed twice per
    // iteration, so every press is a full re-sort (ascending, then reversed).
    let shift = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT));
    c.bench_function("sort_key_restarts_50k", |b| {
        b.iter(|| {
            app.update(shift('R'));
        })
    });
    c.bench_function("sort_key_ip_50k", |b| {
        b.iter(|| {
            app.update(shift('I'));
        })
    });
    // Watch updates into a view sorted by IP (each update computes its row's sort key).
    c.bench_function("store_500_updates_50k_sorted_by_ip", |b| {
        let mut restarts = 0;
        b.iter(|| {
            restarts += 1;
            for i in 0..500 {
                app.update(Msg::Watch(WatchMsg {
                    view,
                    note: WatchNote::Delta(Delta::Upsert(pod(i * 97 % N, restarts))),
                }));
            }
        })
    });
}

criterion_group! {
    name = tui;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(tui);
