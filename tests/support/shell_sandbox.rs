//! Test support for tests/shell_hooks.rs: a temp HOME/XDG sandbox with a fixture kubeconfig, and
//! scripted interactive shell sessions whose `@name=value` output lines are the observations.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::tools::{self, Tool};

pub const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");

pub const KUBECONFIG: &str = "\
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443
users:
- name: u1
  user:
    token: old-token
contexts:
- name: dev
  context:
    cluster: c1
    user: u1
    namespace: web
- name: prod-eu
  context:
    cluster: c1
    user: u1
";

pub struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for d in ["home/.kube", "run", "proj/sub", "elsewhere"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("home/.kube/config"), KUBECONFIG).unwrap();
        std::fs::write(
            root.join("proj/.kdeck.yaml"),
            "context: prod-eu\nnamespace: payments\nreadonly: true\n",
        )
        .unwrap();
        Sandbox { _tmp: tmp, root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn global_kubeconfig(&self) -> PathBuf {
        self.path("home/.kube/config")
    }

    pub fn runtime(&self) -> PathBuf {
        self.path("run")
    }

    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("XDG_CACHE_HOME", self.path("home/.cache"))
            .env("XDG_RUNTIME_DIR", self.runtime())
            .env("TERM", "dumb")
            .env("NO_COLOR", "1")
            .current_dir(self.path("elsewhere"));
        c
    }

    /// Runs `script` in an interactive `shell` with the hook installed; `None` when the test must skip
    /// because the shell, or kubectl (which the scripts ask for the context), is missing.
    pub fn session(&self, shell: &str, script: &str, kubeconfig: Option<&str>) -> Option<Session> {
        tools::need(Tool::Kubectl)?;
        let program = match shell {
            "zsh" => tools::need(Tool::Zsh)?,
            "fish" => {
                tools::need(Tool::Script)?;
                tools::need(Tool::Fish)?
            }
            other => PathBuf::from(other),
        };
        let mut cmd = self.command(&program.to_string_lossy());
        match shell {
            "bash" => {
                let rc = self.path("bashrc");
                std::fs::write(
                    &rc,
                    format!("eval \"$('{KDECK}' hook bash)\"\nPS1='$KDECK_PS1 $ '\n"),
                )
                .unwrap();
                cmd.arg("--rcfile").arg(rc).arg("-i");
            }
            "zsh" => {
                let zd = self.path("zdot");
                std::fs::create_dir_all(&zd).unwrap();
                std::fs::write(
                    zd.join(".zshrc"),
                    format!("eval \"$('{KDECK}' hook zsh)\"\n"),
                )
                .unwrap();
                cmd.env("ZDOTDIR", zd).arg("-i");
            }
            "fish" => {
                let fd = self.path("home/.config/fish");
                std::fs::create_dir_all(&fd).unwrap();
                std::fs::write(
                    fd.join("config.fish"),
                    format!("'{KDECK}' hook fish | source\n"),
                )
                .unwrap();
                // fish fires its prompt event only on a terminal, so it gets a pty through script(1).
                cmd = self.command("script");
                let fish = format!("'{}' -i", program.display());
                cmd.args(["-qfec", &fish, "/dev/null"]);
            }
            other => panic!("unknown shell {other}"),
        }
        if let Some(kc) = kubeconfig {
            cmd.env("KUBECONFIG", kc);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(script.as_bytes()).unwrap();
            stdin.write_all(b"exit\n").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut seen = HashMap::new();
        for line in stdout.lines() {
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(at) = line.find('@')
                && let Some((k, v)) = line[at + 1..].split_once('=')
                && !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                seen.insert(k.to_string(), v.trim_end().to_string());
            }
        }
        Some(Session {
            seen,
            stdout,
            stderr,
        })
    }
}

pub struct Session {
    pub seen: HashMap<String, String>,
    pub stdout: String,
    pub stderr: String,
}

impl Session {
    pub fn get(&self, key: &str) -> &str {
        self.seen.get(key).map(String::as_str).unwrap_or_else(|| {
            panic!(
                "no @{key} in the session\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Shell syntax for "print `@label=<output of cmd>`" and "print `@label=<KUBECONFIG or unset>`". The
/// marker is split in the command text (`'@''label='`) so an echoed command line never matches.
pub fn show(shell: &str, label: &str, cmd: &str) -> String {
    match shell {
        "fish" => format!("echo '@''{label}='({cmd} | string collect)\n"),
        _ => format!("echo '@''{label}='\"$({cmd})\"\n"),
    }
}

pub fn show_kc(shell: &str, label: &str) -> String {
    match shell {
        "fish" => format!(
            "if set -q KUBECONFIG; echo '@''{label}=set:'$KUBECONFIG; else; echo '@''{label}=unset'; end\n"
        ),
        _ => format!("echo '@''{label}='\"${{KUBECONFIG+set:}}${{KUBECONFIG-unset}}\"\n"),
    }
}
