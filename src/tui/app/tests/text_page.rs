//! The describe/YAML page: what `d`/`y`/`x`/`c` ask the runner for, the text of every kind's describe
//! (snapshots), YAML with managedFields and secret masking, search with `n`/`N`, and read-only refusal.

use serde_json::Value;

use crate::cluster::actions::ObjectRef;
use crate::cluster::kinds::KindSpec;
use crate::describe::Related;
use crate::tui::app::{App, Msg, Options};
use crate::tui::msg::{Effect, Fetched};
use crate::tui::pages::Page;
use crate::tui::pages::text::*;
use crate::tui::test_support::*;

const FIXTURES: &str = include_str!("text_fixtures.json");

fn fixture(kind: &str) -> (Value, Vec<Value>, Related) {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    let f = &all[kind];
    let list = |k: &str| f["related"][k].as_array().cloned();
    let related = Related {
        pods: list("pods").unwrap_or_default(),
        replicasets: list("replicasets").unwrap_or_default(),
        endpoint_slices: list("endpoint_slices").unwrap_or_default(),
        resource_quotas: list("resource_quotas"),
        limit_ranges: list("limit_ranges"),
        lease: f["related"].get("lease").map(|l| Ok(l.clone())),
        pods_forbidden: false,
    };
    let events = f["events"].as_array().cloned().unwrap_or_default();
    (f["object"].clone(), events, related)
}

fn fetched(kind: &str) -> Fetched {
    let (object, events, related) = fixture(kind);
    Fetched {
        object,
        events,
        related,
        now: jiff::Timestamp::from_second(NOW).unwrap(),
        tz: jiff::tz::TimeZone::UTC,
    }
}

fn widget_kind() -> KindSpec {
    KindSpec {
        plural: "widgets".into(),
        kind: "Widget".into(),
        group: "example.com".into(),
        version: "v1".into(),
        namespaced: true,
        short_names: vec![],
        builtin: None,
    }
}

fn kind_spec(app: &App, kind: &str) -> KindSpec {
    if kind == "Widget" {
        return widget_kind();
    }
    app.kinds.resolve(&kind.to_lowercase()).unwrap().clone()
}

/// Opens a page on the fixture object of `kind` and delivers it, as the runner would.
fn show(app: &mut App, kind: &str, mode: TextMode) {
    let f = fetched(kind);
    let target = ObjectRef {
        kind: kind_spec(app, kind),
        namespace: f.object["metadata"]["namespace"].as_str().map(String::from),
        name: f.object["metadata"]["name"].as_str().unwrap().to_string(),
        context: None,
    };
    let id = app.next_page_id();
    app.open_page(Page::Text(TextPage::new(id, mode, target)));
    app.update(Msg::Fetched {
        page: id,
        result: Box::new(Ok(f)),
    });
}

fn page(app: &App) -> &TextPage {
    match &app.page {
        Some(Page::Text(p)) => p,
        _ => panic!("no text page open"),
    }
}

fn screen(app: &App, h: u16) -> String {
    crate::tui::render::to_text(&frame(app, 120, h))
}

fn readonly_app(dir: &std::path::Path) -> App {
    connected_with(
        dir,
        Options {
            safety: crate::safety::SafetySources {
                readonly_flag: true,
                ..Default::default()
            },
            ..Default::default()
        },
    )
}

#[test]
fn d_y_and_esc_fetch_the_selected_object_and_return_to_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    keys(&mut app, "<down>");
    let selected = app.selected_row().unwrap().key.name.to_string();
    let effects = keys(&mut app, "d");
    let Some(Effect::FetchObject {
        target,
        with_related,
        page,
    }) = effects.last().cloned()
    else {
        panic!("describe asked for no fetch: {effects:?}");
    };
    assert_eq!(target.name, selected);
    assert_eq!(target.kind.kind, "Deployment");
    assert!(with_related, "describe needs events and related objects");
    assert_eq!(page, app.page.as_ref().unwrap().id());
    assert!(screen(&app, 24).contains("loading"));

    keys(&mut app, "<esc>");
    assert!(app.page.is_none());
    assert_eq!(app.selected_row().unwrap().key.name.to_string(), selected);

    let effects = keys(&mut app, "y");
    assert!(matches!(
        effects.last(),
        Some(Effect::FetchObject {
            with_related: false,
            ..
        })
    ));
    // A late answer for a page that was closed is dropped.
    let stale = app.page.as_ref().unwrap().id();
    keys(&mut app, "<esc>");
    app.update(Msg::Fetched {
        page: stale,
        result: Box::new(Ok(fetched("Deployment"))),
    });
    assert!(app.page.is_none());
}

#[test]
fn describe_of_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Service",
        "Node",
        "Namespace",
        "ConfigMap",
        "Secret",
        "Event",
        "Widget",
    ] {
        let mut app = connected_app(dir.path());
        show(&mut app, kind, TextMode::Describe);
        let text = screen(&app, 45);
        assert!(text.contains("Name:"), "{kind}:\n{text}");
        snap!(format!("describe_{}", kind.to_lowercase()), text);
    }
}

#[test]
fn describe_colours_keys_headers_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    show(&mut app, "Pod", TextMode::Describe);
    keys(&mut app, "G");
    let buf = frame(&app, 120, 45);
    let text = crate::tui::render::to_text(&buf);
    let row = text
        .lines()
        .position(|l| l.contains("OOMKilling"))
        .expect("the warning event is on screen") as u16;
    let col = text
        .lines()
        .nth(row as usize)
        .unwrap()
        .find("Warning")
        .unwrap() as u16;
    assert_eq!(buf[(col, row)].fg, app.theme.text.warning.fg.unwrap());
    let name_row = text.lines().position(|l| l.contains("Events:")).unwrap() as u16;
    assert_eq!(buf[(1, name_row)].fg, app.theme.text.header.fg.unwrap());
}

#[test]
fn yaml_hides_managed_fields_until_m() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    show(&mut app, "Pod", TextMode::Yaml);
    let all = |app: &App| {
        page(app)
            .lines
            .iter()
            .map(|l| l.text.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(!all(&app).contains("managedFields"));
    assert!(all(&app).contains("image: nginx:1.25"));
    snap!("yaml_pod", screen(&app, 30));
    keys(&mut app, "m");
    assert!(all(&app).contains("managedFields"));
    assert!(all(&app).contains("manager: kube-controller-manager"));
    assert!(app.flash.as_ref().unwrap().text.contains("shown"));
    keys(&mut app, "m");
    assert!(!all(&app).contains("managedFields"));
}

#[test]
fn yaml_syntax_colour() {
    let lines = yaml_lines(
        "# note\nmetadata:\n  name: web\n  replicas: 3\n- name: app\n  'a:b': true\n  password: '<9 bytes, hidden: x reveals>'\n",
    );
    let style = |i: usize, text: &str| {
        let l = &lines[i];
        let at = l.text.find(text).unwrap();
        l.spans
            .iter()
            .find(|(r, _)| r.start <= at && at < r.end)
            .map(|(_, s)| *s)
    };
    assert_eq!(style(0, "note"), Some(TextStyle::Comment));
    assert_eq!(style(1, "metadata"), Some(TextStyle::Key));
    assert_eq!(style(2, "name"), Some(TextStyle::Key));
    assert_eq!(style(2, "web"), Some(TextStyle::String));
    assert_eq!(style(3, "3"), Some(TextStyle::Number));
    assert_eq!(style(4, "name"), Some(TextStyle::Key));
    assert_eq!(style(4, "app"), Some(TextStyle::String));
    assert_eq!(style(5, "'a:b'"), Some(TextStyle::Key));
    assert_eq!(style(5, "true"), Some(TextStyle::Number));
    assert_eq!(style(6, "9 bytes"), Some(TextStyle::Masked));
}

#[test]
fn search_highlights_and_n_and_shift_n_walk_the_matches() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    app.size = (120, 20);
    show(&mut app, "Pod", TextMode::Describe);
    keys(&mut app, "/image");
    let p = page(&app);
    let first = p.matches().to_vec();
    assert!(
        first.len() >= 4,
        "Image and Image ID of two containers: {first:?}"
    );
    assert_eq!(p.current_match(), Some(0));
    keys(&mut app, "<enter>");
    keys(&mut app, "n");
    assert_eq!(page(&app).current_match(), Some(1));
    keys(&mut app, "N");
    keys(&mut app, "N");
    assert_eq!(
        page(&app).current_match(),
        Some(first.len() - 1),
        "N wraps around"
    );
    let line = first[first.len() - 1];
    let p = page(&app);
    let rows = crate::tui::layout::page_rows(app.size.1);
    assert!(
        p.scroll <= line && line < p.scroll + rows,
        "the match is on screen"
    );
    let buf = frame(&app, 120, 20);
    let text = crate::tui::render::to_text(&buf);
    let (row, l) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Image"))
        .unwrap();
    let col = l.find("Image").unwrap() as u16;
    assert_eq!(buf[(col, row as u16)].bg, app.theme.log.search.bg.unwrap());
    snap!("describe_pod_searching", text);

    keys(&mut app, "/nothing-like-this<enter>");
    assert!(app.flash.as_ref().unwrap().text.contains("not found"));
    keys(&mut app, "n");
    assert!(app.flash.as_ref().unwrap().error);
}

#[test]
fn scrolling_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    show(&mut app, "Pod", TextMode::Describe);
    let n = page(&app).lines.len();
    let rows = crate::tui::layout::page_rows(app.size.1);
    keys(&mut app, "G");
    assert_eq!(page(&app).scroll, n - rows);
    keys(&mut app, "<down><down>");
    assert_eq!(page(&app).scroll, n - rows);
    keys(&mut app, "g<up>");
    assert_eq!(page(&app).scroll, 0);
}

#[test]
fn secret_values_stay_masked_until_x() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    show(&mut app, "Secret", TextMode::Yaml);
    let all = |app: &App| screen(app, 40);
    let masked = all(&app);
    assert!(!masked.contains("s3cr3t-pw"), "{masked}");
    assert!(
        !masked.contains("czNjcjN0LXB3"),
        "base64 is not masking: {masked}"
    );
    assert!(masked.contains("<9 bytes, hidden: x reveals>"), "{masked}");
    snap!("yaml_secret_masked", masked);
    keys(&mut app, "x");
    let revealed = all(&app);
    assert!(revealed.contains("password: s3cr3t-pw"), "{revealed}");
    assert!(revealed.contains("username: admin"), "{revealed}");
    snap!("yaml_secret_revealed", revealed);
    keys(&mut app, "x");
    assert!(!all(&app).contains("s3cr3t-pw"));

    // describe: sizes until x, values after.
    keys(&mut app, "<esc>");
    show(&mut app, "Secret", TextMode::Describe);
    assert!(all(&app).contains("password:  9 bytes"));
    keys(&mut app, "x");
    assert!(all(&app).contains("s3cr3t-pw"));
}

#[test]
fn x_is_refused_in_read_only_mode_on_the_table_and_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = readonly_app(dir.path());
    keys(&mut app, ":secrets<enter>");
    feed(&mut app, secret_rows());
    let effects = keys(&mut app, "x");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.page.is_none());
    assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
    show(&mut app, "Secret", TextMode::Yaml);
    keys(&mut app, "x");
    assert!(!page(&app).revealed);
    assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
    assert!(!screen(&app, 40).contains("s3cr3t-pw"));
}

#[test]
fn x_on_the_secrets_table_opens_the_revealed_describe() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":secrets<enter>");
    feed(&mut app, secret_rows());
    let effects = keys(&mut app, "x");
    assert!(matches!(effects.last(), Some(Effect::FetchObject { .. })));
    assert!(page(&app).revealed);
    assert_eq!(page(&app).mode, TextMode::Describe);
}

#[test]
fn a_failed_fetch_is_shown_in_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    keys(&mut app, "d");
    let id = app.page.as_ref().unwrap().id();
    app.update(Msg::Fetched {
        page: id,
        result: Box::new(Err("deployments.apps \"web\" not found (404)".into())),
    });
    let text = screen(&app, 24);
    assert!(text.contains("not found (404)"), "{text}");
}

#[test]
fn c_copies_the_name_through_osc52() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    let name = app.selected_row().unwrap().key.name.to_string();
    let effects = keys(&mut app, "c");
    assert_eq!(effects, vec![Effect::Copy(name.clone())]);
    let seq = crate::tui::event_loop::osc52(&name);
    assert!(seq.starts_with("\x1b]52;c;") && seq.ends_with('\x07'));
    use base64::Engine as _;
    let payload = &seq[7..seq.len() - 1];
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .unwrap();
    assert_eq!(decoded, name.as_bytes());
}

#[test]
fn help_on_a_page_lists_page_keys_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    show(&mut app, "Pod", TextMode::Yaml);
    keys(&mut app, "?");
    let text = screen(&app, 40);
    assert!(text.contains("Next match"), "{text}");
    assert!(text.contains("managedFields"), "{text}");
    assert!(
        !text.contains("Scale"),
        "table verbs are not offered on a page: {text}"
    );
    snap!("help_yaml_page", text);
}
