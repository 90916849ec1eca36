//! Rendered frames of every view, the help, the command line, a filter, banners and each theme, on a
//! TestBackend with seeded data and a fixed "now". Snapshots live in `snapshots/` at the crate root.

use ratatui::style::Modifier;

use crate::cluster::kinds::KindSpec;
use crate::cluster::rows::{Cell, Column, Row, RowKey, Tone};
use crate::cluster::watch::{WatchFailure, WatchMsg, WatchNote};
use crate::tui::app::{App, Msg, Options};
use crate::tui::msg::Effect;
use crate::tui::render;
use crate::tui::test_support::*;

fn open(app: &mut App, cmd: &str, rows: Vec<crate::cluster::rows::Row>) {
    keys(app, &format!(":{cmd}<enter>"));
    feed(app, rows);
}

#[test]
fn pods_in_namespace_and_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    feed(
        &mut app,
        pod_rows()
            .into_iter()
            .filter(|r| &*r.key.namespace == "shop")
            .collect(),
    );
    snap!("view_pods_shop", text(&app));
    open(&mut app, "pods all", pod_rows());
    snap!("view_pods_all", text(&app));
}

#[test]
fn every_builtin_view() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let cases: Vec<(&str, &str, Vec<crate::cluster::rows::Row>)> = vec![
        ("deployments", "deploy", deployment_rows()),
        ("statefulsets", "sts data", statefulset_rows()),
        ("daemonsets", "ds monitoring", daemonset_rows()),
        ("replicasets", "rs shop", replicaset_rows()),
        ("services", "svc shop", service_rows()),
        ("configmaps", "cm", configmap_rows()),
        ("secrets", "secrets", secret_rows()),
        ("events", "events", event_rows()),
        ("nodes", "nodes", node_rows()),
        ("namespaces", "ns", namespace_rows()),
    ];
    for (name, cmd, rows) in cases {
        open(&mut app, cmd, rows);
        let t = text(&app);
        assert!(!t.contains("aHVudGVyMg"), "secret value leaked");
        snap!(format!("view_{name}"), t);
    }
    keys(&mut app, ":ctx<enter>");
    snap!("view_contexts", text(&app));
}

#[test]
fn generic_kind_from_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.update(Msg::Discovered(vec![KindSpec {
        plural: "widgets".into(),
        kind: "Widget".into(),
        group: "example.com".into(),
        version: "v1".into(),
        namespaced: true,
        short_names: vec!["wd".into()],
        builtin: None,
    }]));
    keys(&mut app, ":wd<enter>");
    let view = app.view.id;
    let cols = vec![
        Column::new("NAME"),
        Column::new("SIZE"),
        Column::wide("OWNER"),
        Column::new("AGE"),
        Column::wide_only("COLOUR"),
    ];
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Columns(cols),
    }));
    let rows: Vec<Row> = [("alpha", "3"), ("beta", "12")]
        .iter()
        .map(|(n, size)| Row {
            key: RowKey::new("shop", n),
            cells: vec![
                Cell::text(*n),
                Cell::text(*size),
                Cell::text("team-a"),
                Cell::Age(Some(NOW - 4000)),
                Cell::text("blue"),
            ],
            tone: Tone::Normal,
            labels: Default::default(),
            selector: None,
            object: None,
        })
        .collect();
    feed(&mut app, rows);
    // COLOUR is a priority > 0 column: shown only in wide mode.
    let narrow = text(&app);
    assert!(
        !narrow.contains("COLOUR") && !narrow.contains("blue"),
        "{narrow}"
    );
    snap!("view_generic_widgets", narrow);
    keys(&mut app, "<ctrl-w>");
    let wide = text(&app);
    assert!(
        wide.contains("COLOUR") && wide.contains("blue") && wide.contains("<wide>"),
        "{wide}"
    );
    snap!("view_generic_widgets_wide", wide);
    keys(&mut app, "<ctrl-w>");
    assert!(!text(&app).contains("COLOUR"));
}

#[test]
fn help_command_line_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    open(&mut app, "pods all", pod_rows());
    keys(&mut app, "?");
    snap!("help_pods", render::to_text(&frame(&app, 120, 45)));
    keys(&mut app, "<esc>");
    keys(&mut app, ":dep<tab>");
    snap!("command_line_completion", text(&app));
    keys(&mut app, "<esc>/-f wb");
    let buf = frame(&app, 120, 24);
    snap!("filter_fuzzy", render::to_text(&buf));
    // The matched characters of each name are highlighted.
    let marked: Vec<String> = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .filter(|x| buf[(*x, y)].modifier.contains(Modifier::UNDERLINED))
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    snap!("filter_fuzzy_highlights", marked.join("\n"));
    keys(&mut app, "<enter>");
    // The default is a case-insensitive regex, as in k9s.
    keys(&mut app, "<esc>/7D9F-[ac]<enter>");
    snap!("filter_regex", text(&app));
    keys(&mut app, "<esc>/!web<enter>");
    snap!("filter_inverse", text(&app));
    keys(&mut app, "<esc>/-l app=db<enter>");
    snap!("filter_labels", text(&app));
}

#[test]
fn sort_keys_order_rows_by_meaning_and_reverse() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    open(&mut app, "pods all", pod_rows());
    // shift-a: youngest first; again: oldest first. The title names the column and the direction.
    keys(&mut app, "A");
    snap!("sort_pods_age", text(&app));
    keys(&mut app, "A");
    snap!("sort_pods_age_reversed", text(&app));
    // shift-r on pods is READY (ready then total, as numbers).
    keys(&mut app, "R");
    snap!("sort_pods_ready", text(&app));
    // A key whose column the view lacks says so and keeps the order.
    open(&mut app, "deploy", deployment_rows());
    keys(&mut app, "C");
    snap!("sort_deployments_no_cpu_column", text(&app));
}

fn usage(app: &mut App, note: crate::cluster::metrics::MetricsNote) {
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Metrics { group: None, note },
    }));
}

#[test]
fn usage_columns_fill_sort_and_fall_back_to_na() {
    use crate::cluster::metrics::{ClusterUsage, MetricsNote, Sample};
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    open(&mut app, "pods all", pod_rows());
    let mi = 1024 * 1024;
    let samples = [
        ("web-7d9f-a1b", 50, 32 * mi),
        ("web-7d9f-c3d", 250, 100 * mi),
        ("web-7d9f-x2x", 480, 120 * mi),
        ("web-7d9f-zzz", 333, 10 * mi),
    ]
    .into_iter()
    .map(|(n, cpu, memory)| (RowKey::new("shop", n), Sample { cpu, memory }))
    .collect();
    usage(&mut app, MetricsNote::Usage(std::sync::Arc::new(samples)));
    app.update(Msg::ClusterUsage {
        context: "kdeck-sim".into(),
        usage: ClusterUsage::Percent {
            cpu: 12,
            memory: 34,
        },
    });
    // Figures for running pods, percentages of their requests and limits, `n/a` for the others; the
    // header has the cluster's.
    snap!("usage_pods", text(&app));
    // shift-c twice: the busiest first; pods without figures stay last.
    keys(&mut app, "CC");
    let t = text(&app);
    snap!("usage_pods_cpu_descending", t);
    let order: Vec<usize> = ["web-7d9f-x2x", "web-7d9f-c3d", "web-7d9f-a1b", "cart-0"]
        .iter()
        .map(|n| t.find(n).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{t}");
    // A pod that arrives later gets the latest figures at once.
    let mut late = pod_rows().remove(0);
    late.key = RowKey::new("shop", "web-7d9f-zzz");
    late.cells[0] = Cell::text("web-7d9f-zzz");
    feed_upsert(&mut app, late);
    assert!(text(&app).contains("333m"));
    // A failed poll keeps the figures and says so in the title; no metrics API makes them n/a.
    usage(&mut app, MetricsNote::Failed("metrics: timed out".into()));
    let t = text(&app);
    assert!(
        t.contains("<metrics: timed out>") && t.contains("250m"),
        "{t}"
    );
    usage(&mut app, MetricsNote::Unavailable);
    app.update(Msg::ClusterUsage {
        context: "kdeck-sim".into(),
        usage: ClusterUsage::Unavailable,
    });
    let t = text(&app);
    assert!(
        !t.contains("250m") && !t.contains("metrics: timed out"),
        "{t}"
    );
    snap!("usage_pods_unavailable", t);
    // The containers and nodes views have their own usage columns.
    open(&mut app, "nodes", node_rows());
    let node = |cpu, memory| Sample { cpu, memory };
    usage(
        &mut app,
        MetricsNote::Usage(std::sync::Arc::new(
            [(RowKey::new("", "node-1"), node(1500, 2048 * mi))].into(),
        )),
    );
    snap!("usage_nodes", text(&app));
}

#[test]
fn drain_dialog_with_options_and_progress() {
    use crate::cluster::nodes::PodStep;
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    open(&mut app, "nodes", node_rows());
    keys(&mut app, "r");
    snap!("dialog_drain", text(&app));
    // tab to "delete emptyDir data" and tick it, then drain.
    keys(&mut app, "<tab><tab><tab> ");
    let effects = keys(&mut app, "<enter>");
    let Some(Effect::Drain {
        dialog, options, ..
    }) = effects.first().cloned()
    else {
        panic!("{effects:?}");
    };
    assert!(options.delete_emptydir_data && options.ignore_daemonsets && !options.force);
    for (pod, step) in [
        ("kube-system/proxy-x1", PodStep::Skipped("DaemonSet".into())),
        ("shop/web-7d9f-a1b", PodStep::Gone),
        (
            "shop/db-0",
            PodStep::Blocked(
                "Cannot evict pod as it would violate the pod's disruption budget.".into(),
            ),
        ),
        ("shop/cart-0", PodStep::Evicted),
    ] {
        app.update(Msg::DrainProgress {
            dialog,
            pod: pod.into(),
            step,
        });
    }
    snap!("dialog_drain_progress", text(&app));
}

#[test]
fn marked_rows_and_the_bulk_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    open(&mut app, "pods all", pod_rows());
    keys(&mut app, " <down> ");
    snap!("marks_two_pods", text(&app));
    keys(&mut app, "<ctrl-d>");
    snap!("dialog_bulk_delete", text(&app));
}

#[test]
fn banners_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    feed(&mut app, pod_rows());
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Error(WatchFailure {
            code: None,
            message: "connection refused".into(),
            unusable: false,
        }),
    }));
    snap!("banner_connection_lost", text(&app));

    open(&mut app, "secrets kube-system", vec![]);
    let view = app.view.id;
    keys(&mut app, "");
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Error(WatchFailure {
            code: Some(403),
            message: "secrets is forbidden: User \"viewer\" cannot list resource \"secrets\""
                .into(),
            unusable: false,
        }),
    }));
    app.update(Msg::Namespaces(Ok(vec!["default".into(), "shop".into()])));
    snap!("view_forbidden", text(&app));

    // An answer kdeck cannot read: shown in the view, the watch stopped, the connection not "lost".
    open(&mut app, "configmaps", vec![]);
    let view = app.view.id;
    let effects = app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Error(WatchFailure {
            code: None,
            message:
                "Error deserializing response: invalid type: integer `17`, expected a sequence"
                    .into(),
            unusable: true,
        }),
    }));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::StopWatch)),
        "{effects:?}"
    );
    assert!(!text(&app).contains("reconnecting"));
    snap!("view_unusable_answer", text(&app));

    let mut loading = connected_app(dir.path());
    loading.update(Msg::Tick);
    snap!("view_loading", text(&loading));

    let mut failed = app_with(dir.path(), "default", Options::default());
    failed.start();
    failed.update(Msg::Connected {
        context: "kdeck-sim".into(),
        result: Err(
            "dial tcp 127.0.0.1:6443: connect: connection refused (timed out after 3s)".into(),
        ),
    });
    snap!("startup_unreachable", text(&failed));
}

#[test]
fn readonly_and_guarded_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(
        dir.path(),
        "default",
        Options {
            safety: crate::safety::SafetySources {
                readonly_flag: true,
                ..Default::default()
            },
            context: Some("prod-eu-1".into()),
            ..Default::default()
        },
    );
    app.start();
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(crate::tui::app::ServerInfo {
            git_version: "v1.31.4".into(),
            ..Default::default()
        }),
    });
    open(&mut app, "deploy", deployment_rows());
    keys(&mut app, "s");
    assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
    snap!("header_readonly_guarded", text(&app));
}

#[test]
fn every_theme() {
    for (name, _) in crate::tui::theme::SHIPPED {
        let theme = crate::tui::theme::Theme::shipped(name).unwrap();
        snap!(format!("theme_{name}"), theme.describe());
    }
}

#[test]
fn xray_tree_with_verbs_on_every_node() {
    use crate::cluster::xray::tree::{self, Root};
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let effects = keys(&mut app, ":xray deploy shop<enter>");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::WatchXray { root: Root::Deployments, namespace: Some(ns), .. } if ns == "shop")),
        "{effects:?}"
    );
    let mut objs = tree::tests::objects(true);
    objs.secrets = Some([("shop".to_string(), "web-secret".to_string())].into());
    feed(&mut app, tree::build(Root::Deployments, &objs, false));
    snap!("xray_deployments", text(&app));
    // Sort keys would break the tree.
    keys(&mut app, "N");
    assert!(text(&app).contains("an xray keeps the order of its tree"));
    // describe on the deployment, the replicaset, a pod and a ConfigMap goes to that object.
    let described = |app: &mut App| match keys(app, "d").as_slice() {
        [Effect::FetchObject { target, .. }] => target.display(),
        other => panic!("{other:?}"),
    };
    assert_eq!(described(&mut app), "deployment/shop/web");
    keys(&mut app, "<esc><down>");
    assert_eq!(described(&mut app), "replicaset/shop/web-7d9f");
    keys(&mut app, "<esc><down>");
    assert_eq!(described(&mut app), "pod/shop/web-7d9f-a");
    keys(&mut app, "<esc><down><down>");
    assert_eq!(described(&mut app), "configmap/shop/web-config");
    // On a container only logs and shell apply; enter opens its logs.
    keys(&mut app, "<esc><up>");
    assert_eq!(
        app.view.selected_container().map(|(p, c)| (p.display(), c)),
        Some(("pod/shop/web-7d9f-a".to_string(), "app".to_string()))
    );
    assert!(keys(&mut app, "d").is_empty(), "no describe on a container");
    assert!(
        keys(&mut app, "<ctrl-d>").is_empty(),
        "no delete on a container"
    );
    let effects = keys(&mut app, "<enter>");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::StartLogs { .. } | Effect::FetchObject { .. })),
        "{effects:?}"
    );
    assert!(matches!(app.page, Some(crate::tui::pages::Page::Logs(_))));
    // Delete on the deployment node asks about the deployment.
    keys(&mut app, "<esc>g");
    let effects = keys(&mut app, "<ctrl-d>");
    let t = text(&app);
    assert!(
        effects.is_empty() && t.contains("Delete deployment shop/web?"),
        "{t}"
    );
    snap!("xray_delete_deployment", t);
}
