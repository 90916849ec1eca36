//! The prompt segment as a pure function: settings (kube-ps1's variables) + what kubeconfig says →
//! pieces of text. No I/O here; [`super::ps1_env`] reads the variables and [`super::segment`] the files.
//!
//! The output is kube-ps1's, byte for byte (current line, v0.8.0 and later; the table in
//! `tests/fixtures/kube-ps1/` holds its recorded outputs): the layout `(⎈|ctx:ns)`, its colour rules
//! (including its quirks: an unknown colour name prints no colour but still the reset, an empty prefix
//! prints a lone reset), `tput`'s xterm-256color sequences wrapped in `\001…\002` for bash, and zsh's own
//! `%F{n}`/`%f` in `%{…%}`. Deliberate differences: a guarded context is drawn in the guard colour,
//! `NO_COLOR` drops every colour, and names are printed literally (control characters escaped, a zsh
//! `%` doubled), since a kubeconfig from someone else must not drive the terminal.

/// How colour escapes are wrapped so the shell does not count them as printed characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// `\001…\002` (readline's ignore markers) around SGR sequences.
    Bash,
    /// zsh's own `%F{n}`/`%f` inside `%{…%}`; a literal `%` in a name is doubled.
    Zsh,
    /// Raw SGR escapes (fish, tmux, anything that does not count width itself).
    Raw,
}

/// One colour value as kube-ps1 accepts it: a name (`red`), a 0–256 index, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Color {
    /// Unset or empty (prefix, suffix, background only: the others have defaults).
    None,
    Index(u16),
    /// Anything else: kube-ps1 prints no colour sequence for it (the reset after the text stays).
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
        // kube-ps1's pattern: plain decimal without a leading zero, 0–256.
        let decimal = s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
        match s.parse::<u16>() {
            Ok(n) if decimal && n <= 256 => Color::Index(n),
            _ => Color::Default,
        }
    }

    fn index(&self) -> Option<u16> {
        match self {
            Color::Index(n) => Some(*n),
            Color::None | Color::Default => None,
        }
    }
}

/// The SGR sequence `tput setaf`/`setab` gives on an xterm-256color terminal.
pub fn sgr(n: u16, background: bool) -> String {
    let (base, bright, ext) = if background {
        (40, 100, 48)
    } else {
        (30, 90, 38)
    };
    match n {
        0..=7 => format!("\x1b[{}m", base + n),
        8..=15 => format!("\x1b[{}m", bright + n - 8),
        _ => format!("\x1b[{ext};5;{n}m"),
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
    /// The symbol is drawn unless `KUBE_PS1_SYMBOL_ENABLE` is exactly `false`...
    pub symbol_enable: bool,
    /// ...but the separator after it only when it is exactly `true` (or unset/empty).
    pub separator_enable: bool,
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
            separator_enable: true,
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

/// What kubeconfig says about the effective context. `None` context means no current-context is set;
/// `None` namespace means kubectl would print none (`kubectl config view --minify` fails or finds none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptInput {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub guarded: bool,
}

/// A piece of the rendered segment. Context, namespace and the context's colour stay separate so the
/// hook can pass them through kube-ps1's `KUBE_PS1_*_FUNCTION`s before joining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    /// The context's colour sequence (wrapped; empty for an unknown colour name).
    CtxColor(String),
    Context(String),
    Namespace(String),
}

pub const NOT_AVAILABLE: &str = "N/A";

/// Joins pieces into the final text.
pub fn join(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(s) | Piece::CtxColor(s) | Piece::Context(s) | Piece::Namespace(s) => {
                s.as_str()
            }
        })
        .collect()
}

/// Renders the segment; an empty vector means "print nothing".
pub fn render(s: &PromptSettings, input: &PromptInput, wrap: Wrap) -> Vec<Piece> {
    // kube-ps1 compares its context variable with N/A, and never fills it while the context is off.
    if s.hide_if_no_context && (input.context.is_none() || !s.context_enable) {
        return Vec::new();
    }
    let r = Renderer { s, wrap };
    let context = r.name(input.context.as_deref().unwrap_or(NOT_AVAILABLE));
    let namespace = r.name(input.namespace.as_deref().unwrap_or(NOT_AVAILABLE));
    let mut out = Out::default();
    match &s.format {
        Some(template) => {
            for token in tokenize(template) {
                match token {
                    Token::Text(t) => out.lit(&r.escape(&t)),
                    Token::Field("symbol") => r.symbol(&mut out),
                    Token::Field("context") => r.context(&mut out, input.guarded, context.clone()),
                    Token::Field("namespace") => r.namespace(&mut out, namespace.clone()),
                    Token::Field("cluster") => {
                        out.lit(&r.name(input.cluster.as_deref().unwrap_or(NOT_AVAILABLE)))
                    }
                    Token::Field("user") => {
                        out.lit(&r.name(input.user.as_deref().unwrap_or(NOT_AVAILABLE)))
                    }
                    Token::Field(other) => out.lit(&r.escape(&format!("{{{other}}}"))),
                }
            }
        }
        None => {
            if s.bg_color != Color::None {
                out.lit(&r.bg(&s.bg_color));
            }
            r.edge(&mut out, &s.prefix_color, &s.prefix);
            if s.symbol_enable {
                r.symbol(&mut out);
                if s.symbol_padding {
                    out.lit(" ");
                }
            }
            if s.separator_enable {
                out.lit(&s.separator);
            }
            if s.context_enable {
                r.context(&mut out, input.guarded, context);
            }
            if s.ns_enable {
                if s.context_enable {
                    out.lit(&s.divider);
                }
                r.namespace(&mut out, namespace);
            }
            r.edge(&mut out, &s.suffix_color, &s.suffix);
            if s.bg_color != Color::None {
                out.lit(&r.bg_reset());
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
    /// Wraps a raw escape sequence so the shell treats it as zero-width.
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

    /// The foreground sequence for `c`, as kube-ps1's `_kube_ps1_color_fg` prints it.
    fn fg(&self, c: &Color) -> String {
        match (c.index(), self.wrap) {
            (None, _) => String::new(),
            (Some(n), Wrap::Zsh) => self.esc(&format!("%F{{{n}}}")),
            (Some(n), _) => self.esc(&sgr(n, false)),
        }
    }

    fn bg(&self, c: &Color) -> String {
        match (c.index(), self.wrap) {
            (None, _) => String::new(),
            (Some(n), Wrap::Zsh) => self.esc(&format!("%K{{{n}}}")),
            (Some(n), _) => self.esc(&sgr(n, true)),
        }
    }

    fn reset(&self) -> String {
        match self.wrap {
            Wrap::Zsh => self.esc("%f"),
            _ => self.esc("\x1b[39m"),
        }
    }

    fn bg_reset(&self) -> String {
        match self.wrap {
            Wrap::Zsh => self.esc("%k"),
            _ => self.esc("\x1b[49m"),
        }
    }

    /// Escapes kdeck's own template text for zsh, which %-expands the segment.
    fn escape(&self, text: &str) -> String {
        match self.wrap {
            Wrap::Zsh => text.replace('%', "%%"),
            Wrap::Bash | Wrap::Raw => text.to_string(),
        }
    }

    /// A name from kubeconfig, printed literally: control characters escaped, `%` doubled for zsh.
    fn name(&self, name: &str) -> String {
        self.escape(&crate::escape::name(name))
    }

    /// The prefix or suffix: plain when it has no colour, else colour + text + reset (kube-ps1 prints
    /// the reset even for an empty text or an unknown colour).
    fn edge(&self, out: &mut Out, color: &Color, text: &str) {
        if *color == Color::None && !text.is_empty() {
            out.lit(text);
        } else {
            out.lit(&self.fg(color));
            out.lit(text);
            out.lit(&self.reset());
        }
    }

    fn context(&self, out: &mut Out, guarded: bool, name: String) {
        if guarded {
            out.lit(&self.esc(&self.s.guard_sgr));
            out.pieces.push(Piece::Context(name));
            // The guard colour sets bold and reverse, which a plain foreground reset would leave on.
            out.lit(&self.esc("\x1b[22;27;39m"));
            return;
        }
        if self.s.color {
            out.pieces.push(Piece::CtxColor(self.fg(&self.s.ctx_color)));
        }
        out.pieces.push(Piece::Context(name));
        out.lit(&self.reset());
    }

    fn namespace(&self, out: &mut Out, name: String) {
        out.lit(&self.fg(&self.s.ns_color));
        out.pieces.push(Piece::Namespace(name));
        out.lit(&self.reset());
    }

    fn symbol(&self, out: &mut Out) {
        let (color, glyph) = match &self.s.symbol {
            Symbol::Img => return out.lit("\u{2638}\u{fe0f}"),
            Symbol::Text(t) => (&self.s.symbol_color, t.as_str()),
            Symbol::K8s => (&self.s.symbol_color, "\u{f10fe}"),
            Symbol::Oc => (&Color::Index(1), "\u{e7b7}"),
        };
        out.lit(&self.fg(color));
        out.lit(glyph);
        out.lit(&self.reset());
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
#[path = "prompt_tests.rs"]
mod tests;
