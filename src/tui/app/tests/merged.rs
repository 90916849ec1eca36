//! Views merged across clusters: `@all`/`@glob`/`@a,b` commands, the CONTEXT column, per-cluster rows
//! (connecting, unreachable, needs login), and every verb on a row going to that row's cluster under
//! that cluster's read-only and guard rules.

use std::sync::Arc;

use crate::cluster::merged::{Inner, cluster_row};
use crate::cluster::rows::{Row, Tone};
use crate::cluster::store::Delta;
use crate::cluster::watch::{WatchMsg, WatchNote};
use crate::tui::app::{App, Msg};
use crate::tui::msg::Effect;
use crate::tui::nav::{Clusters, ViewSpec};
use crate::tui::test_support::*;

const HOME: &str = "kdeck-sim";
const PROD: &str = "prod-eu-1";

fn in_context(ctx: &str, rows: Vec<Row>) -> Vec<Row> {
    rows.into_iter()
        .map(|mut r| {
            r.key = r.key.in_context(Arc::from(ctx));
            r
        })
        .collect()
}

/// One cluster's complete list, as the merged watch sends it.
fn feed_group(app: &mut App, ctx: &str, rows: Vec<Row>) {
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::ResetGroup {
            context: Arc::from(ctx),
            rows: in_context(ctx, rows),
        }),
    }));
}

fn merged_watch(effects: &[Effect]) -> (Vec<String>, Inner) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::WatchMerged {
                contexts, inner, ..
            } => Some((contexts.clone(), inner.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no merged watch in {effects:?}"))
}

/// Deployments of both clusters, the cursor on the first row of `on`.
fn merged_deployments(app: &mut App, on: &str) {
    keys(app, ":deploy @all<enter>");
    feed_group(app, HOME, deployment_rows());
    feed_group(app, PROD, deployment_rows());
    let at = (0..app.view.store.visible_len())
        .position(|i| {
            app.view
                .store
                .visible_row(i)
                .is_some_and(|r| r.key.context.as_deref() == Some(on))
        })
        .unwrap();
    app.view.selected = at;
}

#[test]
fn a_selection_opens_one_table_across_the_chosen_clusters_with_a_context_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    // A plain name is still a switch; a selection is a merge, and its watch names every context.
    let eff = keys(&mut app, ":pods all @all<enter>");
    let (contexts, inner) = merged_watch(&eff);
    assert_eq!(contexts, [HOME, PROD]);
    let Inner::Resource(target) = inner else {
        panic!("{inner:?}")
    };
    assert_eq!(
        (target.kind.plural.as_str(), target.namespace),
        ("pods", None)
    );
    assert_eq!(
        app.view.spec.clusters(),
        Some(&Clusters {
            label: "all".into(),
            contexts: vec![HOME.into(), PROD.into()],
        })
    );
    // The session is untouched: still connected to kdeck-sim, in shop.
    assert_eq!(app.session.context.as_deref(), Some(HOME));
    assert_eq!(app.session.namespace.as_deref(), Some("shop"));
    // One cluster lists, the other cannot be reached yet: its own row says so.
    feed_group(&mut app, HOME, pod_rows());
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::ResetGroup {
            context: Arc::from(PROD),
            rows: vec![cluster_row(
                &Arc::from(PROD),
                "unreachable (again in 10s): no answer from the server within 8s".into(),
                Tone::Error,
            )],
        }),
    }));
    snap!("merged_pods_one_unreachable", text(&app));
    // It comes back: its rows replace its row, kdeck-sim's stay as they are.
    feed_group(&mut app, PROD, pod_rows());
    let contexts: Vec<String> = app
        .view
        .store
        .keys()
        .map(|k| k.context.as_deref().unwrap_or("-").to_string())
        .collect();
    let n = pod_rows().len();
    assert_eq!(contexts.len(), 2 * n);
    assert!(contexts[..n].iter().all(|c| c == HOME), "{contexts:?}");
    assert!(contexts[n..].iter().all(|c| c == PROD), "{contexts:?}");
    // A filter spans the clusters.
    keys(&mut app, "/web<enter>");
    snap!("merged_pods_filtered", text(&app));
    let shown: Vec<String> = (0..app.view.store.visible_len())
        .map(|i| {
            let k = &app.view.store.visible_row(i).unwrap().key;
            format!("{}:{}", k.context.as_deref().unwrap(), k.name)
        })
        .collect();
    assert!(shown.iter().any(|s| s.starts_with(HOME)), "{shown:?}");
    assert!(shown.iter().any(|s| s.starts_with(PROD)), "{shown:?}");
    assert!(shown.iter().all(|s| s.contains("web")), "{shown:?}");
}

#[test]
fn globs_and_lists_choose_contexts_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let (contexts, _) = merged_watch(&keys(&mut app, ":deploy @prod-*<enter>"));
    assert_eq!(contexts, [PROD]);
    let (contexts, _) = merged_watch(&keys(&mut app, &format!(":svc @{PROD},{HOME}<enter>")));
    assert_eq!(contexts, [HOME, PROD], "kubeconfig order");
    let (_, inner) = merged_watch(&keys(&mut app, ":xray deploy shop @all<enter>"));
    assert!(matches!(inner, Inner::Xray { namespace: Some(ref n), .. } if n == "shop"));
    let before = app.view.spec.clone();
    assert!(keys(&mut app, ":pods @qa-*<enter>").is_empty());
    assert_eq!(app.view.spec, before);
    let flash = app.flash.as_ref().unwrap();
    assert!(flash.error && flash.text.contains("no context matches \"qa-*\""));
    keys(&mut app, ":pods @kdeck-sim,nope<enter>");
    assert!(app.flash.as_ref().unwrap().text.contains("\"nope\""));
}

#[test]
fn every_verb_on_a_row_goes_to_the_rows_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    merged_deployments(&mut app, PROD);
    let name = app.selected_row().unwrap().key.name.to_string();
    // Scale: the dialog says where, and the effect carries the row's context.
    keys(&mut app, "s");
    assert!(
        text(&app).contains(&format!("scale @{PROD}")),
        "{}",
        text(&app)
    );
    let dialog = app.dialog.as_ref().unwrap().id();
    let eff = keys(&mut app, "<bs>5<enter>");
    let [
        Effect::Scale {
            target, replicas, ..
        },
    ] = &eff[..]
    else {
        panic!("{eff:?}")
    };
    assert_eq!(
        (target.name.as_str(), target.context.as_deref(), *replicas),
        (name.as_str(), Some(PROD), 5)
    );
    app.update(Msg::ActionDone {
        dialog,
        result: Ok("scaled".into()),
    });
    // Describe fetches from there too.
    let eff = keys(&mut app, "d");
    assert!(
        eff.iter()
            .any(|e| matches!(e, Effect::FetchObject { target, .. }
            if target.context.as_deref() == Some(PROD))),
        "{eff:?}"
    );
    keys(&mut app, "<esc>");
    // A drill-down stays in the row's cluster: the deployment's pods are watched there only.
    let eff = keys(&mut app, "<enter>");
    let (contexts, _) = merged_watch(&eff);
    assert_eq!(contexts, [PROD]);
    assert!(matches!(
        &app.view.spec,
        ViewSpec::Resource {
            labels: Some(_),
            ..
        }
    ));
    // And a row of the connected cluster stays a row of the connected cluster.
    keys(&mut app, "<esc>");
    merged_deployments(&mut app, HOME);
    keys(&mut app, "s");
    let eff = keys(&mut app, "<bs>4<enter>");
    assert!(
        matches!(&eff[..], [Effect::Scale { target, .. }] if target.context.as_deref() == Some(HOME)),
        "{eff:?}"
    );
}

#[test]
fn read_only_and_guard_rules_are_the_rows_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.config.readonly_contexts = vec!["prod-*".into()];
    merged_deployments(&mut app, PROD);
    assert!(keys(&mut app, "s").is_empty());
    assert!(app.dialog.is_none());
    let flash = app.flash.clone().unwrap();
    assert!(
        flash.error
            && flash.text.contains("readonly pattern 'prod-*'")
            && flash.text.contains(PROD),
        "{flash:?}"
    );
    // The connected cluster's rows are not read-only.
    merged_deployments(&mut app, HOME);
    keys(&mut app, "s");
    assert!(app.dialog.is_some());
    keys(&mut app, "<esc>");
    // A bulk verb whose marks include a read-only cluster's row is refused whole.
    keys(&mut app, " ");
    merged_deployments(&mut app, PROD);
    keys(&mut app, " ");
    keys(&mut app, "<ctrl-d>");
    assert!(app.dialog.is_none());
    assert!(app.flash.as_ref().unwrap().text.contains("unmark"));
}

#[test]
fn a_bulk_delete_across_two_guarded_clusters_asks_for_each() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.config.guarded_contexts = vec!["*".into()];
    // The connected context's rules are the session's, resolved when it connected.
    app.adopt_context(HOME);
    keys(&mut app, ":deploy @all<enter>");
    feed_group(&mut app, HOME, deployment_rows());
    feed_group(&mut app, PROD, deployment_rows());
    // Two rows of kdeck-sim, three of prod-eu-1.
    keys(&mut app, "g");
    keys(&mut app, "  <down>   ");
    assert_eq!(app.view.marks.len(), 5, "{:?}", app.view.marks);
    keys(&mut app, "<ctrl-d>");
    let screen = text(&app);
    assert!(screen.contains("Delete 5 marked deployments?"), "{screen}");
    assert!(
        screen.contains(&format!("Guarded context {HOME} (1 of 2): type 2")),
        "{screen}"
    );
    assert!(screen.contains(&format!("shop/web @{PROD}")), "{screen}");
    // The total is not what it asks for.
    assert!(keys(&mut app, "5<enter>").is_empty());
    assert!(text(&app).contains("type 2 to confirm"));
    assert!(keys(&mut app, "<bs>2<enter>").is_empty());
    let screen = text(&app);
    assert!(
        screen.contains(&format!("Guarded context {PROD} (2 of 2): type 3")),
        "{screen}"
    );
    snap!("merged_bulk_second_guard", screen);
    let eff = keys(&mut app, "3<enter>");
    let [Effect::Bulk { targets, .. }] = &eff[..] else {
        panic!("{eff:?}")
    };
    let mut per: Vec<(Option<String>, usize)> = Vec::new();
    for t in targets {
        match per.iter_mut().find(|(c, _)| *c == t.context) {
            Some((_, n)) => *n += 1,
            None => per.push((t.context.clone(), 1)),
        }
    }
    assert_eq!(
        per,
        [(Some(HOME.to_string()), 2), (Some(PROD.to_string()), 3)]
    );
}

#[test]
fn a_clusters_own_row_explains_itself_and_a_login_runs_on_enter() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":pods @all<enter>");
    let long = format!("unreachable (again in 10s): {}", "x".repeat(200));
    let view = app.view.id;
    for (ctx, text, tone) in [
        (HOME, long.clone(), Tone::Error),
        (
            PROD,
            "needs login (enter to log in)".to_string(),
            Tone::Warning,
        ),
    ] {
        app.update(Msg::Watch(WatchMsg {
            view,
            note: WatchNote::Delta(Delta::ResetGroup {
                context: Arc::from(ctx),
                rows: vec![cluster_row(&Arc::from(ctx), text, tone)],
            }),
        }));
    }
    // No object behind it: no verb applies, enter shows the whole message.
    assert!(app.selected_object().is_none());
    assert!(keys(&mut app, "<enter>").is_empty());
    assert_eq!(app.flash.as_ref().unwrap().text, format!("{HOME}: {long}"));
    assert!(keys(&mut app, "d").is_empty());
    let eff = keys(&mut app, "<down><enter>");
    assert_eq!(
        eff,
        [Effect::Login {
            context: PROD.into()
        }]
    );
    // Logged in: the merged view watches again (its rows stay until replaced).
    let eff = app.update(Msg::LoggedIn(Ok(PROD.into())));
    assert_eq!(merged_watch(&eff).0, [HOME, PROD]);
}

#[test]
fn started_on_a_merged_view_it_opens_at_once_and_stays_whatever_the_connection_answers() {
    use crate::tui::app::{Connection, Options, ServerInfo};
    for answer in [
        Err("no answer from the server within 8s".to_string()),
        Ok(ServerInfo::default()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app_with(
            dir.path(),
            "default",
            Options {
                context: Some(HOME.into()),
                command: Some("deploy @all".into()),
                merged: true,
                all_namespaces: true,
                ..Default::default()
            },
        );
        app.size = (120, 30);
        let eff = app.start();
        // The connection is asked for first, so its stop of the old watch comes before the merged one.
        let connect = eff
            .iter()
            .position(|e| matches!(e, Effect::Connect { .. }))
            .unwrap();
        let watch = eff
            .iter()
            .position(|e| matches!(e, Effect::WatchMerged { .. }))
            .unwrap();
        assert!(connect < watch, "{eff:?}");
        assert_eq!(merged_watch(&eff).0, [HOME, PROD]);
        feed_group(&mut app, PROD, deployment_rows());
        let failed = answer.is_err();
        let eff = app.update(Msg::Connected {
            context: HOME.into(),
            result: answer,
        });
        assert!(
            !eff.iter().any(|e| matches!(
                e,
                Effect::StopWatch | Effect::WatchMerged { .. } | Effect::Watch { .. }
            )),
            "{eff:?}"
        );
        assert_eq!(
            app.view.spec.clusters().map(|c| c.label.as_str()),
            Some("all")
        );
        assert_eq!(app.view.store.len(), deployment_rows().len());
        assert_eq!(
            matches!(app.connection, Connection::Failed(_)),
            failed,
            "{:?}",
            app.connection
        );
        assert_eq!(app.session.namespace, None, "-A");
    }
}

#[test]
fn a_plugin_on_a_merged_row_gets_the_rows_context() {
    use crate::tui::extensions::parse_plugins;
    let dir = tempfile::tempdir().unwrap();
    let plugins = parse_plugins(
        std::path::Path::new("plugins.yaml"),
        "plugins:\n  where:\n    shortCut: Ctrl-E\n    scopes: [deployments]\n    background: true\n    command: echo\n    args: [$CONTEXT, $CLUSTER, $NAME]\n",
    )
    .unwrap();
    let mut app = connected_with(
        dir.path(),
        crate::tui::app::Options {
            plugins,
            ..Default::default()
        },
    );
    merged_deployments(&mut app, PROD);
    let name = app.selected_row().unwrap().key.name.to_string();
    let eff = keys(&mut app, "<ctrl-e>");
    let [Effect::Plugin { args, env, .. }] = &eff[..] else {
        panic!("{eff:?}")
    };
    assert_eq!(args, &[PROD.to_string(), "prod-eu".to_string(), name]);
    assert!(
        env.contains(&("CONTEXT".to_string(), PROD.to_string())),
        "{env:?}"
    );
}

#[test]
fn ns_in_a_merged_view_keeps_its_clusters_and_is_not_checked_against_the_connected_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":pods all @all<enter>");
    // "payments" is not a namespace of the connected cluster; the merged view's clusters may have it.
    let eff = keys(&mut app, ":ns payments<enter>");
    let (contexts, inner) = merged_watch(&eff);
    assert_eq!(contexts, [HOME, PROD]);
    let Inner::Resource(target) = inner else {
        panic!("{inner:?}")
    };
    assert_eq!(target.namespace.as_deref(), Some("payments"));
    assert_eq!(
        app.session.namespace.as_deref(),
        Some("shop"),
        "the session's own"
    );
    let eff = keys(&mut app, ":ns all<enter>");
    assert_eq!(merged_watch(&eff).0, [HOME, PROD]);
    assert_eq!(app.view.spec.title_scope(), "all");
}
