//! Rendered frames of the logs page and the containers view, with fixed lines fed through `Msg::Logs`.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::logs_fixtures::*;
use crate::cluster::logs::LineKind;
use crate::tui::app::Msg;
use crate::tui::render::to_text;
use crate::tui::test_support::*;

/// The characters drawn with background `bg`, one string per screen row that has any.
fn marked(buf: &Buffer, bg: Color) -> String {
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .filter(|x| buf[(*x, y)].bg == bg)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn following_and_paused_with_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(&mut app, seq_lines(0, 40));
    snap!("logs_following", text(&app));
    keys(&mut app, "kkkkk");
    send(&mut app, seq_lines(40, 52));
    let t = text(&app);
    assert!(t.contains("[paused +12 new]"), "{t}");
    snap!("logs_paused_new_lines", t);
}

#[test]
fn search_highlights_matches() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(&mut app, seq_lines(0, 40));
    keys(&mut app, "/cart<enter>");
    let buf = frame(&app, 120, 24);
    snap!("logs_search", to_text(&buf));
    let hits = marked(&buf, Color::Yellow);
    assert!(hits.lines().all(|l| l == "cart"), "{hits}");
    snap!("logs_search_highlights", hits);
    // The current match (the last one, seq=39) is marked apart from the others.
    let bold_rows: Vec<u16> = (0..buf.area.height)
        .filter(|y| {
            (0..buf.area.width).any(|x| {
                let c = &buf[(x, *y)];
                c.bg == Color::Yellow && c.modifier.contains(Modifier::BOLD)
            })
        })
        .collect();
    assert_eq!(bold_rows.len(), 1);
    let row: String = (0..buf.area.width)
        .map(|x| buf[(x, bold_rows[0])].symbol())
        .collect();
    assert!(row.contains("seq=39"), "{row}");
}

#[test]
fn filter_shows_only_matching_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(&mut app, seq_lines(0, 200));
    keys(&mut app, "&ERROR<enter>");
    let t = text(&app);
    assert!(
        t.lines()
            .filter(|l| l.contains("seq="))
            .all(|l| l.contains("ERROR"))
    );
    snap!("logs_filter", t);
}

#[test]
fn overflowed_ring_says_how_many_lines_it_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 500);
    send(&mut app, seq_lines(0, 1734));
    snap!("logs_overflowed", text(&app));
}

#[test]
fn json_pretty_and_wrapped() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(
        &mut app,
        vec![
            line("p", "c", "INFO  [c] plain line before seq=0"),
            line(
                "p",
                "c",
                r#"{"ts":"2026-01-01T11:59:00.000Z","level":"error","msg":"request failed","path":"/api/cart","status":500,"seq":1}"#,
            ),
            line("p", "c", "INFO  [c] plain line after seq=2"),
        ],
    );
    keys(&mut app, "J");
    snap!("logs_json_pretty", text(&app));
    keys(&mut app, "J");
    let long: String = (0..40).map(|i| format!("word{i} ")).collect();
    send(
        &mut app,
        vec![line("p", "c", &format!("WARN  [c] {long}seq=3"))],
    );
    keys(&mut app, "wt");
    snap!("logs_wrapped_timestamps", text(&app));
}

#[test]
fn workload_merged_stream_with_prefixes_and_markers() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    keys(&mut app, "jjl");
    send(
        &mut app,
        vec![
            notice("web-7d9f-a1b", LineKind::Joined, "web-7d9f-a1b/c joined"),
            line(
                "web-7d9f-a1b",
                "c",
                "INFO  [c] GET /api/products 200 3ms seq=0",
            ),
            notice("web-7d9f-c3d", LineKind::Joined, "web-7d9f-c3d/c joined"),
            line("web-7d9f-c3d", "c", "INFO  [c] GET /api/cart 200 5ms seq=0"),
            line("web-7d9f-a1b", "c", "ERROR [c] upstream returned 500 seq=1"),
            notice("web-7d9f-a1b", LineKind::Gone, "pod web-7d9f-a1b deleted"),
            notice("web-7d9f-x2x", LineKind::Joined, "web-7d9f-x2x/c joined"),
            line("web-7d9f-x2x", "c", "INFO  [c] GET /healthz 200 1ms seq=0"),
            notice(
                "web-7d9f-c3d",
                LineKind::Resumed,
                "stream dropped; resumed without gaps",
            ),
            line("web-7d9f-c3d", "c", "WARN  [c] slow request seq=1"),
        ],
    );
    let buf = frame(&app, 120, 24);
    snap!("logs_workload_merged", to_text(&buf));
    // Each pod's prefix has that pod's stable colour.
    let theme = &app.theme;
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        for pod in ["web-7d9f-a1b", "web-7d9f-c3d", "web-7d9f-x2x"] {
            if let Some(x) = row.find(&format!("[{pod}/c]")) {
                let cell = &buf[(x as u16 + 1, y)];
                assert_eq!(cell.fg, theme.pod_colour(pod).fg.unwrap(), "{pod}");
            }
        }
    }
    assert_ne!(
        theme.pod_colour("web-7d9f-a1b"),
        theme.pod_colour("web-7d9f-c3d")
    );
}

#[test]
fn container_picker_and_containers_view() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pods_app(dir.path());
    keys(&mut app, "l");
    let id = app.page.as_ref().unwrap().id();
    app.update(Msg::Fetched {
        page: id,
        result: fetched(multi_pod()),
    });
    snap!("logs_container_picker", text(&app));

    let mut app = pods_app(dir.path());
    keys(&mut app, "<enter>");
    feed(
        &mut app,
        crate::cluster::columns::containers::rows(&multi_pod()),
    );
    snap!("view_containers", text(&app));
}

#[test]
fn help_lists_the_logs_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    keys(&mut app, "?");
    let t = to_text(&frame(&app, 120, 50));
    for a in ["log_follow", "log_filter", "log_save"] {
        let action = crate::tui::action::Action::from_name(a).unwrap();
        assert!(t.contains(action.help()), "{a} missing:\n{t}");
    }
    snap!("help_logs", t);
}
