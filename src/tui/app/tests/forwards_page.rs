//! The `:pf` page: opening, refreshing only while open, keeping the cursor on its forward, stopping the
//! selected one, and its rendered table.

use std::time::Duration;

use crate::cluster::forward::{ForwardInfo, ForwardSpec, ForwardState, ForwardTarget, PortRef};
use crate::tui::app::{Effect, Msg};
use crate::tui::pages::Page;
use crate::tui::pages::forwards::{ForwardsPage, bytes, cells};
use crate::tui::test_support::*;

fn info(id: u64, target: ForwardTarget, local: u16, state: ForwardState) -> ForwardInfo {
    ForwardInfo {
        id,
        spec: ForwardSpec::new(target, PortRef::Number(80), local),
        local: format!("127.0.0.1:{local}").parse().unwrap(),
        pod: Some("web-7d9f-c3d".into()),
        pod_port: Some(8080),
        state,
        bytes_in: 1536,
        bytes_out: 420,
        connections: 7,
        active_connections: 1,
        reresolves: 0,
        last_reresolve: None,
        last_error: None,
        context: None,
    }
}

fn two_forwards() -> Vec<ForwardInfo> {
    let svc = ForwardTarget::Service {
        namespace: "shop".into(),
        name: "web".into(),
    };
    let deploy = ForwardTarget::Workload {
        kind: "Deployment".into(),
        namespace: "shop".into(),
        name: "cart".into(),
    };
    let mut moved = info(2, deploy, 18080, ForwardState::Active);
    moved.reresolves = 2;
    moved.last_reresolve = Some(Duration::from_millis(84));
    moved.last_error = Some("pod cart-5c6d-9zz was deleted".into());
    moved.bytes_in = 3 * 1024 * 1024 + 512 * 1024;
    vec![info(1, svc, 8080, ForwardState::Active), moved]
}

fn page_id(app: &crate::tui::app::App) -> u64 {
    match &app.page {
        Some(Page::Forwards(p)) => p.id,
        other => panic!("not the forwards page: {other:?}"),
    }
}

#[test]
fn pf_lists_refreshes_while_open_and_stops_the_selected_forward() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    assert!(
        app.update(Msg::RefreshForwards).is_empty(),
        "no page, no refresh"
    );
    let eff = keys(&mut app, ":pf<enter>");
    let id = page_id(&app);
    assert_eq!(eff, vec![Effect::ListForwards { page: id }]);
    assert!(app.forwards_page_open());
    assert!(text(&app).contains("loading…"));
    app.update(Msg::Forwards {
        page: id,
        list: vec![],
    });
    assert!(text(&app).contains("no port-forwards: shift-f on a pod, service or deployment"));
    app.update(Msg::Forwards {
        page: id,
        list: two_forwards(),
    });
    snap!("page_forwards", text(&app));
    assert_eq!(
        app.update(Msg::RefreshForwards),
        vec![Effect::ListForwards { page: id }]
    );
    // An answer for another page is ignored.
    app.update(Msg::Forwards {
        page: id + 100,
        list: vec![],
    });
    keys(&mut app, "j");
    // A refresh where the first forward is gone keeps the cursor on the second.
    let mut list = two_forwards();
    list.remove(0);
    app.update(Msg::Forwards { page: id, list });
    let Some(Page::Forwards(p)) = &app.page else {
        panic!()
    };
    assert_eq!((p.selected, p.rows[0].id), (0, 2));
    let eff = keys(&mut app, "<ctrl-d>");
    assert_eq!(
        eff,
        vec![Effect::StopForward(2), Effect::ListForwards { page: id }]
    );
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .contains("stopped forward 127.0.0.1:18080 → deployment/shop/cart")
    );
    // `/` has nothing to filter here.
    keys(&mut app, "/");
    assert_eq!(app.mode, crate::tui::app::Mode::Normal);
    keys(&mut app, "<esc>");
    assert!(!app.forwards_page_open());
    assert!(app.update(Msg::RefreshForwards).is_empty());
    assert!(app.dialog.is_none());
}

#[test]
fn cells_show_state_traffic_and_moves() {
    let f = &two_forwards()[1];
    assert_eq!(
        cells(f),
        [
            "deployment/shop/cart:80",
            "127.0.0.1:18080",
            "web-7d9f-c3d:8080",
            "Active",
            "1/7",
            "3.5MiB",
            "420B",
            "2 (84ms)",
            "pod cart-5c6d-9zz was deleted",
        ]
    );
    let mut waiting = f.clone();
    waiting.state = ForwardState::Waiting("no ready pod for deployment shop/cart".into());
    waiting.pod = None;
    let c = cells(&waiting);
    assert_eq!((c[2].as_str(), c[3].as_str()), ("-", "Waiting"));
    assert_eq!(c[8], "no ready pod for deployment shop/cart");
    assert_eq!(bytes(1023), "1023B");
    assert_eq!(bytes(1536), "1.5KiB");
}

#[test]
fn stop_on_an_empty_page_says_so() {
    let mut p = ForwardsPage::new(1, "shift-f".into());
    p.set_rows(vec![]);
    let out = p.on_action(crate::tui::action::Action::StopForward, 10);
    assert!(out.effects.is_empty());
    assert_eq!(
        out,
        crate::tui::component::Outcome::error("no port-forward to stop")
    );
}

#[test]
fn pf_parses_and_completes() {
    use crate::tui::command::{Command, completions, parse};
    let kinds = crate::cluster::kinds::KindRegistry::default();
    assert_eq!(parse(":pf", &kinds), Ok(Command::Forwards));
    assert_eq!(parse("portforwards", &kinds), Ok(Command::Forwards));
    assert!(parse("pf extra", &kinds).is_err());
    assert!(completions("p", &kinds, &[], &[]).contains(&"pf".to_string()));
}
