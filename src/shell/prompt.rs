//! The prompt segment as a pure function: settings (kube-ps1's variables) + what kubeconfig says →
//! pieces of text. No I/O here; [`super::ps1_env`] reads the variables and [`super::segment`] the files.
//!
//! The layout and colours follow kube-ps1 (`(⎈|ctx:ns)`, symbol blue, context red, namespace cyan, reset
//! to the default foreground), so a kube-ps1 user who switches keeps the prompt they had.

/// How colour escapes are wrapped so the shell does not count them as printed characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// `\001…\002` (readline's ignore markers).
    Bash,
    /// `%{…%}`; literal `%` is doubled because zsh %-expands the result.
    Zsh,
    /// Raw escapes (fish, tmux, anything that does not count width itself).
    Raw,
}

/// One colour value as kube-ps1 accepts it: a name (`red`), a 0–256 index, or empty for "no colour".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Color {
    None,
    Index(u16),
    /// An unknown name: kube-ps1 falls back to the default foreground.
    Default,
}

impl Color {
    pub fn parse(s: &str) -> Color {
        let names = [
            "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        ];
        if s.is_empty() {
            return Color::None;
        }
        if let Some(i) = names.iter().position(|n| *n == s) {
            return Color::Index(i as u16);
        }
        match s.parse::<u16>() {
            Ok(n) if n <= 256 => Color::Index(n),
            _ => Color::Default,
        }
    }

    /// The SGR sequence `tput setaf` (or `setab`) gives on a 256-colour terminal.
    fn sgr(&self, background: bool) -> Option<String> {
        let (base, bright, ext, default) = if background {
            (40, 100, 48, 49)
        } else {
            (30, 90, 38, 39)
        };
        match self {
            Color::None => None,
            Color::Default => Some(format!("\x1b[{default}m")),
            Color::Index(n @ 0..=7) => Some(format!("\x1b[{}m", base + n)),
            Color::Index(n @ 8..=15) => Some(format!("\x1b[{}m", bright + n - 8)),
            Color::Index(n) => Some(format!("\x1b[{ext};5;{n}m")),
        }
    }
}

/// Which symbol to draw (`KUBE_PS1_SYMBOL_CUSTOM`, or the older `_USE_IMG`/`_DEFAULT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbol {
    /// `⎈` (U+2388), or the user's own text from `KUBE_PS1_SYMBOL_DEFAULT`; coloured.
    Text(String),
    /// `☸️`, drawn uncoloured as kube-ps1 does.
    Img,
    /// Nerd-font Kubernetes glyph, coloured.
    K8s,
    /// Nerd-font OpenShift glyph, always red.
    Oc,
}

/// Every layout knob of the segment. `Default` is kube-ps1's default look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptSettings {
    pub symbol_enable: bool,
    pub symbol: Symbol,
    pub symbol_padding: bool,
    pub symbol_color: Color,
    pub context_enable: bool,
    pub ns_enable: bool,
    pub prefix: String,
    pub separator: String,
    pub divider: String,
    pub suffix: String,
    pub prefix_color: Color,
    pub suffix_color: Color,
    pub ctx_color: Color,
    pub ns_color: Color,
    pub bg_color: Color,
    pub hide_if_no_context: bool,
    /// Colour of a guarded (production) context, instead of `ctx_color`.
    pub guard_sgr: String,
    /// `--format` / `KDECK_PROMPT_FORMAT`; replaces the prefix/separator/divider/suffix layout.
    pub format: Option<String>,
    pub color: bool,
}

impl Default for PromptSettings {
    fn default() -> Self {
        PromptSettings {
            symbol_enable: true,
            symbol: Symbol::Text("\u{2388}".into()),
            symbol_padding: false,
            symbol_color: Color::Index(4),
            context_enable: true,
            ns_enable: true,
            prefix: "(".into(),
            separator: "|".into(),
            divider: ":".into(),
            suffix: ")".into(),
            prefix_color: Color::None,
            suffix_color: Color::None,
            ctx_color: Color::Index(1),
            ns_color: Color::Index(6),
            bg_color: Color::None,
            hide_if_no_context: false,
            // Bold reverse red: stands out against the default red context, on any background.
            guard_sgr: "\x1b[1;7;31m".into(),
            format: None,
            color: true,
        }
    }
}

/// What kubeconfig says about the effective context. `None` context means no current-context is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptInput {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub guarded: bool,
}

/// A piece of the rendered segment. Context and namespace stay separate so the hook can pass them
/// through `KUBE_PS1_CLUSTER_FUNCTION`/`KUBE_PS1_NAMESPACE_FUNCTION` before joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    Context(String),
    Namespace(String),
}

pub const NOT_AVAILABLE: &str = "N/A";

/// Joins pieces into the final text.
pub fn join(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(s) | Piece::Context(s) | Piece::Namespace(s) => s.as_str(),
        })
        .collect()
}

/// Renders the segment; an empty vector means "print nothing".
pub fn render(s: &PromptSettings, input: &PromptInput, wrap: Wrap) -> Vec<Piece> {
    if input.context.is_none() && s.hide_if_no_context {
        return Vec::new();
    }
    let r = Renderer { s, wrap };
    let context = input
        .context
        .clone()
        .unwrap_or_else(|| NOT_AVAILABLE.into());
    let namespace = match &input.context {
        None => NOT_AVAILABLE.to_string(),
        Some(_) => input
            .namespace
            .clone()
            .unwrap_or_else(|| NOT_AVAILABLE.into()),
    };
    let ctx_sgr = if input.guarded {
        Some(s.guard_sgr.clone())
    } else {
        s.ctx_color.sgr(false)
    };
    let mut out = Out::default();
    match &s.format {
        Some(template) => {
            let cluster = input.cluster.as_deref().unwrap_or(NOT_AVAILABLE);
            let user = input.user.as_deref().unwrap_or(NOT_AVAILABLE);
            for token in tokenize(template) {
                match token {
                    Token::Text(t) => out.lit(&r.escape(&t)),
                    Token::Field("symbol") => r.symbol(&mut out),
                    Token::Field("context") => r.colored_slot(
                        &mut out,
                        ctx_sgr.as_deref(),
                        Piece::Context(r.escape(&context)),
                    ),
                    Token::Field("namespace") => r.colored_slot(
                        &mut out,
                        s.ns_color.sgr(false).as_deref(),
                        Piece::Namespace(r.escape(&namespace)),
                    ),
                    Token::Field("cluster") => out.lit(&r.escape(cluster)),
                    Token::Field("user") => out.lit(&r.escape(user)),
                    Token::Field(other) => out.lit(&r.escape(&format!("{{{other}}}"))),
                }
            }
        }
        None => {
            if let Some(bg) = s.bg_color.sgr(true) {
                out.lit(&r.esc(&bg));
            }
            r.colored_lit(&mut out, s.prefix_color.sgr(false).as_deref(), &s.prefix);
            if s.symbol_enable {
                r.symbol(&mut out);
                if s.symbol_padding {
                    out.lit(" ");
                }
                out.lit(&r.escape(&s.separator));
            }
            if s.context_enable {
                r.colored_slot(
                    &mut out,
                    ctx_sgr.as_deref(),
                    Piece::Context(r.escape(&context)),
                );
            }
            if s.ns_enable {
                if s.context_enable {
                    out.lit(&r.escape(&s.divider));
                }
                let ns_sgr = s.ns_color.sgr(false);
                r.colored_slot(
                    &mut out,
                    ns_sgr.as_deref(),
                    Piece::Namespace(r.escape(&namespace)),
                );
            }
            r.colored_lit(&mut out, s.suffix_color.sgr(false).as_deref(), &s.suffix);
            if s.bg_color.sgr(true).is_some() {
                out.lit(&r.esc("\x1b[49m"));
            }
        }
    }
    out.pieces
}

#[derive(Default)]
struct Out {
    pieces: Vec<Piece>,
}

impl Out {
    fn lit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Piece::Lit(last)) = self.pieces.last_mut() {
            last.push_str(s);
        } else {
            self.pieces.push(Piece::Lit(s.to_string()));
        }
    }
}

struct Renderer<'a> {
    s: &'a PromptSettings,
    wrap: Wrap,
}

impl Renderer<'_> {
    /// Wraps an escape sequence so the shell treats it as zero-width.
    fn esc(&self, seq: &str) -> String {
        if !self.s.color {
            return String::new();
        }
        match self.wrap {
            Wrap::Bash => format!("\x01{seq}\x02"),
            Wrap::Zsh => format!("%{{{seq}%}}"),
            Wrap::Raw => seq.to_string(),
        }
    }

    /// Escapes printed text for the target shell (zsh %-expands the segment).
    fn escape(&self, text: &str) -> String {
        match self.wrap {
            Wrap::Zsh => text.replace('%', "%%"),
            Wrap::Bash | Wrap::Raw => text.to_string(),
        }
    }

    fn reset(&self) -> String {
        self.esc("\x1b[39m")
    }

    fn colored_lit(&self, out: &mut Out, sgr: Option<&str>, text: &str) {
        if text.is_empty() {
            return;
        }
        match sgr {
            Some(seq) => {
                out.lit(&self.esc(seq));
                out.lit(&self.escape(text));
                out.lit(&self.reset_for(seq));
            }
            None => out.lit(&self.escape(text)),
        }
    }

    fn colored_slot(&self, out: &mut Out, sgr: Option<&str>, piece: Piece) {
        if let Some(seq) = sgr {
            out.lit(&self.esc(seq));
        }
        out.pieces.push(piece);
        if let Some(seq) = sgr {
            out.lit(&self.reset_for(seq));
        }
    }

    /// The guard colour sets bold and reverse, which a plain foreground reset would leave on.
    fn reset_for(&self, seq: &str) -> String {
        if seq == self.s.guard_sgr {
            self.esc("\x1b[22;27;39m")
        } else {
            self.reset()
        }
    }

    fn symbol(&self, out: &mut Out) {
        match &self.s.symbol {
            Symbol::Img => out.lit("\u{2638}\u{fe0f}"),
            Symbol::Text(t) => {
                self.colored_lit(out, self.s.symbol_color.sgr(false).as_deref(), t);
            }
            Symbol::K8s => {
                self.colored_lit(out, self.s.symbol_color.sgr(false).as_deref(), "\u{f10fe}");
            }
            Symbol::Oc => self.colored_lit(out, Color::Index(1).sgr(false).as_deref(), "\u{e7b7}"),
        }
    }
}

enum Token<'a> {
    Text(String),
    Field(&'a str),
}

/// Splits a `--format` template into text and `{field}`s; `{{` and `}}` are literal braces.
fn tokenize(template: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") || rest.starts_with("}}") {
            text.push(c);
            rest = &rest[2..];
        } else if c == '{'
            && let Some(end) = rest.find('}')
            && rest[1..end].chars().all(|ch| ch.is_ascii_alphabetic())
            && end > 1
        {
            if !text.is_empty() {
                out.push(Token::Text(std::mem::take(&mut text)));
            }
            out.push(Token::Field(&rest[1..end]));
            rest = &rest[end + 1..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !text.is_empty() {
        out.push(Token::Text(text));
    }
    out
}

#[cfg(test)]
mod tests {
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
    fn zsh_wraps_and_doubles_percent() {
        let out = text(&PromptSettings::default(), &input("a%b", "web"), Wrap::Zsh);
        assert!(out.contains("%{\x1b[31m%}a%%b%{\x1b[39m%}"), "{out:?}");
        assert!(!out.contains('\x01'));
    }

    #[test]
    fn symbol_off_drops_separator_too() {
        let s = PromptSettings {
            symbol_enable: false,
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
    fn empty_colour_means_uncoloured() {
        let s = PromptSettings {
            ctx_color: Color::None,
            ..Default::default()
        };
        let out = text(&s, &input("dev", "b"), Wrap::Raw);
        assert!(out.contains("|dev:"), "{out:?}");
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
}
