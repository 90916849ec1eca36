//! `:` commands as k9s users type them: namespaces and contexts are checked before they are used, an
//! unknown name never becomes a favourite, and `-l` selects by label.

use super::watch_target;
use crate::tui::app::{Msg, ServerInfo};
use crate::tui::test_support::*;

fn flash(app: &crate::tui::app::App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

#[test]
fn unknown_namespaces_are_refused_and_never_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let before = app.favourites.clone();
    let spec = app.view.spec.clone();
    for typed in [":ns does-not-exist<enter>", ":pods does-not-exist<enter>"] {
        let effects = keys(&mut app, typed);
        assert!(effects.is_empty(), "{typed}: {effects:?}");
        assert!(
            flash(&app).contains("namespace \"does-not-exist\" not found in context kdeck-sim"),
            "{typed}: {}",
            flash(&app)
        );
        assert_eq!(app.view.spec, spec, "{typed}: the view stays");
    }
    let e = keys(&mut app, ":pods app=cart<enter>");
    assert!(e.is_empty());
    assert!(
        flash(&app).contains("for labels use -l app=cart"),
        "{}",
        flash(&app)
    );
    keys(&mut app, ":pods /kafka<enter>");
    assert!(
        flash(&app).contains("to filter, press / and type kafka"),
        "{}",
        flash(&app)
    );
    assert_eq!(app.favourites, before, "nothing was saved");
    assert!(
        !app.saved_favourites
            .values()
            .flatten()
            .any(|n| n.contains("exist") || n.contains('=') || n.contains('/'))
    );
    // A listed namespace works and is saved.
    let t = watch_target(&keys(&mut app, ":ns data<enter>"));
    assert_eq!(t.namespace.as_deref(), Some("data"));
    assert_eq!(app.favourites.first().map(String::as_str), Some("data"));
}

#[test]
fn unknown_contexts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let effects = keys(&mut app, ":pods @nope<enter>");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(flash(&app).contains("no context exists with the name: \"nope\""));
}

#[test]
fn labels_select_the_watch() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let t = watch_target(&keys(&mut app, ":pods shop -l app=web,tier!=db<enter>"));
    assert_eq!(t.namespace.as_deref(), Some("shop"));
    assert_eq!(t.labels.as_deref(), Some("app=web,tier!=db"));
    keys(&mut app, ":pods -l =x<enter>");
    assert!(
        flash(&app).contains("bad label selector"),
        "{}",
        flash(&app)
    );
}

#[test]
fn a_namespace_typed_before_the_list_arrives_is_checked_when_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":pods ghost @prod-eu-1<enter>");
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo::default()),
    });
    assert_eq!(app.session.namespace.as_deref(), Some("ghost"));
    app.update(Msg::Namespaces(Ok(vec![
        "default".into(),
        "payments".into(),
    ])));
    assert!(
        flash(&app).contains("namespace \"ghost\" not found in context prod-eu-1"),
        "{}",
        flash(&app)
    );
    assert!(!app.favourites.iter().any(|n| n == "ghost"));
}

fn kind(group: &str, plural: &str, kind: &str) -> crate::cluster::kinds::KindSpec {
    crate::cluster::kinds::KindSpec {
        plural: plural.into(),
        kind: kind.into(),
        group: group.into(),
        version: "v1".into(),
        namespaced: true,
        short_names: vec![],
        builtin: None,
    }
}

#[test]
fn a_kind_discovery_did_not_know_is_looked_up_again_before_it_is_refused() {
    use crate::tui::app::Effect;
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    // A CRD applied after kdeck started: the first try asks discovery again instead of refusing.
    let effects = keys(&mut app, ":widgets<enter>");
    assert_eq!(effects, vec![Effect::Discover]);
    assert!(flash(&app).contains("looking up"), "{}", flash(&app));
    let effects = app.update(Msg::Discovered(vec![kind(
        "example.com",
        "widgets",
        "Widget",
    )]));
    let t = watch_target(&effects);
    assert_eq!(t.kind.plural, "widgets");
    // A CRD or APIService that changes while kdeck runs asks discovery again by itself.
    assert_eq!(app.update(Msg::KindsChanged), vec![Effect::Discover]);
    // Still unknown after the refresh: refused then, once.
    assert_eq!(keys(&mut app, ":gadgets<enter>"), vec![Effect::Discover]);
    let effects = app.update(Msg::Discovered(vec![]));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        flash(&app).contains("unknown command or kind \"gadgets\""),
        "{}",
        flash(&app)
    );
}

#[test]
fn enter_on_a_crd_opens_its_objects() {
    use crate::cluster::rows::{Cell, Row, RowKey, Tone};
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.update(Msg::Discovered(vec![
        crate::cluster::kinds::KindSpec {
            namespaced: false,
            ..kind(
                "apiextensions.k8s.io",
                "customresourcedefinitions",
                "CustomResourceDefinition",
            )
        },
        kind("example.com", "widgets", "Widget"),
    ]));
    keys(&mut app, ":customresourcedefinitions<enter>");
    feed(
        &mut app,
        vec![Row {
            key: RowKey::new("", "widgets.example.com"),
            cells: vec![Cell::text("widgets.example.com"), Cell::Age(Some(NOW - 60))],
            tone: Tone::Normal,
            labels: Default::default(),
            selector: None,
            object: None,
        }],
    );
    let t = watch_target(&keys(&mut app, "<enter>"));
    assert_eq!(
        (t.kind.group.as_str(), t.kind.plural.as_str()),
        ("example.com", "widgets")
    );
}
