//! Behaviour of `App::update`: navigation, drill-down, namespaces, history, context switches and the
//! effects each one asks for; the submodules drive each page and dialog through the app, as a user does,
//! and snapshot the frames.

mod dialog_forward;
mod dialogs;
mod forwards_page;
mod logs_fixtures;
mod logs_page;
mod logs_snapshots;
mod merged;
mod reconnect;
mod snapshots;
mod text_page;
mod typed_commands;

use crate::cluster::store::Delta;
use crate::cluster::watch::{WatchFailure, WatchMsg, WatchNote};
use crate::tui::app::{Connection, Effect, Mode, Msg, ServerInfo, ViewState};
use crate::tui::nav::ViewSpec;
use crate::tui::test_support::*;

fn watch_target(effects: &[Effect]) -> crate::cluster::watch::WatchTarget {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Watch { target, .. } => Some(target.clone()),
            _ => None,
        })
        .expect("a watch effect")
}

#[test]
fn starts_on_pods_in_the_context_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let app = connected_app(dir.path());
    assert_eq!(app.view.spec.title_kind(), "pods");
    assert_eq!(app.view.spec.title_scope(), "shop");
    assert_eq!(app.view.state, ViewState::Loading);
    assert_eq!(app.connection, Connection::Connected);
}

#[test]
fn deployment_drills_down_to_its_pods_and_esc_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    // Rows are in key order: cart, search, web.
    keys(&mut app, "jj");
    let eff = keys(&mut app, "<enter>");
    let t = watch_target(&eff);
    assert_eq!(t.kind.plural, "pods");
    assert_eq!(t.labels.as_deref(), Some("app=web"));
    assert_eq!(t.namespace.as_deref(), Some("shop"));
    let eff = keys(&mut app, "<esc>");
    assert_eq!(watch_target(&eff).kind.plural, "deployments");
    feed(&mut app, deployment_rows());
    keys(&mut app, "/we<enter>");
    assert_eq!(
        watch_target(&keys(&mut app, "<enter>")).labels.as_deref(),
        Some("app=web")
    );
    keys(&mut app, "<esc>");
    assert_eq!(app.view.filter_text, "we", "going back restores the filter");
    keys(&mut app, "<esc>");
    let eff = keys(&mut app, "<esc>");
    assert_eq!(watch_target(&eff).kind.plural, "pods");
}

#[test]
fn node_and_namespace_drill_down() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":nodes<enter>");
    feed(&mut app, node_rows());
    let t = watch_target(&keys(&mut app, "j<enter>"));
    assert_eq!(t.fields.as_deref(), Some("spec.nodeName=node-2"));
    assert_eq!(t.namespace, None);
    keys(&mut app, ":ns<enter>");
    feed(&mut app, namespace_rows());
    // data, default, monitoring, shop
    let t = watch_target(&keys(&mut app, "jj<enter>"));
    assert_eq!(t.namespace.as_deref(), Some("monitoring"));
    assert_eq!(app.session.namespace.as_deref(), Some("monitoring"));
}

#[test]
fn favourites_switch_namespace_and_zero_is_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":pods data<enter>");
    assert_eq!(app.favourites, ["data", "shop"]);
    let t = watch_target(&keys(&mut app, "2"));
    assert_eq!(t.namespace.as_deref(), Some("shop"));
    let t = watch_target(&keys(&mut app, "0"));
    assert_eq!(t.namespace, None);
    assert_eq!(app.view.spec.title_scope(), "all");
}

#[test]
fn history_keys_rerun_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>:svc<enter>");
    assert_eq!(
        watch_target(&keys(&mut app, "[")).kind.plural,
        "deployments"
    );
    assert_eq!(watch_target(&keys(&mut app, "]")).kind.plural, "services");
    assert_eq!(
        watch_target(&keys(&mut app, "-")).kind.plural,
        "deployments"
    );
    // Up in command mode recalls the last command.
    keys(&mut app, ":<up>");
    assert!(matches!(&app.mode, Mode::Command(l) if l.text == "deploy"));
}

#[test]
fn ctx_switches_inside_kdeck_and_pods_at_ctx_opens_after_connect() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let eff = keys(&mut app, ":deploy @prod-eu-1<enter>");
    assert!(eff.contains(&Effect::Connect {
        context: "prod-eu-1".into()
    }));
    let eff = app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo {
            git_version: "v1.31.0".into(),
            ..Default::default()
        }),
    });
    assert_eq!(watch_target(&eff).kind.plural, "deployments");
    assert!(app.session.guarded, "prod contexts are guarded by default");
    assert_eq!(app.session.context.as_deref(), Some("prod-eu-1"));
    // The kubeconfig file was not touched.
    let text = std::fs::read_to_string(dir.path().join("config")).unwrap();
    assert!(text.contains("current-context: kdeck-sim"));
    keys(&mut app, ":ctx nope<enter>");
    assert!(app.flash.as_ref().unwrap().error);
}

#[test]
fn selection_follows_its_row_while_rows_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    feed(&mut app, pod_rows());
    keys(&mut app, "jj");
    let before = app.selected_row().unwrap().key.clone();
    let mut early = pod_rows()[0].clone();
    early.key = crate::cluster::rows::RowKey::new("shop", "aaa");
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::Upsert(early)),
    }));
    assert_eq!(app.selected_row().unwrap().key, before);
}

#[test]
fn stale_view_notes_are_ignored_and_errors_set_connection_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let old = app.view.id;
    keys(&mut app, ":svc<enter>");
    app.update(Msg::Watch(WatchMsg {
        view: old,
        note: WatchNote::Delta(Delta::Reset(pod_rows())),
    }));
    assert_eq!(app.view.store.len(), 0);
    let view = app.view.id;
    let err = |code| {
        Msg::Watch(WatchMsg {
            view,
            note: WatchNote::Error(WatchFailure {
                code,
                message: "boom".into(),
                unusable: false,
            }),
        })
    };
    app.update(err(Some(410)));
    assert_eq!(app.connection, Connection::Connected);
    app.update(err(Some(503)));
    assert!(matches!(app.connection, Connection::Lost(_)));
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Recovered,
    }));
    assert_eq!(app.connection, Connection::Connected);
    let eff = app.update(err(Some(403)));
    assert!(eff.contains(&Effect::ListNamespaces));
    assert!(matches!(app.view.state, ViewState::Forbidden { .. }));
}

#[test]
fn filter_esc_clears_then_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":pods all<enter>");
    feed(&mut app, pod_rows());
    keys(&mut app, "/web<enter>");
    assert_eq!(app.view.store.visible_len(), 3);
    assert!(keys(&mut app, "<esc>").is_empty());
    assert_eq!(app.view.store.visible_len(), 6);
    assert!(matches!(app.view.spec, ViewSpec::Resource { .. }));
    assert_eq!(
        watch_target(&keys(&mut app, "<esc>")).namespace.as_deref(),
        Some("shop")
    );
}

#[test]
fn quit_and_command_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":bogus<enter>");
    app.update(Msg::Discovered(vec![]));
    assert!(app.flash.as_ref().unwrap().text.contains("unknown command"));
    assert!(keys(&mut app, ":q<enter>").contains(&Effect::Quit));
    assert!(app.quit);
}

#[test]
fn kubectl_skew_is_shown_and_flashed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(dir.path(), "default", Default::default());
    app.start();
    app.update(Msg::Connected {
        context: "kdeck-sim".into(),
        result: Ok(ServerInfo {
            git_version: "v1.33.2".into(),
            kubectl: Some(crate::kubectl::KubectlNote {
                version: "1.29.4".into(),
                skew_warning: Some(
                    "kubectl 1.29.4 is 4 minor versions older than the server".into(),
                ),
            }),
        }),
    });
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("4 minor versions")
    );
    let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 120, 24));
    crate::tui::render::draw(&app, buf.area, &mut buf, NOW);
    let text = crate::tui::render::to_text(&buf);
    assert!(
        text.contains("kubectl: 1.29.4") && text.contains("SKEW"),
        "{text}"
    );
}

#[test]
fn favourites_are_per_context_and_start_from_the_saved_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut saved = crate::tui::favourites::Favourites::new();
    saved.insert("kdeck-sim".into(), vec!["team-1".into(), "shop".into()]);
    saved.insert("prod-eu-1".into(), vec!["payments".into()]);
    let mut app = connected_with(
        dir.path(),
        crate::tui::app::Options {
            favourites: saved,
            ..Default::default()
        },
    );
    // Connecting to kdeck-sim (namespace shop) brings shop to the front of its saved list.
    assert_eq!(app.favourites, ["shop", "team-1"]);
    keys(&mut app, ":ns web<enter>");
    assert_eq!(app.saved_favourites["kdeck-sim"], ["web", "shop", "team-1"]);
    keys(&mut app, ":ctx prod-eu-1<enter>");
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo::default()),
    });
    assert_eq!(app.favourites[1..], ["payments"]);
    keys(&mut app, "2");
    assert_eq!(app.session.namespace.as_deref(), Some("payments"));
    assert_eq!(app.saved_favourites["kdeck-sim"], ["web", "shop", "team-1"]);
}

#[test]
fn s_opens_a_shell_on_pods_and_scales_deployments_and_read_only_refuses_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    feed(&mut app, pod_rows());
    let pod = app.selected_row().unwrap().key.clone();
    let effects = keys(&mut app, "s");
    assert_eq!(
        effects,
        vec![Effect::Exec {
            namespace: pod.namespace.to_string(),
            pod: pod.name.to_string(),
            container: None,
            attach: false,
            context: None,
        }]
    );
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    let effects = keys(&mut app, "s");
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Exec { .. })),
        "{effects:?}"
    );
    assert!(app.dialog.is_some(), "s scales a deployment");

    let mut ro = connected_with(
        dir.path(),
        crate::tui::app::Options {
            safety: crate::safety::SafetySources {
                readonly_flag: true,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    feed(&mut ro, pod_rows());
    assert!(keys(&mut ro, "s").is_empty());
    assert!(
        ro.flash
            .as_ref()
            .unwrap()
            .text
            .starts_with("cannot open a shell in a container: read-only")
    );
    // `a` attaches (the pod's default container; the terminal side checks stdin), and read-only
    // refuses it as it refuses the shell.
    assert!(keys(&mut ro, "a").is_empty());
    keys(&mut app, "<esc>:pods<enter>");
    feed(&mut app, pod_rows());
    let pod = app.selected_row().unwrap().key.clone();
    assert_eq!(
        keys(&mut app, "a"),
        vec![Effect::Exec {
            namespace: pod.namespace.to_string(),
            pod: pod.name.to_string(),
            container: None,
            attach: true,
            context: None,
        }]
    );
}

#[test]
fn a_key_may_serve_two_scopes_only_on_disjoint_kinds() {
    use crate::tui::action::Scope;
    assert!(!Scope::Pod.overlaps(Scope::Workload));
    assert!(Scope::Pod.overlaps(Scope::Pods));
    // A kind's own verb may share a key with a verb of every table: on that kind it wins.
    assert!(!Scope::Node.overlaps(Scope::Resource));
    assert!(Scope::Resource.overlaps(Scope::Table));
    assert!(Scope::Workload.overlaps(Scope::Restartable));
    assert!(!Scope::Secret.overlaps(Scope::Workload));
    assert!(
        Scope::Secret.overlaps(Scope::Text),
        "both apply on a secret's page"
    );
    let k = crate::tui::keymap::Keymap::parse(
        "t",
        "t.yaml",
        "scale: [s]\nshell: [s]\nlogs: [s]\n",
        &|_| unreachable!(),
    );
    let e = k.unwrap_err().to_string();
    assert!(e.contains("bound twice") && e.contains("line"), "{e}");
}

#[test]
fn on_nodes_c_cordons_and_help_offers_cordon_not_copy() {
    use crate::cluster::rows::{Cell, Row, RowKey, Tone};
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":nodes<enter>");
    feed(
        &mut app,
        vec![Row {
            key: RowKey::new("", "node-1"),
            cells: vec![Cell::text("node-1"), Cell::text("Ready")],
            tone: Tone::Normal,
            labels: Default::default(),
            selector: None,
            object: None,
        }],
    );
    assert!(keys(&mut app, "c").is_empty());
    let Some(crate::tui::dialogs::Dialog::Node(d)) = &app.dialog else {
        panic!("c on a node opens the cordon dialog: {:?}", app.dialog);
    };
    assert_eq!(d.op, crate::tui::dialogs::node::NodeOp::Cordon);
    let effects = keys(&mut app, "<enter>");
    assert!(
        matches!(effects.as_slice(), [Effect::Cordon { on: true, .. }]),
        "{effects:?}"
    );
    let applies = |a| app.applies(a);
    use crate::tui::action::Action;
    assert!(app.keymap.shadowed(Action::CopyName, applies));
    assert!(!app.keymap.shadowed(Action::Cordon, applies));
    // Elsewhere c still copies.
    keys(&mut app, "<esc>:pods<enter>");
    feed(&mut app, pod_rows());
    let effects = keys(&mut app, "c");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Copy(_))),
        "{effects:?}"
    );
}

#[test]
fn plugins_are_refused_in_read_only_mode_and_run_otherwise() {
    use crate::tui::extensions::parse_plugins;
    let dir = tempfile::tempdir().unwrap();
    let plugins = parse_plugins(
        std::path::Path::new("plugins.yaml"),
        "plugins:\n  show:\n    shortCut: Ctrl-E\n    scopes: [pods]\n    background: true\n    command: echo\n    args: [$NAME]\n",
    )
    .unwrap();
    let options = |readonly_flag: bool| crate::tui::app::Options {
        safety: crate::safety::SafetySources {
            readonly_flag,
            ..Default::default()
        },
        plugins: plugins.clone(),
        ..Default::default()
    };
    let mut ro = connected_with(dir.path(), options(true));
    feed(&mut ro, pod_rows());
    assert!(keys(&mut ro, "<ctrl-e>").is_empty());
    let flash = ro.flash.as_ref().unwrap().text.clone();
    assert!(
        flash.starts_with("cannot run plugin show: read-only"),
        "{flash}"
    );
    let mut rw = connected_with(dir.path(), options(false));
    feed(&mut rw, pod_rows());
    let name = rw.selected_row().unwrap().key.name.to_string();
    let effects = keys(&mut rw, "<ctrl-e>");
    assert!(
        matches!(&effects[..], [Effect::Plugin { command, args, background: true, .. }]
            if command == "echo" && args == &vec![name.clone()]),
        "{effects:?}"
    );
}

#[test]
fn events_are_newest_first_by_last_seen() {
    use crate::cluster::rows::{Cell, Row, RowKey, Tone};
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":events<enter>");
    let ev = |name: &str, last: i64| Row {
        key: RowKey::new("shop", name),
        cells: vec![
            Cell::Age(Some(last)),
            Cell::text("Normal"),
            Cell::text("Pulled"),
            Cell::text(format!("pod/{name}")),
            Cell::text("ok"),
        ],
        tone: Tone::Normal,
        labels: Default::default(),
        selector: None,
        object: None,
    };
    feed(
        &mut app,
        vec![ev("a-old", 100), ev("z-new", 300), ev("m-mid", 200)],
    );
    let order = |app: &crate::tui::app::App| -> Vec<String> {
        (0..app.view.store.visible_len())
            .map(|i| app.view.store.visible_row(i).unwrap().key.name.to_string())
            .collect()
    };
    assert_eq!(order(&app), ["z-new", "m-mid", "a-old"]);
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::Upsert(ev("a-old", 400))),
    }));
    assert_eq!(
        order(&app),
        ["a-old", "z-new", "m-mid"],
        "seen again: on top"
    );
}

#[test]
fn s_on_a_pod_with_several_containers_asks_which_one() {
    use crate::cluster::columns::{containers, pods};
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let pod = serde_json::json!({
        "metadata": {"name": "web-2c", "namespace": "shop", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "app"}, {"name": "sidecar"}], "nodeName": "node-1"},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}},
            {"name": "sidecar", "ready": true, "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}}]}
    });
    feed(
        &mut app,
        vec![pods::row(&serde_json::from_value(pod.clone()).unwrap())],
    );
    let effects = keys(&mut app, "s");
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Exec { .. })),
        "no exec without a container: {effects:?}"
    );
    assert_eq!(
        app.view.spec,
        ViewSpec::Containers {
            namespace: "shop".into(),
            pod: "web-2c".into(),
            clusters: None,
        }
    );
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("pick one and press s"),
        "{:?}",
        app.flash
    );
    feed(&mut app, containers::rows(&pod));
    keys(&mut app, "j");
    assert_eq!(
        keys(&mut app, "s"),
        vec![Effect::Exec {
            namespace: "shop".into(),
            pod: "web-2c".into(),
            container: Some("sidecar".into()),
            attach: false,
            context: None,
        }]
    );
}

#[test]
fn help_scrolls_at_80x24_and_keeps_its_keys_from_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.size = (80, 24);
    feed(&mut app, pod_rows());
    let selected = app.view.selected;
    keys(&mut app, "?");
    let screen = |app: &crate::tui::app::App| crate::tui::render::to_text(&frame(app, 80, 24));
    let first = screen(&app);
    assert!(first.contains("↓ more"), "{first}");
    assert!(
        !first.contains("Delete (asks first)"),
        "the resource keys are below: {first}"
    );
    keys(&mut app, "G");
    let last = screen(&app);
    // The last page ends with the last resource key of the list.
    assert!(last.contains("Sort by IP (again: reverse)"), "{last}");
    assert!(last.contains("↑ more"), "{last}");
    keys(&mut app, "gjj");
    assert_eq!(app.help_scroll, 2);
    assert_eq!(
        app.view.selected, selected,
        "help keys never reach the table"
    );
    assert_eq!(app.mode, Mode::Help);
    assert!(keys(&mut app, "<esc>").is_empty());
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.view.selected, selected);
    assert!(app.page.is_none(), "esc closed help only");
    // Any other key closes help and goes no further.
    keys(&mut app, "?");
    assert_eq!(app.help_scroll, 0, "help opens at the top");
    assert!(keys(&mut app, "d").is_empty());
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.page.is_none(), "d did not open describe");
}

#[test]
fn the_age_tick_draws_only_when_an_age_on_screen_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    feed(&mut app, pod_rows());
    let now = NOW;
    assert!(app.ages_moved(now), "the first tick sees the ages");
    assert!(!app.ages_moved(now), "nothing moved within the same second");
    // db-1 is 20 s old: a second later its AGE reads 21s.
    assert!(app.ages_moved(now + 1));
    // With a page over the table, the ages are not on screen.
    keys(&mut app, "d");
    assert!(app.page.is_some());
    assert!(!app.ages_moved(now + 5));
}
