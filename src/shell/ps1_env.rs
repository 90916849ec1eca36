//! Reading kube-ps1's `KUBE_PS1_*` variables (and kdeck's own `KDECK_PROMPT*`, `NO_COLOR`) into
//! [`PromptSettings`], with kube-ps1's defaulting rules, plus the on/off switch (kubeon/kubeoff).
//!
//! The variables come from a lookup function: the process environment for `kdeck prompt`, or the shell
//! variables the hook passes along (kube-ps1 users set them unexported in their rc file, which a child
//! process cannot see).
//!
//! Accepted but without effect here: `KUBE_PS1_BINARY` (kdeck reads the kubeconfig files that kubectl and
//! oc read, so the binary does not matter), and `KUBE_PS1_CLUSTER_FUNCTION`, `KUBE_PS1_NAMESPACE_FUNCTION`
//! and `KUBE_PS1_CTX_COLOR_FUNCTION`, which name shell functions: only the hooks can call them (the
//! shell code [`super::update`] prints does); `kdeck prompt`, being a separate process, cannot.

use std::path::PathBuf;

use super::prompt::{Color, PromptSettings, Symbol};

/// Every variable the segment depends on. The hook scripts pass exactly these (the list is checked
/// against the scripts in a test) and re-render when any of them changes.
pub const VARS: &[&str] = &[
    "KUBE_PS1_BINARY",
    "KUBE_PS1_SYMBOL_ENABLE",
    "KUBE_PS1_SYMBOL_DEFAULT",
    "KUBE_PS1_SYMBOL_CUSTOM",
    "KUBE_PS1_SYMBOL_USE_IMG",
    "KUBE_PS1_SYMBOL_PADDING",
    "KUBE_PS1_SYMBOL_COLOR",
    "KUBE_PS1_NS_ENABLE",
    "KUBE_PS1_CONTEXT_ENABLE",
    "KUBE_PS1_PREFIX",
    "KUBE_PS1_SEPARATOR",
    "KUBE_PS1_DIVIDER",
    "KUBE_PS1_SUFFIX",
    "KUBE_PS1_PREFIX_COLOR",
    "KUBE_PS1_SUFFIX_COLOR",
    "KUBE_PS1_CTX_COLOR",
    "KUBE_PS1_NS_COLOR",
    "KUBE_PS1_BG_COLOR",
    "KUBE_PS1_HIDE_IF_NOCONTEXT",
    "KUBE_PS1_ENABLED",
    "KUBE_PS1_CLUSTER_FUNCTION",
    "KUBE_PS1_NAMESPACE_FUNCTION",
    "KUBE_PS1_CTX_COLOR_FUNCTION",
    "KDECK_PROMPT",
    "KDECK_PROMPT_FORMAT",
    "NO_COLOR",
];

/// Builds the settings from variables, as kube-ps1 defaults them: `PREFIX`, `SEPARATOR`, `DIVIDER` and
/// `SUFFIX` keep an empty value (`${VAR-default}`), the others treat empty as unset (`${VAR:-default}`).
/// The enable flags compare with `true` exactly, as kube-ps1 does; `SYMBOL_ENABLE` is the odd one: only
/// `false` hides the symbol, while only `true` shows the separator after it.
pub fn settings(var: &dyn Fn(&str) -> Option<String>) -> PromptSettings {
    let d = PromptSettings::default();
    let nonempty = |name: &str| var(name).filter(|v| !v.is_empty());
    let is_true = |name: &str, default: bool| match nonempty(name) {
        Some(v) => v == "true",
        None => default,
    };
    let keep_empty = |name: &str, default: &str| var(name).unwrap_or_else(|| default.to_string());
    // An empty colour takes the default, as kube-ps1's `${KUBE_PS1_CTX_COLOR:-red}` does (its README
    // says empty means uncoloured; its code, which this matches, says otherwise).
    let color_or = |name: &str, default: Color| match nonempty(name) {
        Some(v) => Color::parse(&v),
        None => default,
    };
    let symbol = match nonempty("KUBE_PS1_SYMBOL_CUSTOM").as_deref() {
        Some("img") => Symbol::Img,
        Some("k8s") => Symbol::K8s,
        Some("oc") => Symbol::Oc,
        _ if is_true("KUBE_PS1_SYMBOL_USE_IMG", false) => Symbol::Img,
        _ => nonempty("KUBE_PS1_SYMBOL_DEFAULT")
            .map(Symbol::Text)
            .unwrap_or(d.symbol),
    };
    PromptSettings {
        symbol_enable: nonempty("KUBE_PS1_SYMBOL_ENABLE").as_deref() != Some("false"),
        separator_enable: is_true("KUBE_PS1_SYMBOL_ENABLE", true)
            && !keep_empty("KUBE_PS1_SEPARATOR", &d.separator).is_empty(),
        symbol,
        symbol_padding: is_true("KUBE_PS1_SYMBOL_PADDING", false),
        symbol_color: color_or("KUBE_PS1_SYMBOL_COLOR", d.symbol_color),
        context_enable: is_true("KUBE_PS1_CONTEXT_ENABLE", true),
        ns_enable: is_true("KUBE_PS1_NS_ENABLE", true),
        prefix: keep_empty("KUBE_PS1_PREFIX", &d.prefix),
        separator: keep_empty("KUBE_PS1_SEPARATOR", &d.separator),
        divider: keep_empty("KUBE_PS1_DIVIDER", &d.divider),
        suffix: keep_empty("KUBE_PS1_SUFFIX", &d.suffix),
        prefix_color: color_or("KUBE_PS1_PREFIX_COLOR", Color::None),
        suffix_color: color_or("KUBE_PS1_SUFFIX_COLOR", Color::None),
        ctx_color: color_or("KUBE_PS1_CTX_COLOR", d.ctx_color),
        ns_color: color_or("KUBE_PS1_NS_COLOR", d.ns_color),
        bg_color: color_or("KUBE_PS1_BG_COLOR", Color::None),
        hide_if_no_context: is_true("KUBE_PS1_HIDE_IF_NOCONTEXT", false),
        guard_sgr: d.guard_sgr,
        format: nonempty("KDECK_PROMPT_FORMAT"),
        // https://no-color.org: any non-empty value disables colour.
        color: nonempty("NO_COLOR").is_none(),
    }
}

/// The file whose presence turns the segment off in every shell (`kdeck prompt --off --global`).
pub fn global_off_file() -> PathBuf {
    crate::paths::config_dir().join("prompt-off")
}

/// Whether the segment is shown. The per-shell switch (`KDECK_PROMPT`, set by the hook's `kdeck prompt
/// --on/--off`, or kube-ps1's `KUBE_PS1_ENABLED`) wins over the global file, as kubeon/kubeoff do.
pub fn enabled(var: &dyn Fn(&str) -> Option<String>, global_off: bool) -> bool {
    match var("KDECK_PROMPT").as_deref() {
        Some("off") => return false,
        Some("on") => return true,
        _ => {}
    }
    match var("KUBE_PS1_ENABLED").as_deref() {
        Some("off") => false,
        Some("on") => true,
        _ => !global_off,
    }
}

/// Lookup in the process environment.
pub fn from_process(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Lookup in `NAME=VALUE` pairs handed over by the hook.
pub fn from_pairs(pairs: &[String]) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        pairs.iter().find_map(|p| {
            p.split_once('=')
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> PromptSettings {
        let owned: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        settings(&from_pairs(&owned))
    }

    #[test]
    fn nothing_set_is_kube_ps1_default() {
        assert_eq!(with(&[]), PromptSettings::default());
    }

    #[test]
    fn layout_strings_keep_empty_values() {
        let s = with(&[
            ("KUBE_PS1_PREFIX", ""),
            ("KUBE_PS1_SEPARATOR", " "),
            ("KUBE_PS1_SUFFIX", ""),
        ]);
        assert_eq!((s.prefix.as_str(), s.separator.as_str()), ("", " "));
        assert_eq!(s.suffix, "");
        assert_eq!(s.divider, ":");
    }

    #[test]
    fn enable_flags_follow_kube_ps1_comparisons() {
        let s = with(&[
            ("KUBE_PS1_SYMBOL_ENABLE", "no"),
            ("KUBE_PS1_NS_ENABLE", "false"),
            ("KUBE_PS1_CONTEXT_ENABLE", ""),
            ("KUBE_PS1_HIDE_IF_NOCONTEXT", "true"),
        ]);
        assert!(s.symbol_enable, "only \"false\" disables the symbol");
        assert!(!s.separator_enable, "only \"true\" shows the separator");
        assert!(!s.ns_enable);
        assert!(s.context_enable, "empty means default");
        assert!(s.hide_if_no_context);
        assert!(!with(&[("KUBE_PS1_SYMBOL_ENABLE", "false")]).symbol_enable);
        assert!(with(&[("KUBE_PS1_SYMBOL_ENABLE", "")]).separator_enable);
        assert!(!with(&[("KUBE_PS1_SEPARATOR", "")]).separator_enable);
    }

    #[test]
    fn symbol_choice() {
        assert_eq!(
            with(&[("KUBE_PS1_SYMBOL_CUSTOM", "img")]).symbol,
            Symbol::Img
        );
        assert_eq!(
            with(&[("KUBE_PS1_SYMBOL_USE_IMG", "true")]).symbol,
            Symbol::Img
        );
        assert_eq!(
            with(&[("KUBE_PS1_SYMBOL_DEFAULT", "k8s:")]).symbol,
            Symbol::Text("k8s:".into())
        );
        assert_eq!(
            with(&[
                ("KUBE_PS1_SYMBOL_CUSTOM", "oc"),
                ("KUBE_PS1_SYMBOL_USE_IMG", "true")
            ])
            .symbol,
            Symbol::Oc
        );
    }

    #[test]
    fn colours_and_no_color() {
        let s = with(&[
            ("KUBE_PS1_CTX_COLOR", ""),
            ("KUBE_PS1_NS_COLOR", "magenta"),
            ("KUBE_PS1_SYMBOL_COLOR", ""),
            ("NO_COLOR", "1"),
        ]);
        assert_eq!(
            s.ctx_color,
            Color::Index(1),
            "empty is kube-ps1's default, red"
        );
        assert_eq!(s.ns_color, Color::Index(5));
        assert_eq!(s.symbol_color, Color::Index(4));
        assert!(!s.color);
        assert!(with(&[("NO_COLOR", "")]).color);
    }

    #[test]
    fn per_shell_switch_wins_over_global_file() {
        let env = |pairs: &[&str]| pairs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(enabled(&from_pairs(&env(&[])), false));
        assert!(!enabled(&from_pairs(&env(&[])), true));
        assert!(enabled(&from_pairs(&env(&["KDECK_PROMPT=on"])), true));
        assert!(!enabled(&from_pairs(&env(&["KDECK_PROMPT=off"])), false));
        assert!(!enabled(
            &from_pairs(&env(&["KUBE_PS1_ENABLED=off"])),
            false
        ));
    }
}
