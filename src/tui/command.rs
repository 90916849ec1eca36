//! Command mode (`:`): parsing what was typed into a [`Command`], tab completion, and the history
//! that `[`, `]` and `-` walk. Pure: resolving kind names uses the [`KindRegistry`] passed in.

use crate::cluster::kinds::{KindRegistry, KindSpec};
use crate::cluster::xray::Root;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsChoice {
    All,
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// `:ctx` — the contexts view.
    Contexts,
    /// `:ctx NAME` — switch context inside kdeck (kubeconfig is not written).
    UseContext(String),
    /// `:use [NAME]` — make NAME (default: the session's context) kubeconfig's current-context, as
    /// `kdeck ctx NAME` does, and switch to it.
    SaveContext(Option<String>),
    /// `:ns NAME` — switch namespace, keeping the current kind.
    Namespace(NsChoice),
    /// `:pf` — the running port-forwards.
    Forwards,
    /// `:fleet` — every context's health.
    Fleet,
    /// `:xray KIND [NS|all] [@CTX…]` — the tree of KIND's objects (merged across clusters with a `@`
    /// selection).
    Xray {
        kind: KindSpec,
        namespace: Option<NsChoice>,
        context: Option<String>,
    },
    /// `:KIND [NS|all] [@CTX] [-l SELECTOR]`. `@CTX` is one context (switch to it) or a selection
    /// of several: `@all`, a glob `@prod-*`, a list `@a,b` (one table across them).
    View {
        kind: KindSpec,
        namespace: Option<NsChoice>,
        context: Option<String>,
        labels: Option<String>,
    },
}

const BUILTIN_WORDS: &[&str] = &[
    "ctx", "context", "contexts", "fleet", "pf", "use", "q", "quit", "xray",
];

/// Why a command line was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The first word names no command and no kind discovery knows (yet: a CRD may have just appeared).
    #[error("unknown command or kind \"{0}\" (try :pods, :deploy, :ctx)")]
    UnknownKind(String),
    #[error("{0}")]
    Invalid(String),
}

impl From<String> for ParseError {
    fn from(message: String) -> Self {
        ParseError::Invalid(message)
    }
}

impl From<&str> for ParseError {
    fn from(message: &str) -> Self {
        ParseError::Invalid(message.to_string())
    }
}

pub fn parse(text: &str, kinds: &KindRegistry) -> Result<Command, ParseError> {
    let text = text.trim().trim_start_matches(':');
    let mut words = text.split_whitespace();
    let Some(head) = words.next() else {
        return Err("empty command".into());
    };
    let rest: Vec<&str> = words.collect();
    let head_l = head.to_lowercase();
    match head_l.as_str() {
        "q" | "q!" | "quit" | "exit" => return Ok(Command::Quit),
        "ctx" | "context" | "contexts" => {
            return Ok(match rest.first() {
                Some(name) => Command::UseContext(name.to_string()),
                None => Command::Contexts,
            });
        }
        "pf" | "portforward" | "portforwards" | "port-forwards" if rest.is_empty() => {
            return Ok(Command::Forwards);
        }
        "use" | "use-context" => {
            return match rest.as_slice() {
                [] => Ok(Command::SaveContext(None)),
                [name] => Ok(Command::SaveContext(Some(name.to_string()))),
                _ => Err("usage: :use [context] (writes kubeconfig's current-context)".into()),
            };
        }
        "ns" | "namespace" | "namespaces" if !rest.is_empty() => {
            return Ok(Command::Namespace(ns_choice(rest[0])?));
        }
        "xray" => return xray(&rest, kinds),
        "fleet" if rest.is_empty() => return Ok(Command::Fleet),
        _ => {}
    }
    let kind = kinds
        .resolve(&head_l)
        .cloned()
        .ok_or_else(|| ParseError::UnknownKind(head.to_string()))?;
    let mut namespace = None;
    let mut context = None;
    let mut labels = None;
    let mut words = rest.into_iter();
    while let Some(w) = words.next() {
        if let Some(c) = w.strip_prefix('@') {
            if c.is_empty() {
                return Err("@ needs a context name, as in :pods @prod".into());
            }
            context = Some(c.to_string());
        } else if let Some(sel) = w.strip_prefix("-l") {
            let sel = if sel.is_empty() {
                words.next()
            } else {
                Some(sel)
            };
            let sel = sel.ok_or("-l needs a label selector, as in :pods -l app=web")?;
            crate::labels::LabelSelector::parse(sel)
                .map_err(|e| format!("bad label selector: {e}"))?;
            labels = Some(sel.to_string());
        } else if namespace.is_none() {
            namespace = Some(ns_choice(w)?);
        } else {
            return Err(format!(
                "unexpected \"{w}\" (usage: :{head} [namespace|all] [@context|@all|@glob|@a,b] [-l selector])"
            )
            .into());
        }
    }
    Ok(Command::View {
        kind,
        namespace,
        context,
        labels,
    })
}

/// `:xray KIND [NS|all] [@CTX…]`: KIND must be one xray starts from.
fn xray(rest: &[&str], kinds: &KindRegistry) -> Result<Command, ParseError> {
    let usage = || {
        format!(
            "usage: :xray KIND [namespace|all] [@contexts], KIND one of {}",
            Root::NAMES
        )
    };
    let mut context = None;
    let rest: Vec<&str> = rest
        .iter()
        .filter(|w| match w.strip_prefix('@') {
            Some(c) => {
                context = Some(c.to_string());
                false
            }
            None => true,
        })
        .copied()
        .collect();
    if context.as_deref() == Some("") {
        return Err("@ needs a context name, as in :xray deploy @prod".into());
    }
    let (kind, ns) = match rest.as_slice() {
        [kind] => (kind, None),
        [kind, ns] => (kind, Some(ns_choice(ns)?)),
        _ => return Err(usage().into()),
    };
    let kind = kinds
        .resolve(&kind.to_lowercase())
        .cloned()
        .filter(|k| Root::of(k).is_some())
        .ok_or_else(|| format!("xray cannot start from \"{kind}\"; {}", usage()))?;
    Ok(Command::Xray {
        kind,
        namespace: ns,
        context,
    })
}

/// `all` (or `-A`, `*`), or a namespace name, which must be a DNS-1123 label as the apiserver requires;
/// a label selector or a filter typed where a namespace goes is refused with the right syntax.
fn ns_choice(w: &str) -> Result<NsChoice, String> {
    match w {
        "all" | "-A" | "*" => Ok(NsChoice::All),
        n if is_dns_label(n) => Ok(NsChoice::Named(n.to_string())),
        n if n.contains('=') => Err(format!(
            "\"{n}\" is not a namespace name; for labels use -l {n}"
        )),
        n if n.starts_with('/') => Err(format!(
            "\"{n}\" is not a namespace name; to filter, press / and type {}",
            &n[1..]
        )),
        n => Err(format!("\"{n}\" is not a namespace name")),
    }
}

/// A DNS-1123 label: lower-case alphanumerics and `-`, starting and ending alphanumeric, ≤ 63 bytes.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Candidates for the word being typed at the end of `input`.
pub fn completions(
    input: &str,
    kinds: &KindRegistry,
    namespaces: &[String],
    contexts: &[String],
) -> Vec<String> {
    let words: Vec<&str> = input.split_whitespace().collect();
    let ends_with_space = input.ends_with(' ');
    let (prefix, position) = match (words.len(), ends_with_space) {
        (0, _) => ("", 0),
        (n, true) => ("", n),
        (n, false) => (words[n - 1], n - 1),
    };
    let pool: Vec<String> = if position == 0 {
        let mut v = kinds.names();
        v.extend(BUILTIN_WORDS.iter().map(|s| s.to_string()));
        v
    } else if let Some(p) = prefix.strip_prefix('@') {
        // After a comma, the next context of a list (`@a,b`); `@all` merges every context.
        let (done, p) = match p.rsplit_once(',') {
            Some((done, p)) => (format!("{done},"), p),
            None => (String::new(), p),
        };
        let all = done.is_empty().then_some("all");
        return contexts
            .iter()
            .map(String::as_str)
            .chain(all)
            .filter(|c| c.starts_with(p))
            .map(|c| format!("@{done}{c}"))
            .collect();
    } else if matches!(
        words.first().copied(),
        Some("ctx" | "context" | "contexts" | "use" | "use-context")
    ) {
        contexts.to_vec()
    } else if position == 1 && words.first() == Some(&"xray") {
        [
            "deployments",
            "statefulsets",
            "daemonsets",
            "replicasets",
            "jobs",
            "cronjobs",
            "pods",
            "services",
        ]
        .map(String::from)
        .to_vec()
    } else {
        let mut v = namespaces.to_vec();
        v.push("all".into());
        v
    };
    let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(prefix)).collect();
    out.sort();
    out.dedup();
    out
}

/// `input` with its last word replaced by `word`.
pub fn apply_completion(input: &str, word: &str) -> String {
    let keep = if input.ends_with(' ') || input.is_empty() {
        input
    } else {
        match input.rfind(' ') {
            Some(i) => &input[..=i],
            None => "",
        }
    };
    format!("{keep}{word}")
}

/// Commands that were run, for `[` (back), `]` (forward) and `-` (previous one).
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<String>,
    /// Index of the entry currently shown; `entries.len() - 1` after a new command.
    pos: usize,
}

impl History {
    const MAX: usize = 50;

    pub fn push(&mut self, cmd: &str) {
        if self.entries.last().map(String::as_str) != Some(cmd) {
            self.entries.push(cmd.to_string());
            if self.entries.len() > Self::MAX {
                self.entries.remove(0);
            }
        }
        self.pos = self.entries.len().saturating_sub(1);
    }

    pub fn back(&mut self) -> Option<String> {
        if self.pos == 0 {
            return None;
        }
        self.pos -= 1;
        self.entries.get(self.pos).cloned()
    }

    pub fn forward(&mut self) -> Option<String> {
        if self.pos + 1 >= self.entries.len() {
            return None;
        }
        self.pos += 1;
        self.entries.get(self.pos).cloned()
    }

    /// The command before the current one; running it makes `-` toggle between the two.
    pub fn last(&self) -> Option<String> {
        let n = self.entries.len();
        (n >= 2).then(|| self.entries[n - 2].clone())
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_saves_the_context() {
        let k = KindRegistry::default();
        assert_eq!(parse(":use", &k), Ok(Command::SaveContext(None)));
        assert_eq!(
            parse("use prod", &k),
            Ok(Command::SaveContext(Some("prod".into())))
        );
        assert!(parse("use a b", &k).is_err());
        assert_eq!(
            completions("use pr", &k, &[], &["prod".into(), "dev".into()]),
            vec!["prod".to_string()]
        );
    }

    #[test]
    fn parses_kinds_namespaces_and_contexts() {
        let k = KindRegistry::default();
        match parse(":po ns-x @prod -l app=web,tier!=db", &k).unwrap() {
            Command::View {
                kind,
                namespace,
                context,
                labels,
            } => {
                assert_eq!(kind.plural, "pods");
                assert_eq!(namespace, Some(NsChoice::Named("ns-x".into())));
                assert_eq!(context.as_deref(), Some("prod"));
                assert_eq!(labels.as_deref(), Some("app=web,tier!=db"));
            }
            c => panic!("{c:?}"),
        }
        assert!(matches!(
            parse("pods -lapp=x", &k).unwrap(),
            Command::View { labels: Some(l), namespace: None, .. } if l == "app=x"
        ));
        // What k9s users type where a namespace goes, refused with the right syntax.
        let e = parse("pods app=cart", &k).unwrap_err().to_string();
        assert!(e.contains("for labels use -l app=cart"), "{e}");
        let e = parse("pods /kafka", &k).unwrap_err().to_string();
        assert!(e.contains("to filter, press / and type kafka"), "{e}");
        assert!(parse("ns Bad_Name", &k).is_err());
        assert!(parse("pods -l", &k).is_err());
        assert!(parse("pods -l =x", &k).is_err());
        assert!(matches!(
            parse("deploy all", &k).unwrap(),
            Command::View {
                namespace: Some(NsChoice::All),
                ..
            }
        ));
        assert_eq!(parse("ctx", &k).unwrap(), Command::Contexts);
        assert_eq!(
            parse("ctx kind-a", &k).unwrap(),
            Command::UseContext("kind-a".into())
        );
        assert_eq!(
            parse("ns kube-system", &k).unwrap(),
            Command::Namespace(NsChoice::Named("kube-system".into()))
        );
        assert!(matches!(parse("ns", &k).unwrap(), Command::View { .. }));
        assert_eq!(parse("q", &k).unwrap(), Command::Quit);
        assert_eq!(
            parse("frobs", &k),
            Err(ParseError::UnknownKind("frobs".into()))
        );
        assert!(
            parse("frobs", &k)
                .unwrap_err()
                .to_string()
                .contains("unknown command")
        );
        // A built-in word used wrongly is not an unknown kind.
        assert!(matches!(parse("use a b", &k), Err(ParseError::Invalid(_))));
        assert!(parse("po a b", &k).is_err());
    }

    #[test]
    fn completes_kinds_namespaces_and_contexts() {
        let k = KindRegistry::default();
        let ns = vec!["default".to_string(), "dev".to_string()];
        let ctx = vec!["kind-a".to_string(), "prod".to_string()];
        let c = completions("dep", &k, &ns, &ctx);
        assert!(c.contains(&"deploy".to_string()) && c.contains(&"deployments".to_string()));
        assert_eq!(completions("pods d", &k, &ns, &ctx), ["default", "dev"]);
        assert_eq!(completions("pods dev @p", &k, &ns, &ctx), ["@prod"]);
        assert_eq!(
            completions("pods @", &k, &ns, &ctx),
            ["@kind-a", "@prod", "@all"]
        );
        assert_eq!(completions("pods @prod,k", &k, &ns, &ctx), ["@prod,kind-a"]);
        assert_eq!(completions("ctx ", &k, &ns, &ctx), ["kind-a", "prod"]);
        assert_eq!(apply_completion("pods d", "dev"), "pods dev");
        assert_eq!(apply_completion("dep", "deploy"), "deploy");
    }

    #[test]
    fn history_walks_back_and_forward() {
        let mut h = History::default();
        assert_eq!(h.back(), None);
        for c in ["pods", "deploy", "svc"] {
            h.push(c);
        }
        assert_eq!(h.last().as_deref(), Some("deploy"));
        assert_eq!(h.back().as_deref(), Some("deploy"));
        assert_eq!(h.back().as_deref(), Some("pods"));
        assert_eq!(h.back(), None);
        assert_eq!(h.forward().as_deref(), Some("deploy"));
        assert_eq!(h.forward().as_deref(), Some("svc"));
        assert_eq!(h.forward(), None);
    }
}
