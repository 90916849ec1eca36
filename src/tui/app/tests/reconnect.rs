//! A kubeconfig reload that changes the credentials of the context in use: the app reconnects in place
//! (view, page and back stack kept; watch and log stream restarted), says what changed without showing
//! a value, and leaves other changes alone.

use super::logs_fixtures::{send, streaming_app};
use crate::kubeconfig::KubeconfigSet;
use crate::tui::app::{Connection, Effect, Msg, ServerInfo};
use crate::tui::test_support::*;

/// The test kubeconfig with `from` replaced by `to`, loaded from a file of its own.
fn edited(dir: &std::path::Path, from: &str, to: &str) -> KubeconfigSet {
    assert!(KUBECONFIG.contains(from), "{from}");
    let p = dir.join("edited");
    std::fs::write(&p, KUBECONFIG.replace(from, to)).unwrap();
    KubeconfigSet::load(Some(&p)).unwrap()
}

fn reconnected() -> Msg {
    Msg::Connected {
        context: "kdeck-sim".into(),
        result: Ok(ServerInfo {
            git_version: "v1.33.2".into(),
            ..Default::default()
        }),
    }
}

#[test]
fn a_new_token_reconnects_in_place_and_restarts_the_watch() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    keys(&mut app, "j");
    let view = app.view.id;
    let eff = app.update(Msg::KubeconfigReloaded(Ok(edited(
        dir.path(),
        "not-a-real-token",
        "rotated-token",
    ))));
    assert_eq!(
        eff,
        vec![Effect::Reconnect {
            context: "kdeck-sim".into()
        }]
    );
    assert_eq!(app.connection, Connection::Reconnecting("kdeck-sim".into()));
    let flash = app.flash.clone().unwrap();
    assert!(flash.text.contains("user admin"), "{flash:?}");
    assert!(
        !flash.text.contains("rotated-token"),
        "never a credential: {flash:?}"
    );
    assert!(text(&app).contains("new credentials: reconnecting"));

    let eff = app.update(reconnected());
    assert_eq!(app.connection, Connection::Connected);
    let watch = eff.iter().find_map(|e| match e {
        Effect::Watch { view, target } => Some((*view, target.kind.plural.clone())),
        _ => None,
    });
    assert_eq!(watch, Some((view, "deployments".to_string())), "{eff:?}");
    assert_eq!(
        app.view.id, view,
        "the same view, rows kept until the new list"
    );
    assert_eq!(app.view.store.len(), 3);
    assert_eq!(app.view.selected, 1);
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .contains("reconnected to kdeck-sim")
    );
    // The back stack survived: esc returns to the pods the app opened on.
    let eff = keys(&mut app, "<esc>");
    assert!(
        eff.iter()
            .any(|e| matches!(e, Effect::Watch { target, .. } if target.kind.plural == "pods"))
    );
}

#[test]
fn an_open_log_stream_restarts_on_the_new_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = streaming_app(dir.path(), 100);
    send(
        &mut app,
        vec![super::logs_fixtures::line("web-7d9f-a1b", "c", "before")],
    );
    let eff = app.update(Msg::KubeconfigReloaded(Ok(edited(
        dir.path(),
        "server: 'https://127.0.0.1:6443'",
        "server: 'https://127.0.0.1:7443'",
    ))));
    assert_eq!(eff.len(), 1, "{eff:?}");
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .contains("cluster kdeck-sim")
    );
    let eff = app.update(reconnected());
    let restarted = eff.iter().find_map(|e| match e {
        Effect::StartLogs { stream, .. } => Some(*stream),
        _ => None,
    });
    assert_eq!(restarted, Some(2), "{eff:?}");
    assert!(app.page.is_some(), "the logs page stays open");
}

#[test]
fn changes_that_do_not_touch_the_context_in_use_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    // prod-eu-1 uses another cluster entry; its server moved.
    let set = edited(
        dir.path(),
        "server: 'https://127.0.0.1:6444'",
        "server: 'https://127.0.0.1:6445'",
    );
    assert!(app.update(Msg::KubeconfigReloaded(Ok(set))).is_empty());
    assert_eq!(app.connection, Connection::Connected);
    assert!(app.flash.is_none());
}

#[test]
fn a_failed_connection_is_tried_again_and_a_failed_reconnect_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(dir.path(), "default", Default::default());
    app.start();
    app.update(Msg::Connected {
        context: "kdeck-sim".into(),
        result: Err("Unauthorized (401)".into()),
    });
    assert!(matches!(app.connection, Connection::Failed(_)));
    let eff = app.update(Msg::KubeconfigReloaded(Ok(edited(
        dir.path(),
        "not-a-real-token",
        "fresh-token",
    ))));
    assert!(
        eff.contains(&Effect::Connect {
            context: "kdeck-sim".into()
        }),
        "{eff:?}"
    );
    let eff = app.update(reconnected());
    assert!(
        eff.iter().any(|e| matches!(e, Effect::Watch { .. })),
        "{eff:?}"
    );
    assert_eq!(app.connection, Connection::Connected);

    // Connected now; the next rewrite breaks the credentials: shown as any failed connection.
    app.update(Msg::KubeconfigReloaded(Ok(edited(
        dir.path(),
        "not-a-real-token",
        "broken",
    ))));
    app.update(Msg::Connected {
        context: "kdeck-sim".into(),
        result: Err("Unauthorized (401)".into()),
    });
    assert!(
        matches!(&app.connection, Connection::Failed(m) if m.contains("401")),
        "{:?}",
        app.connection
    );
}

#[test]
fn moved_forwards_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.update(Msg::ForwardsMoved {
        moved: 2,
        failed: vec![],
    });
    let f = app.flash.clone().unwrap();
    assert!(
        !f.error && f.text.starts_with("2 port-forward(s) moved"),
        "{f:?}"
    );
    app.update(Msg::ForwardsMoved {
        moved: 0,
        failed: vec!["svc/web -n shop port 80: forbidden".into()],
    });
    let f = app.flash.clone().unwrap();
    assert!(f.error && f.text.contains("forbidden"), "{f:?}");
}
