//! Keys → dialog state → effects for scale, restart and delete (port-forward: forward_tests.rs), the
//! read-only refusals, the guarded typed name, validation errors shown inside the dialogs, and snapshots
//! of each dialog.

use serde_json::{Value, json};

use crate::cluster::actions::{ActionError, DeleteOptions};
use crate::tui::app::{App, Effect, Msg, Options, ServerInfo};
use crate::tui::dialogs::Dialog;
use crate::tui::dialogs::delete::DeleteField;
use crate::tui::msg::Fetched;
use crate::tui::test_support::*;

fn fetched(object: Value) -> Msg {
    Msg::Fetched {
        page: 0,
        result: Box::new(Ok(Fetched {
            object,
            events: vec![],
            related: Default::default(),
            now: jiff::Timestamp::from_second(NOW).unwrap(),
            tz: jiff::tz::TimeZone::UTC,
        })),
    }
}

/// Answers the dialog's GET with `object`.
pub(super) fn answer(app: &mut App, object: Value) -> Vec<Effect> {
    let id = app.dialog.as_ref().expect("a dialog").id();
    match fetched(object) {
        Msg::Fetched { result, .. } => app.update(Msg::Fetched { page: id, result }),
        _ => unreachable!(),
    }
}

pub(super) fn dialog_id(app: &App) -> u64 {
    app.dialog.as_ref().expect("a dialog").id()
}

pub(super) fn error_of(app: &App) -> Option<String> {
    app.dialog.as_ref().and_then(|d| d.base().error.clone())
}

/// Connected, on deployments in `shop` (rows: cart, search, web) with `web` selected.
pub(super) fn on_web_deployment(dir: &std::path::Path) -> App {
    let mut app = connected_app(dir);
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    keys(&mut app, "jj");
    assert_eq!(&*app.selected_row().unwrap().key.name, "web");
    app
}

#[test]
fn scale_shows_current_count_validates_and_submits() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    let eff = keys(&mut app, "s");
    let id = dialog_id(&app);
    assert_eq!(
        eff,
        vec![Effect::FetchObject {
            page: id,
            target: app.selected_object().unwrap(),
            with_related: false,
        }]
    );
    assert!(text(&app).contains("current replicas  loading…"));
    answer(&mut app, json!({"spec": {"replicas": 3}}));
    let Some(Dialog::Scale(d)) = &app.dialog else {
        panic!("scale dialog")
    };
    assert_eq!((d.current, d.input.text.as_str()), (Some(3), "3"));
    // Not a number, then negative: the error is inside the dialog and nothing is sent.
    assert!(keys(&mut app, "<bs>x<enter>").is_empty());
    assert!(
        error_of(&app)
            .unwrap()
            .contains("\"x\" is not a whole number")
    );
    assert!(text(&app).contains("✗ \"x\" is not a whole number"));
    assert!(keys(&mut app, "<bs>-1<enter>").is_empty());
    assert!(error_of(&app).unwrap().contains("0 or more"));
    keys(&mut app, "<bs><bs>4<up>");
    assert_eq!(error_of(&app), None, "typing clears the error");
    snap!("dialog_scale", text(&app));
    let eff = keys(&mut app, "<enter>");
    assert_eq!(
        eff,
        vec![Effect::Scale {
            dialog: id,
            target: app.selected_object().unwrap(),
            replicas: 5,
        }]
    );
    assert!(app.dialog.as_ref().unwrap().base().busy);
    assert!(
        keys(&mut app, "9<enter>").is_empty(),
        "busy: keys are ignored"
    );
    app.update(Msg::ActionDone {
        dialog: id,
        result: Ok("scaled deployment/shop/web to 5 replicas".into()),
    });
    assert!(app.dialog.is_none());
    let flash = app.flash.clone().unwrap();
    assert!(!flash.error && flash.text.contains("to 5 replicas"));
}

#[test]
fn server_refusal_is_shown_in_the_dialog_and_flashed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "s");
    let id = dialog_id(&app);
    answer(&mut app, json!({"spec": {"replicas": 3}}));
    keys(&mut app, "<bs>5<enter>");
    // Exactly what the runner sends for a 403: the engine's error, with the server's own message.
    let status = kube::core::Status::failure(
        "deployments.apps \"web\" is forbidden: User \"viewer\" cannot patch resource \"deployments/scale\"",
        "Forbidden",
    )
    .with_code(403);
    let err = ActionError::from_kube(
        "scale",
        "deployments shop/web".into(),
        kube::Error::Api(Box::new(status)),
    );
    app.update(Msg::ActionDone {
        dialog: id,
        result: Err(err.to_string()),
    });
    let flash = app.flash.clone().unwrap();
    assert!(flash.error);
    assert!(
        flash
            .text
            .contains("User \"viewer\" cannot patch resource \"deployments/scale\""),
        "{}",
        flash.text
    );
    let d = app.dialog.as_ref().expect("the dialog stays open");
    assert!(!d.base().busy);
    assert!(d.base().error.as_ref().unwrap().contains("403 Forbidden"));
    snap!("dialog_scale_forbidden", text(&app));
    keys(&mut app, "<esc>");
    assert!(app.dialog.is_none());
}

#[test]
fn scale_and_restart_apply_to_the_kinds_kubectl_allows() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":ds monitoring<enter>");
    feed(&mut app, daemonset_rows());
    assert!(keys(&mut app, "s").is_empty() && app.dialog.is_none());
    keys(&mut app, "r");
    assert!(matches!(app.dialog, Some(Dialog::Restart(_))));
    keys(&mut app, "<esc>:rs shop<enter>");
    feed(&mut app, replicaset_rows());
    keys(&mut app, "r");
    assert!(
        app.dialog.is_none(),
        "replicasets cannot be rollout-restarted"
    );
    keys(&mut app, "s");
    assert!(matches!(app.dialog, Some(Dialog::Scale(_))));
    keys(&mut app, "<esc>:sts data<enter>");
    feed(&mut app, statefulset_rows());
    keys(&mut app, "r");
    assert!(matches!(app.dialog, Some(Dialog::Restart(_))));
    keys(&mut app, "<esc>:cm<enter>");
    feed(&mut app, configmap_rows());
    assert!(keys(&mut app, "sF").is_empty() && app.dialog.is_none());
}

#[test]
fn restart_confirms_with_enter_or_y() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    assert!(keys(&mut app, "r").is_empty(), "restart needs no GET");
    snap!("dialog_restart", text(&app));
    keys(&mut app, "n");
    assert!(app.dialog.is_none());
    keys(&mut app, "r");
    let id = dialog_id(&app);
    let target = app.selected_object().unwrap();
    assert_eq!(
        keys(&mut app, "y"),
        vec![Effect::Restart { dialog: id, target }]
    );
}

/// Connected, on pods in `shop` with `web-7d9f-a1b` selected.
pub(super) fn on_pod(app: &mut App) {
    feed(
        app,
        pod_rows()
            .into_iter()
            .filter(|r| &*r.key.namespace == "shop")
            .collect(),
    );
    keys(app, "/a1b<enter>");
    assert_eq!(&*app.selected_row().unwrap().key.name, "web-7d9f-a1b");
}

#[test]
fn delete_with_grace_and_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    on_pod(&mut app);
    let eff = keys(&mut app, "<ctrl-d>");
    assert!(matches!(eff[..], [Effect::FetchObject { .. }]));
    answer(
        &mut app,
        json!({"spec": {"terminationGracePeriodSeconds": 45}}),
    );
    assert!(text(&app).contains("empty = the pod's own, 45s"));
    snap!("dialog_delete", text(&app));
    keys(&mut app, "1x<enter>");
    assert!(error_of(&app).unwrap().contains("must be whole seconds"));
    keys(&mut app, "<bs>0<tab> ");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("delete dialog")
    };
    assert!(d.force && d.focus == DeleteField::Force);
    snap!("dialog_delete_force", text(&app));
    let id = dialog_id(&app);
    let eff = keys(&mut app, "<enter>");
    assert_eq!(
        eff,
        vec![Effect::Delete {
            dialog: id,
            target: app.selected_object().unwrap(),
            options: DeleteOptions {
                grace_period: Some(10),
                force: true
            },
        }]
    );
}

#[test]
fn ctrl_k_kills_a_pod_after_one_confirmation_and_only_pods() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    on_pod(&mut app);
    keys(&mut app, "<ctrl-k>");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("kill opens the delete confirmation")
    };
    assert!(d.force, "kill is a forced delete");
    let id = dialog_id(&app);
    let eff = keys(&mut app, "<enter>");
    assert_eq!(
        eff,
        vec![Effect::Delete {
            dialog: id,
            target: app.selected_object().unwrap(),
            options: DeleteOptions {
                grace_period: None,
                force: true
            },
        }]
    );
    // Not on a deployment.
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "<ctrl-k>");
    assert!(app.dialog.is_none());
}

#[test]
fn marked_rows_are_deleted_after_one_confirmation_listing_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    feed(
        &mut app,
        pod_rows()
            .into_iter()
            .filter(|r| &*r.key.namespace == "shop")
            .collect(),
    );
    // space marks and moves down; ctrl-space marks the range from the last mark; ctrl-\ clears.
    keys(&mut app, " ");
    keys(&mut app, "<down><down><ctrl- >");
    assert_eq!(app.view.marks.len(), 4, "{:?}", app.view.marks);
    keys(&mut app, "<ctrl-\\>");
    assert!(app.view.marks.is_empty());
    keys(&mut app, " <down> ");
    let marked: Vec<String> = app.view.marks.iter().map(|k| k.name.to_string()).collect();
    assert_eq!(marked.len(), 2);
    keys(&mut app, "<ctrl-d>");
    let screen = text(&app);
    assert!(screen.contains("Delete 2 marked pods?"), "{screen}");
    for name in &marked {
        assert!(screen.contains(name.as_str()), "{screen}");
    }
    let id = dialog_id(&app);
    let eff = keys(&mut app, "<enter>");
    let [Effect::Bulk { targets, .. }] = &eff[..] else {
        panic!("{eff:?}")
    };
    let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    // One row fails, the other goes: both are reported, the marks stay until all went through.
    app.update(Msg::BulkProgress {
        dialog: id,
        index: 0,
        result: Ok("deleted".into()),
    });
    app.update(Msg::BulkProgress {
        dialog: id,
        index: 1,
        result: Err("pods \"x\" is forbidden".into()),
    });
    app.update(Msg::ActionDone {
        dialog: id,
        result: Err("deleted 1 of 2; 1 failed (see each row)".into()),
    });
    let screen = text(&app);
    assert!(screen.contains("✓") && screen.contains("✗"), "{screen}");
    assert_eq!(app.view.marks.len(), 2);
}

#[test]
fn delete_with_defaults_sends_no_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    assert!(
        keys(&mut app, "<ctrl-d>").is_empty(),
        "only pods load a grace period"
    );
    assert!(text(&app).contains("empty = the object's default"));
    let eff = keys(&mut app, "<enter>");
    assert!(matches!(
        eff[..],
        [Effect::Delete {
            options: DeleteOptions {
                grace_period: None,
                force: false
            },
            ..
        }]
    ));
}

/// An app connected to the guarded `prod-eu-1`, on pods in `shop`.
fn guarded_app(dir: &std::path::Path) -> App {
    let mut app = connected_app(dir);
    keys(&mut app, ":pods shop @prod-eu-1<enter>");
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo {
            git_version: "v1.33.2".into(),
            ..Default::default()
        }),
    });
    app.update(Msg::Namespaces(Ok(vec!["default".into(), "shop".into()])));
    assert!(app.session.guarded);
    app
}

#[test]
fn guarded_delete_needs_the_name_typed_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = guarded_app(dir.path());
    on_pod(&mut app);
    keys(&mut app, "<ctrl-d>");
    answer(&mut app, json!({"spec": {}}));
    assert!(text(&app).contains("delete (disabled: type the name)"));
    assert!(keys(&mut app, "<enter>").is_empty());
    assert!(
        error_of(&app)
            .unwrap()
            .contains("type the name \"web-7d9f-a1b\"")
    );
    assert!(
        keys(&mut app, "web-7d9f<enter>").is_empty(),
        "a prefix is not enough"
    );
    snap!("dialog_delete_guarded", text(&app));
    let eff = keys(&mut app, "-a1b<enter>");
    assert!(matches!(eff[..], [Effect::Delete { .. }]), "{eff:?}");
    // The focus cycles grace → force → name.
    keys(&mut app, "<esc><ctrl-d>");
    keys(&mut app, "<tab>");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("delete dialog")
    };
    assert_eq!(d.focus, DeleteField::Grace);
    keys(&mut app, "<backtab>");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("delete dialog")
    };
    assert_eq!(d.focus, DeleteField::Name);
}

#[test]
fn readonly_refuses_every_verb_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::default();
    options.safety.readonly_flag = true;
    let mut app = connected_with(dir.path(), options);
    assert!(app.session.readonly);
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    for (key, verb) in [
        ("s", "scale"),
        ("r", "restart"),
        ("<ctrl-d>", "delete"),
        ("F", "port-forward"),
    ] {
        app.flash = None;
        assert!(keys(&mut app, key).is_empty(), "{verb}");
        assert!(app.dialog.is_none(), "{verb} opened a dialog");
        let flash = app.flash.clone().unwrap();
        assert!(flash.error);
        assert_eq!(
            flash.text,
            format!("cannot {verb}: read-only: --readonly flag")
        );
    }
}

#[test]
fn submit_checks_readonly_again_and_a_context_switch_closes_the_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "r");
    app.session.readonly = true;
    assert!(keys(&mut app, "<enter>").is_empty());
    assert!(app.dialog.is_none());
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .starts_with("cannot restart: read-only")
    );
    app.session.readonly = false;
    // The dialog takes every key: `:` goes into it, not to command mode.
    keys(&mut app, "s:");
    assert!(matches!(app.dialog, Some(Dialog::Scale(_))));
    assert_eq!(app.mode, crate::tui::app::Mode::Normal);
    // A context switch (here one a watcher of kubeconfig started) closes it: its object belongs to the
    // previous context.
    app.connection = crate::tui::app::Connection::Connecting("prod-eu-1".into());
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo::default()),
    });
    assert!(app.dialog.is_none());
}

#[test]
fn a_late_answer_for_a_closed_dialog_is_only_flashed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "r");
    let id = dialog_id(&app);
    keys(&mut app, "<enter>");
    keys(&mut app, "<esc>");
    assert!(app.dialog.is_none(), "esc hides a busy dialog");
    keys(&mut app, "s");
    app.update(Msg::ActionDone {
        dialog: id,
        result: Err("restart deployments shop/web: not found (404 NotFound)".into()),
    });
    assert!(app.flash.clone().unwrap().error);
    assert_eq!(error_of(&app), None, "another dialog is not touched");
}

fn help_text(app: &App) -> String {
    let applies = |a| app.applies(a);
    let help = crate::tui::widgets::help::Help {
        keymap: &app.keymap,
        place: app.place(),
        readonly: app.session.readonly,
        applies: &applies,
        scroll: 0,
    };
    crate::tui::widgets::help::lines(&help, &app.theme)
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn help_lists_the_verbs_that_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    let t = help_text(&app);
    for want in [
        "s Scale (asks for replicas)",
        "r Rollout restart (asks first)",
        "ctrl-d Delete (asks first)",
        "shift-f Port-forward (asks for ports)",
    ] {
        assert!(t.contains(want), "{want} missing:\n{t}");
    }
    assert!(!t.contains("Stop the selected port-forward"), "{t}");
    keys(&mut app, ":ds monitoring<enter>");
    let t = help_text(&app);
    assert!(
        t.contains("Rollout restart") && !t.contains("Scale (asks"),
        "{t}"
    );
    keys(&mut app, ":pf<enter>");
    let t = help_text(&app);
    assert!(t.contains("ctrl-d Stop the selected port-forward"), "{t}");
    assert!(!t.contains("Delete (asks first)"), "{t}");
}
