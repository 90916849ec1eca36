//! The logs page driven through `App::update`: keys in, effects and state out, with lines fed through
//! the same `Msg::Logs` the event loop sends.

use serde_json::json;

use super::logs_fixtures::*;
use crate::cluster::logs::LogSource;
use crate::tui::app::{Effect, Mode, Msg};
use crate::tui::msg::Saved;
use crate::tui::test_support::*;

#[test]
fn pod_with_several_containers_asks_which_then_streams_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pods_app(dir.path());
    let eff = keys(&mut app, "l");
    assert!(start_of(&eff).is_none(), "must wait for the container list");
    let id = fetch_page(&eff);
    let eff = app.update(Msg::Fetched {
        page: id,
        result: fetched(multi_pod()),
    });
    assert!(eff.is_empty(), "{eff:?}");
    let picker = page(&app).picker.clone().expect("picker");
    let names: Vec<&str> = picker.choices.iter().map(|c| c.label()).collect();
    assert_eq!(names, ["migrate", "app", "log-shipper"]);
    assert_eq!(
        picker.selected, 1,
        "the first regular container is preselected"
    );
    let eff = keys(&mut app, "j<enter>");
    let (source, opts) = start_of(&eff).expect("starts");
    assert_eq!(
        source,
        LogSource::Pod {
            namespace: "shop".into(),
            pod: "web-7d9f-a1b".into(),
            container: Some("log-shipper".into()),
        }
    );
    assert!(opts.follow && !opts.previous);
    assert_eq!(opts.tail_lines, Some(100));
    assert!(page(&app).picker.is_none());
    // Switching container later restarts the stream with the other one.
    let eff = keys(&mut app, "C<up><enter>");
    let (source, _) = start_of(&eff).expect("restarts");
    assert!(matches!(source, LogSource::Pod { container: Some(c), .. } if c == "app"));
    assert_eq!(page(&app).stream, 2);
}

#[test]
fn esc_on_the_first_picker_closes_the_page_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pods_app(dir.path());
    let id = fetch_page(&keys(&mut app, "l"));
    app.update(Msg::Fetched {
        page: id,
        result: fetched(multi_pod()),
    });
    let eff = keys(&mut app, "<esc>");
    assert_eq!(eff, vec![Effect::StopLogs]);
    assert!(app.page.is_none());
    // A late answer for the closed page is ignored.
    assert!(
        app.update(Msg::Fetched {
            page: id,
            result: fetched(single_pod()),
        })
        .is_empty()
    );
}

#[test]
fn previous_logs_and_fetch_failure_fall_back_to_the_default_container() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pods_app(dir.path());
    let id = fetch_page(&keys(&mut app, "p"));
    let eff = app.update(Msg::Fetched {
        page: id,
        result: Box::new(Err("pods \"x\" is forbidden (403)".into())),
    });
    let (source, opts) = start_of(&eff).expect("streams anyway");
    assert!(matches!(
        source,
        LogSource::Pod {
            container: None,
            ..
        }
    ));
    assert!(opts.previous);
    // Options still restart the stream without a known container.
    assert!(start_of(&keys(&mut app, "T")).is_some());
}

#[test]
fn workload_streams_all_its_pods_merged() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    // cart, search, web
    let eff = keys(&mut app, "jjl");
    let (source, _) = start_of(&eff).expect("streams at once");
    assert_eq!(
        source,
        LogSource::Selector {
            namespace: "shop".into(),
            selector: "app=web".into(),
            container: None,
        }
    );
    let id = fetch_page(&eff);
    let deploy = json!({"spec": {"selector": {"matchLabels": {"app": "web"}},
        "template": {"spec": {"containers": [{"name": "app"}, {"name": "log-shipper"}]}}}});
    assert!(
        app.update(Msg::Fetched {
            page: id,
            result: fetched(deploy.clone()),
        })
        .is_empty(),
        "same selector: no restart"
    );
    let eff = keys(&mut app, "C");
    assert!(eff.is_empty());
    let names: Vec<String> = page(&app)
        .picker
        .as_ref()
        .unwrap()
        .choices
        .iter()
        .map(|c| c.label().to_string())
        .collect();
    assert_eq!(names, ["all containers", "app", "log-shipper"]);
    let (source, _) = start_of(&keys(&mut app, "j<enter>")).unwrap();
    assert!(matches!(source, LogSource::Selector { container: Some(c), .. } if c == "app"));
    assert_eq!(page(&app).target.file_stem(), "shop_deployment-web_app");
    // matchExpressions are not in the table row: the fetched object's full selector replaces it.
    let mut with_expr = deploy;
    with_expr["spec"]["selector"]["matchExpressions"] =
        json!([{"key": "track", "operator": "NotIn", "values": ["canary"]}]);
    let (source, _) = start_of(&app.update(Msg::Fetched {
        page: id,
        result: fetched(with_expr),
    }))
    .expect("restarts on the full selector");
    assert!(
        matches!(source, LogSource::Selector { selector, .. } if selector == "app=web,track notin (canary)")
    );
}

#[test]
fn pause_keeps_counting_and_follow_returns_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(&mut app, seq_lines(0, 50));
    assert!(page(&app).follow);
    let rows = crate::tui::layout::page_rows(app.size.1);
    let screen = page(&app).screen(rows, 118);
    assert_eq!(
        screen.last().unwrap().0,
        49,
        "following shows the last line"
    );
    keys(&mut app, "k");
    let p = page(&app);
    assert!(!p.follow);
    assert_eq!(p.new_since_pause(), 0);
    let top = p.screen(rows, 118)[0].0;
    send(&mut app, seq_lines(50, 80));
    let p = page(&app);
    assert_eq!(p.new_since_pause(), 30);
    assert_eq!(p.ring.len(), 80, "paused lines still go into the ring");
    assert_eq!(p.screen(rows, 118)[0].0, top, "a paused view does not move");
    keys(&mut app, "f");
    let p = page(&app);
    assert!(p.follow);
    assert_eq!(p.new_since_pause(), 0);
    assert_eq!(p.screen(rows, 118).last().unwrap().0, 79);
    // `g` pauses at the top, `G` follows again.
    keys(&mut app, "g");
    assert_eq!(page(&app).screen(rows, 118)[0].0, 0);
    keys(&mut app, "G");
    assert!(page(&app).follow);
}

#[test]
fn overflow_counts_every_dropped_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 100);
    send(&mut app, seq_lines(0, 1000));
    send(&mut app, seq_lines(1000, 1334));
    let p = page(&app);
    assert_eq!(p.ring.len(), 100);
    assert_eq!(p.dropped(), 1234);
    assert!(text(&app).contains("[1234 lines dropped (ring 100)]"));
    // Clearing is not overflow.
    keys(&mut app, "c");
    let p = page(&app);
    assert_eq!((p.ring.len(), p.dropped()), (0, 1234));
    send(&mut app, seq_lines(1334, 1335));
    assert_eq!(page(&app).ring.len(), 1);
}

#[test]
fn search_highlights_and_filter_hides() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(&mut app, seq_lines(0, 100));
    keys(&mut app, "/ERROR<enter>");
    let p = page(&app);
    assert_eq!(p.visible_count(), 100, "search shows every line");
    assert_eq!(p.match_count(), 10);
    assert_eq!(p.current_match(), Some(99), "search starts from the end");
    assert!(!p.follow, "jumping to a match pauses");
    keys(&mut app, "n");
    assert_eq!(page(&app).current_match(), Some(9), "n wraps around");
    keys(&mut app, "NN");
    assert_eq!(page(&app).current_match(), Some(89));
    // New lines that match join the matches.
    send(&mut app, seq_lines(100, 110));
    assert_eq!(page(&app).match_count(), 11);

    keys(&mut app, "&WARN");
    assert!(matches!(&app.mode, Mode::PageFilter(l) if l.text == "WARN"));
    keys(&mut app, "<enter>");
    let p = page(&app);
    assert_eq!(p.visible_count(), 14);
    assert_eq!(
        p.match_count(),
        0,
        "search looks only at the lines the filter shows"
    );
    assert!(text(&app).contains("[&WARN: 14 of 110]"), "{}", text(&app));
    send(&mut app, seq_lines(110, 120));
    assert_eq!(page(&app).visible_count(), 16);
    // The filter is a regex (k9s): WARN or ERROR lines; an invalid regex is plain text.
    assert!(keys(&mut app, "<esc>").is_empty());
    keys(&mut app, "&WARN|ERROR<enter>");
    assert_eq!(page(&app).visible_count(), 16 + 12);
    assert!(keys(&mut app, "<esc>").is_empty());
    keys(&mut app, "&WARN(<enter>");
    assert_eq!(
        page(&app).visible_count(),
        0,
        "no line holds the text `WARN(`"
    );
    // esc clears the filter first, then closes the page.
    assert!(keys(&mut app, "<esc>").is_empty());
    assert_eq!(page(&app).visible_count(), 120);
    assert_eq!(keys(&mut app, "<esc>"), vec![Effect::StopLogs]);
    assert!(app.page.is_none());
}

#[test]
fn options_restart_the_stream_and_stale_batches_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    send(&mut app, seq_lines(0, 10));
    let old = page(&app).stream;
    keys(&mut app, "k");
    assert!(!page(&app).follow);
    let (_, opts) = start_of(&keys(&mut app, "T")).unwrap();
    assert!(page(&app).follow, "a restarted stream follows");
    assert_eq!((opts.tail_lines, opts.since_seconds), (Some(1000), None));
    assert_eq!(
        page(&app).ring.len(),
        0,
        "a restart starts from an empty view"
    );
    let id = page(&app).id;
    app.update(Msg::Logs {
        page: id,
        stream: old,
        events: seq_lines(10, 20),
    });
    assert_eq!(
        page(&app).ring.len(),
        0,
        "lines of the old stream are ignored"
    );
    let (_, opts) = start_of(&keys(&mut app, "S")).unwrap();
    assert_eq!((opts.tail_lines, opts.since_seconds), (None, Some(60)));
    let (_, opts) = start_of(&keys(&mut app, "S")).unwrap();
    assert_eq!(opts.since_seconds, Some(300));
    let (_, opts) = start_of(&keys(&mut app, "T")).unwrap();
    assert_eq!((opts.tail_lines, opts.since_seconds), (Some(100), None));
    let (_, opts) = start_of(&keys(&mut app, "p")).unwrap();
    assert!(opts.previous);
    // Display toggles never restart.
    assert!(start_of(&keys(&mut app, "wtJ")).is_none());
    let p = page(&app);
    assert!(p.wrap && p.opts.timestamps && p.json);
}

#[test]
fn ctrl_s_saves_and_the_result_is_flashed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    let (id, stream) = (page(&app).id, page(&app).stream);
    let eff = ctrl(&mut app, 's');
    assert_eq!(
        eff,
        vec![Effect::SaveLogs {
            page: id,
            stream,
            stem: "shop_web-7d9f-a1b_c".into(),
        }]
    );
    app.update(Msg::LogsSaved(Ok(Saved {
        path: "/home/u/.local/share/kdeck/logs/shop_web-7d9f-a1b_c_20260101T120000Z.log".into(),
        lines: 4321,
    })));
    let f = app.flash.clone().unwrap();
    assert!(!f.error);
    assert_eq!(
        f.text,
        "saved 4321 lines to /home/u/.local/share/kdeck/logs/shop_web-7d9f-a1b_c_20260101T120000Z.log"
    );
    app.update(Msg::LogsSaved(Err(
        "cannot save logs to /x: Permission denied".into(),
    )));
    assert!(app.flash.as_ref().unwrap().error);
}

#[test]
fn enter_drills_from_pod_to_containers_to_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pods_app(dir.path());
    let eff = keys(&mut app, "<enter>");
    let view = app.view.id;
    assert!(eff.contains(&Effect::WatchContainers {
        view,
        namespace: "shop".into(),
        pod: "web-7d9f-a1b".into(),
    }));
    assert!(text(&app).contains("containers(shop)[0] <pod/web-7d9f-a1b>"));
    feed(
        &mut app,
        crate::cluster::columns::containers::rows(&multi_pod()),
    );
    // app, log-shipper, migrate (key order)
    let eff = keys(&mut app, "j<enter>");
    let (source, _) = start_of(&eff).expect("streams the chosen container");
    assert!(matches!(source, LogSource::Pod { container: Some(c), .. } if c == "log-shipper"));
    // esc: logs → containers → pods.
    assert_eq!(keys(&mut app, "<esc>"), vec![Effect::StopLogs]);
    assert!(matches!(
        app.view.spec,
        crate::tui::nav::ViewSpec::Containers { .. }
    ));
    let (source, opts) = start_of(&keys(&mut app, "p")).expect("previous of a container");
    assert!(
        opts.previous
            && matches!(
                source,
                LogSource::Pod {
                    container: Some(_),
                    ..
                }
            )
    );
    keys(&mut app, "<esc><esc>");
    assert_eq!(app.view.spec.title_kind(), "pods");
}

#[test]
fn leaving_by_command_stops_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    let eff = keys(&mut app, ":deploy<enter>");
    assert!(eff.contains(&Effect::StopLogs), "{eff:?}");
    assert!(app.page.is_none());
}

#[test]
fn wrapped_and_pretty_lines_scroll_by_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 10_000);
    let long = format!("INFO {} seq=0", "x".repeat(300));
    send(
        &mut app,
        vec![
            line("p", "c", &long),
            line("p", "c", r#"{"level":"info","msg":"done","seq":1}"#),
        ],
    );
    keys(&mut app, "w");
    let p = page(&app);
    assert_eq!(p.rows_of(0, 100), 4);
    assert_eq!(p.rows_of(1, 100), 1);
    keys(&mut app, "J");
    let p = page(&app);
    assert_eq!(p.rows_of(1, 100), 5, "pretty JSON takes a row per line");
}

#[test]
fn keymaps_bind_every_logs_action_in_both_shipped_keymaps() {
    use crate::tui::action::{Action, Scope};
    use crate::tui::keymap::Keymap;
    for name in ["default", "vim"] {
        let dir = tempfile::tempdir().unwrap();
        let k = Keymap::load_from(name, dir.path()).unwrap();
        for a in Action::ALL.iter().filter(|a| a.scope() == Scope::Logs) {
            assert!(!k.keys_for(*a).is_empty(), "{name}: {} unbound", a.name());
        }
    }
}

#[test]
fn an_init_container_alone_does_not_ask() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = pods_app(dir.path());
    let id = fetch_page(&keys(&mut app, "l"));
    let mut pod = multi_pod();
    pod["spec"]["containers"] = json!([{"name": "app", "image": "nginx:1.27"}]);
    let (source, _) = start_of(&app.update(Msg::Fetched {
        page: id,
        result: fetched(pod),
    }))
    .expect("streams the one regular container");
    assert!(matches!(source, LogSource::Pod { container: Some(c), .. } if c == "app"));
    // The init container is still on the container key, marked.
    keys(&mut app, "C");
    let p = page(&app).picker.clone().unwrap();
    assert_eq!(p.choices[0].label(), "migrate");
    assert!(p.choices[0].init && p.choices[0].detail.starts_with("init"));
    assert_eq!(p.selected, 1);
}
