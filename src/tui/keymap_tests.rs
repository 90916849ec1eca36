//! The keymap loader: the shipped keymaps, key names, user files that extend them, and the errors a bad file gets.

use super::*;

fn no_base(_: &str) -> Result<Keymap, KeymapError> {
    Ok(Keymap::shipped_default())
}

#[test]
fn shipped_keymaps_parse_and_bind_every_action() {
    for (name, text) in SHIPPED {
        let k = Keymap::parse(name, name, text, &no_base).unwrap();
        // A plugin's key comes from plugins.yaml, not from the keymap.
        for a in Action::ALL.iter().filter(|a| **a != Action::RunPlugin) {
            assert!(!k.keys_for(*a).is_empty(), "{name}: {} unbound", a.name());
        }
    }
    let k = Keymap::shipped_default();
    assert_eq!(k.lookup(&Key::char(':')), Some(Action::Command));
    assert_eq!(
        k.lookup(&Key::new(KeyCode::Char('F'), KeyModifiers::SHIFT)),
        Some(Action::PortForward)
    );
    assert_eq!(
        k.lookup(&Key::new(KeyCode::Char('F'), KeyModifiers::NONE)),
        Some(Action::PortForward)
    );
    assert_eq!(
        k.lookup(&Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
}

#[test]
fn key_parse_and_display_round_trip() {
    for t in [
        "q", "ctrl-c", "shift-f", "enter", "esc", "pgup", "f5", ":", "space", "alt-x",
    ] {
        let k = Key::parse(t).unwrap();
        assert_eq!(k.to_string(), t);
    }
    assert!(Key::parse("bogus").is_none());
    assert!(Key::parse("f13").is_none());
}

#[test]
fn duplicate_key_names_file_and_line() {
    let text = "quit: [q]\nhelp: ['?']\ndescribe: [q]\n";
    let e = Keymap::parse("x", "/u/x.yaml", text, &no_base).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.to_string().contains("/u/x.yaml, line 3"), "{e}");
    assert!(e.message.contains("bound twice"), "{e}");
}

#[test]
fn unknown_action_and_bad_yaml_and_bad_key() {
    let e = Keymap::parse("x", "f", "quit: [q]\nfly: [f]\n", &no_base).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("unknown action \"fly\""));
    let e = Keymap::parse("x", "f", "quit: [q\nhelp: x\n", &no_base).unwrap_err();
    assert!(e.line.is_some());
    let e = Keymap::parse("x", "f", "quit: [ctrl-]\n", &no_base).unwrap_err();
    assert!(e.message.contains("unknown key"), "{e}");
}

#[test]
fn user_file_extends_and_overrides_shipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.yaml"),
        "extends: default\nquit: [ctrl-q]\n",
    )
    .unwrap();
    let k = Keymap::load_from("mine", dir.path()).unwrap();
    assert_eq!(k.lookup(&Key::parse("ctrl-q").unwrap()), Some(Action::Quit));
    assert_eq!(k.lookup(&Key::char('q')), None);
    assert_eq!(k.lookup(&Key::char('/')), Some(Action::Filter));
    // A user file named like a shipped keymap replaces it.
    std::fs::write(dir.path().join("vim.yaml"), "quit: [z]\n").unwrap();
    let k = Keymap::load_from("vim", dir.path()).unwrap();
    assert_eq!(k.lookup(&Key::char('z')), Some(Action::Quit));
    assert_eq!(k.lookup(&Key::char('j')), None);
    // Conflicts introduced on top of a base are caught too.
    std::fs::write(dir.path().join("bad.yaml"), "extends: default\nhelp: [q]\n").unwrap();
    let e = Keymap::load_from("bad", dir.path()).unwrap_err();
    assert!(e.message.contains("bound twice"), "{e}");
    assert_eq!(e.line, Some(2));
    assert!(
        Keymap::load_from("nope", dir.path())
            .unwrap_err()
            .message
            .contains("no keymap named")
    );
}
