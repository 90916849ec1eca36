//! kubectx's and kubens's argument grammar, parsed exactly as kubectx parses it: one positional word
//! decides the operation, `NEW=OLD` renames, `-` means "previous", and anything else starting with `-`
//! is rejected with kubectx's message.

/// What `kubectx ARGS` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxOp {
    List,
    Pick,
    PickDelete,
    Help,
    Version,
    Current,
    Unset,
    Switch(String),
    Rename { new: String, old: String },
    Delete(Vec<String>),
    Unsupported(String),
}

/// What `kubens ARGS` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsOp {
    List,
    Pick,
    Help,
    Version,
    Current,
    Unset,
    Switch { target: String, force: bool },
    Unsupported(String),
}

/// Parses kubectx's arguments. `interactive` is true when stdout is a terminal and `KUBECTX_IGNORE_FZF`
/// is unset, which is when kubectx opens its picker.
pub fn parse_ctx(argv: &[String], interactive: bool) -> CtxOp {
    let Some(first) = argv.first() else {
        return if interactive {
            CtxOp::Pick
        } else {
            CtxOp::List
        };
    };
    match first.as_str() {
        // kubectx's isolated and read-only shells: kdeck's per-shell context is `kdeck use`.
        "-s" | "--shell" | "-r" | "--readonly" => {
            return CtxOp::Unsupported(format!(
                "unsupported option '{first}' (for a context in this shell only, use `kdeck use NAME`)"
            ));
        }
        "-d" => {
            return match &argv[1..] {
                [] if interactive => CtxOp::PickDelete,
                [] => CtxOp::Unsupported("'-d' needs arguments".into()),
                rest => CtxOp::Delete(rest.to_vec()),
            };
        }
        _ => {}
    }
    if argv.len() > 1 {
        return CtxOp::Unsupported("too many arguments".into());
    }
    match first.as_str() {
        "-h" | "--help" => CtxOp::Help,
        "-V" | "--version" => CtxOp::Version,
        "-c" | "--current" => CtxOp::Current,
        "-u" | "--unset" => CtxOp::Unset,
        v => {
            if let Some((new, old)) = v.split_once('=')
                && !new.is_empty()
                && !old.is_empty()
            {
                return CtxOp::Rename {
                    new: new.to_string(),
                    old: old.to_string(),
                };
            }
            if v.starts_with('-') && v != "-" {
                return CtxOp::Unsupported(format!("unsupported option '{v}'"));
            }
            CtxOp::Switch(v.to_string())
        }
    }
}

/// Parses kubens's arguments (`NAME`, `NAME -f`, `-f NAME`, `-`, `-c`, `-u`, `-h`, `-V`).
pub fn parse_ns(argv: &[String], interactive: bool) -> NsOp {
    match argv {
        [] if interactive => NsOp::Pick,
        [] => NsOp::List,
        [one] => match one.as_str() {
            "-h" | "--help" => NsOp::Help,
            "-V" | "--version" => NsOp::Version,
            "-c" | "--current" => NsOp::Current,
            "-u" | "--unset" => NsOp::Unset,
            v => switch_op(v, false),
        },
        [a, b] => {
            let is_force = |s: &str| s == "-f" || s == "--force";
            if is_force(b) {
                switch_op(a, true)
            } else if is_force(a) {
                switch_op(b, true)
            } else {
                NsOp::Unsupported(format!("unsupported arguments {}", go_quote_list(argv)))
            }
        }
        _ => NsOp::Unsupported("too many arguments".into()),
    }
}

fn switch_op(v: &str, force: bool) -> NsOp {
    if v.starts_with('-') && v != "-" {
        return NsOp::Unsupported(format!("unsupported option \"{v}\""));
    }
    NsOp::Switch {
        target: v.to_string(),
        force,
    }
}

/// Go's `%q` of a string slice, which kubens uses in its message: `["a" "b"]`.
fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(args: &[&str]) -> CtxOp {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_ctx(&v, false)
    }

    fn ns(args: &[&str]) -> NsOp {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_ns(&v, false)
    }

    #[test]
    fn kubectx_grammar() {
        assert_eq!(ctx(&[]), CtxOp::List);
        assert_eq!(parse_ctx(&[], true), CtxOp::Pick);
        assert_eq!(ctx(&["-"]), CtxOp::Switch("-".into()));
        assert_eq!(ctx(&["prod"]), CtxOp::Switch("prod".into()));
        assert_eq!(ctx(&["--current"]), CtxOp::Current);
        assert_eq!(ctx(&["-u"]), CtxOp::Unset);
        assert_eq!(ctx(&["-V"]), CtxOp::Version);
        assert_eq!(ctx(&["-h"]), CtxOp::Help);
        assert_eq!(
            ctx(&["new=."]),
            CtxOp::Rename {
                new: "new".into(),
                old: ".".into()
            }
        );
        assert_eq!(
            ctx(&["a=b=c"]),
            CtxOp::Rename {
                new: "a".into(),
                old: "b=c".into()
            }
        );
        assert_eq!(ctx(&["=b"]), CtxOp::Switch("=b".into()));
        assert_eq!(
            ctx(&["-d", "a", "."]),
            CtxOp::Delete(vec!["a".into(), ".".into()])
        );
        assert_eq!(
            ctx(&["-d"]),
            CtxOp::Unsupported("'-d' needs arguments".into())
        );
        assert_eq!(parse_ctx(&["-d".into()], true), CtxOp::PickDelete);
        assert_eq!(
            ctx(&["-x"]),
            CtxOp::Unsupported("unsupported option '-x'".into())
        );
        assert_eq!(
            ctx(&["a", "b"]),
            CtxOp::Unsupported("too many arguments".into())
        );
        assert!(matches!(ctx(&["-s", "a"]), CtxOp::Unsupported(_)));
    }

    #[test]
    fn kubens_grammar() {
        assert_eq!(ns(&[]), NsOp::List);
        assert_eq!(parse_ns(&[], true), NsOp::Pick);
        let sw = |t: &str, force| NsOp::Switch {
            target: t.into(),
            force,
        };
        assert_eq!(ns(&["kube-system"]), sw("kube-system", false));
        assert_eq!(ns(&["x", "-f"]), sw("x", true));
        assert_eq!(ns(&["--force", "x"]), sw("x", true));
        assert_eq!(ns(&["-"]), sw("-", false));
        assert_eq!(ns(&["-c"]), NsOp::Current);
        assert_eq!(ns(&["-u"]), NsOp::Unset);
        assert_eq!(
            ns(&["-z"]),
            NsOp::Unsupported("unsupported option \"-z\"".into())
        );
        assert_eq!(
            ns(&["a", "b"]),
            NsOp::Unsupported("unsupported arguments [\"a\" \"b\"]".into())
        );
        assert_eq!(
            ns(&["a", "b", "c"]),
            NsOp::Unsupported("too many arguments".into())
        );
    }
}
