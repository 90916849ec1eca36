//! Shell code the binary prints for the hook to `eval`: assignments, exports and unsets, quoted for
//! bash, zsh or fish. Nothing else in kdeck builds shell syntax by hand.

use crate::cli::Shell;

/// First line of every eval-able output; the hook's wrapper evaluates output only when it starts with
/// this, so `--help` text or an error can never be executed.
pub const MARKER: &str = "# kdeck-eval";

/// Accumulates shell code for one shell.
#[derive(Debug)]
pub struct Emitter {
    shell: Shell,
    code: String,
}

impl Emitter {
    pub fn new(shell: Shell) -> Self {
        Emitter {
            shell,
            code: format!("{MARKER}\n"),
        }
    }

    pub fn shell(&self) -> Shell {
        self.shell
    }

    /// Sets a shell variable (global, not exported).
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        let v = quote(self.shell, value);
        self.line(match self.shell {
            Shell::Fish => format!("set -g {name} {v}"),
            Shell::Bash | Shell::Zsh => format!("{name}={v}"),
        })
    }

    /// Sets a list variable.
    pub fn set_list(&mut self, name: &str, values: &[String]) -> &mut Self {
        let items: Vec<String> = values.iter().map(|v| quote(self.shell, v)).collect();
        let items = items.join(" ");
        self.line(match self.shell {
            Shell::Fish => format!("set -g {name} {items}"),
            Shell::Bash | Shell::Zsh => format!("{name}=({items})"),
        })
    }

    /// Exports `name=value`, or unsets it when `value` is `None`.
    pub fn export(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        let line = match (self.shell, value) {
            (Shell::Fish, Some(v)) => format!("set -gx {name} {}", quote(self.shell, v)),
            (Shell::Fish, None) => format!("set -e -g {name}"),
            (_, Some(v)) => format!("export {name}={}", quote(self.shell, v)),
            (_, None) => format!("unset {name}"),
        };
        self.line(line)
    }

    /// Sets `name` to the output of calling the shell function named by variable `func` with `arg`.
    pub fn set_from_function(&mut self, name: &str, func: &str, arg: &str) -> &mut Self {
        let a = quote(self.shell, arg);
        self.line(match self.shell {
            Shell::Fish => format!("set -g {name} (${func} {a})"),
            Shell::Bash | Shell::Zsh => format!("{name}=$(\"${func}\" {a})"),
        })
    }

    /// Sets `name` to the colour sequence for what the shell function named by variable `func` answers
    /// for the value of variable `arg` (through the hook script's `_kdeck_fg`, kube-ps1's colour rule).
    pub fn set_color_from_function(&mut self, name: &str, func: &str, arg: &str) -> &mut Self {
        self.line(match self.shell {
            Shell::Fish => format!("set -g {name} (_kdeck_fg (${func} ${arg}))"),
            Shell::Bash | Shell::Zsh => {
                format!("{name}=$(_kdeck_fg \"$(\"${func}\" \"${arg}\")\")")
            }
        })
    }

    /// Sets `name` to a concatenation of literal text and the values of other variables.
    pub fn set_concat(&mut self, name: &str, parts: &[Part<'_>]) -> &mut Self {
        let mut v = String::new();
        for p in parts {
            match p {
                Part::Lit(s) => v.push_str(&quote(self.shell, s)),
                Part::Var(var) => v.push_str(&format!("\"${var}\"")),
            }
        }
        if v.is_empty() {
            v = quote(self.shell, "");
        }
        self.line(match self.shell {
            Shell::Fish => format!("set -g {name} {v}"),
            Shell::Bash | Shell::Zsh => format!("{name}={v}"),
        })
    }

    pub fn finish(self) -> String {
        self.code
    }

    fn line(&mut self, line: String) -> &mut Self {
        self.code.push_str(&line);
        self.code.push('\n');
        self
    }
}

/// A part of [`Emitter::set_concat`].
pub enum Part<'a> {
    Lit(&'a str),
    Var(&'a str),
}

/// Single-quotes a value so the shell takes it byte for byte.
pub fn quote(shell: Shell, value: &str) -> String {
    match shell {
        Shell::Fish => format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'")),
        Shell::Bash | Shell::Zsh => format!("'{}'", value.replace('\'', r"'\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(shell: &str, code: &str, print: &str) -> Option<String> {
        let script = format!("{code}\n{print}");
        let out = std::process::Command::new(shell)
            .args(["-c", &script])
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn quoting_round_trips_in_real_shells() {
        let tricky = "it's \\ \"q\" $HOME `x` \x01%{\n}";
        for (shell, kind, print) in [
            ("bash", Shell::Bash, "printf '%s|' \"$v\" \"${l[@]}\""),
            ("zsh", Shell::Zsh, "printf '%s|' \"$v\" \"${l[@]}\""),
            ("fish", Shell::Fish, "printf '%s|' \"$v\" $l"),
        ] {
            let mut e = Emitter::new(kind);
            e.set("v", tricky)
                .set_list("l", &["a b".into(), tricky.into()]);
            let Some(out) = run(shell, &e.finish(), print) else {
                eprintln!("skipping {shell}: not installed");
                continue;
            };
            assert_eq!(out, format!("{tricky}|a b|{tricky}|"), "{shell}");
        }
    }

    #[test]
    fn export_and_unset() {
        let mut e = Emitter::new(Shell::Bash);
        e.export("A", Some("x y")).export("B", None);
        assert_eq!(e.finish(), "# kdeck-eval\nexport A='x y'\nunset B\n");
        let mut f = Emitter::new(Shell::Fish);
        f.export("A", Some("x")).export("B", None);
        assert_eq!(f.finish(), "# kdeck-eval\nset -gx A 'x'\nset -e -g B\n");
    }
}
