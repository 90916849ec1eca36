//! Unit tests of the prompt formatter (kept apart so `prompt.rs` stays about the rules).
use super::*;

fn input(ctx: &str, ns: &str) -> PromptInput {
    PromptInput {
        context: Some(ctx.into()),
        namespace: Some(ns.into()),
        cluster: Some("c1".into()),
        user: Some("u1".into()),
        guarded: false,
    }
}

fn plain() -> PromptSettings {
    PromptSettings {
        color: false,
        ..Default::default()
    }
}

fn text(s: &PromptSettings, i: &PromptInput, w: Wrap) -> String {
    join(&render(s, i, w))
}

#[test]
fn default_layout_without_colour() {
    assert_eq!(
        text(&plain(), &input("dev", "web"), Wrap::Raw),
        "(⎈|dev:web)"
    );
}

#[test]
fn default_colours_match_kube_ps1_in_bash() {
    let out = text(&PromptSettings::default(), &input("dev", "web"), Wrap::Bash);
    assert_eq!(
        out,
        "(\x01\x1b[34m\x02⎈\x01\x1b[39m\x02|\x01\x1b[31m\x02dev\x01\x1b[39m\x02:\
         \x01\x1b[36m\x02web\x01\x1b[39m\x02)"
    );
}

#[test]
fn zsh_uses_its_own_colours_and_doubles_percent_in_names() {
    let out = text(&PromptSettings::default(), &input("a%b", "web"), Wrap::Zsh);
    assert_eq!(
        out,
        "(%{%F{4}%}⎈%{%f%}|%{%F{1}%}a%%b%{%f%}:%{%F{6}%}web%{%f%})"
    );
}

#[test]
fn names_with_control_characters_are_escaped_in_every_shell() {
    let hostile = input("x\x1b]0;owned\x07", "\x1b[8mhidden");
    for wrap in [Wrap::Bash, Wrap::Zsh, Wrap::Raw] {
        let out = text(&plain(), &hostile, wrap);
        assert_eq!(out, "(⎈|x\\x1b]0;owned\\x07:\\x1b[8mhidden)", "{wrap:?}");
    }
}

#[test]
fn layout_strings_are_the_users_own_and_stay_raw_in_zsh() {
    let s = PromptSettings {
        prefix: "%B(".into(),
        ..plain()
    };
    assert_eq!(text(&s, &input("dev", "web"), Wrap::Zsh), "%B(⎈|dev:web)");
}

#[test]
fn symbol_off_drops_separator_too() {
    let s = PromptSettings {
        symbol_enable: false,
        separator_enable: false,
        ..plain()
    };
    assert_eq!(text(&s, &input("dev", "web"), Wrap::Raw), "(dev:web)");
}

#[test]
fn custom_separators_and_padding() {
    let s = PromptSettings {
        prefix: "[".into(),
        separator: " ".into(),
        divider: "/".into(),
        suffix: "]".into(),
        symbol_padding: true,
        ..plain()
    };
    assert_eq!(text(&s, &input("dev", "web"), Wrap::Raw), "[⎈  dev/web]");
}

#[test]
fn namespace_off_drops_divider() {
    let s = PromptSettings {
        ns_enable: false,
        ..plain()
    };
    assert_eq!(text(&s, &input("dev", "web"), Wrap::Raw), "(⎈|dev)");
}

#[test]
fn context_off_shows_namespace_alone() {
    let s = PromptSettings {
        context_enable: false,
        ..plain()
    };
    assert_eq!(text(&s, &input("dev", "web"), Wrap::Raw), "(⎈|web)");
}

#[test]
fn no_context_is_na_or_hidden() {
    let none = PromptInput::default();
    assert_eq!(text(&plain(), &none, Wrap::Raw), "(⎈|N/A:N/A)");
    let hide = PromptSettings {
        hide_if_no_context: true,
        ..plain()
    };
    assert!(render(&hide, &none, Wrap::Raw).is_empty());
    assert_eq!(text(&hide, &input("dev", "web"), Wrap::Raw), "(⎈|dev:web)");
}

#[test]
fn symbols() {
    let with = |symbol| PromptSettings { symbol, ..plain() };
    assert_eq!(
        text(&with(Symbol::Img), &input("a", "b"), Wrap::Raw),
        "(☸️|a:b)"
    );
    assert_eq!(
        text(&with(Symbol::Text("k".into())), &input("a", "b"), Wrap::Raw),
        "(k|a:b)"
    );
    let oc = text(
        &PromptSettings {
            symbol: Symbol::Oc,
            ..Default::default()
        },
        &input("a", "b"),
        Wrap::Raw,
    );
    assert!(oc.starts_with("(\x1b[31m\u{e7b7}\x1b[39m|"), "{oc:?}");
}

#[test]
fn colours_by_index_name_and_background() {
    let s = PromptSettings {
        ctx_color: Color::parse("200"),
        ns_color: Color::parse("green"),
        prefix_color: Color::parse("9"),
        bg_color: Color::parse("white"),
        ..Default::default()
    };
    let out = text(&s, &input("a", "b"), Wrap::Raw);
    assert!(out.starts_with("\x1b[47m\x1b[91m(\x1b[39m"), "{out:?}");
    assert!(out.contains("\x1b[38;5;200ma\x1b[39m"), "{out:?}");
    assert!(out.contains("\x1b[32mb\x1b[39m"), "{out:?}");
    assert!(out.ends_with(")\x1b[49m"), "{out:?}");
    assert_eq!(Color::parse(""), Color::None);
    assert_eq!(Color::parse("mauve"), Color::Default);
    assert_eq!(Color::parse("257"), Color::Default);
}

#[test]
fn unknown_colour_prints_no_sequence_but_the_reset() {
    let s = PromptSettings {
        ctx_color: Color::Default,
        ..Default::default()
    };
    let out = text(&s, &input("dev", "b"), Wrap::Raw);
    assert!(out.contains("|dev\x1b[39m:"), "{out:?}");
}

#[test]
fn empty_prefix_prints_a_lone_reset_as_kube_ps1_does() {
    let s = PromptSettings {
        prefix: String::new(),
        ..Default::default()
    };
    let out = text(&s, &input("dev", "b"), Wrap::Bash);
    assert!(
        out.starts_with("\x01\x1b[39m\x02\x01\x1b[34m\x02⎈"),
        "{out:?}"
    );
}

#[test]
fn guarded_context_uses_guard_colour() {
    let mut i = input("prod-eu", "web");
    i.guarded = true;
    let out = text(&PromptSettings::default(), &i, Wrap::Raw);
    assert!(out.contains("\x1b[1;7;31mprod-eu\x1b[22;27;39m"), "{out:?}");
}

#[test]
fn format_template() {
    let s = PromptSettings {
        format: Some("{symbol} {context}:{namespace} @{cluster}/{user} {{x}} {bogus}".into()),
        ..plain()
    };
    assert_eq!(
        text(&s, &input("dev", "web"), Wrap::Raw),
        "⎈ dev:web @c1/u1 {x} {bogus}"
    );
}

#[test]
fn pieces_keep_context_and_namespace_apart() {
    let pieces = render(&plain(), &input("dev", "web"), Wrap::Raw);
    assert_eq!(
        pieces,
        vec![
            Piece::Lit("(⎈|".into()),
            Piece::Context("dev".into()),
            Piece::Lit(":".into()),
            Piece::Namespace("web".into()),
            Piece::Lit(")".into()),
        ]
    );
}
