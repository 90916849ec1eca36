//! The fake shell's commands and the container's small read-only filesystem. Everything printed is a
//! function of the pod (name, namespace, IP, image, env) and the session (cwd, last status, tty size).

use super::{FakeShell, Kind, Ran};

const DIRS: &[(&str, &[&str])] = &[
    (
        "/",
        &[
            "bin", "dev", "etc", "home", "lib", "proc", "root", "sys", "tmp", "usr", "var",
        ],
    ),
    (
        "/etc",
        &["hostname", "hosts", "os-release", "passwd", "resolv.conf"],
    ),
    ("/bin", COMMANDS),
    ("/usr", &["bin", "lib", "local", "sbin", "share"]),
    ("/var", &["cache", "lib", "log", "run", "tmp"]),
    (
        "/dev",
        &["null", "stderr", "stdin", "stdout", "tty", "zero"],
    ),
    ("/home", &[]),
    ("/root", &[]),
    ("/tmp", &[]),
    ("/proc", &[]),
    ("/sys", &[]),
    ("/lib", &[]),
];

const COMMANDS: &[&str] = &[
    "cat", "echo", "env", "false", "hostname", "id", "ls", "printenv", "pwd", "sh", "stty", "true",
    "uname", "whoami",
];

const BUILTINS: &[&str] = &["cd", "command", "exec", "exit", "export", ":"];

fn ok(out: impl Into<String>) -> Ran {
    Ran {
        out: out.into(),
        err: String::new(),
        code: 0,
    }
}

fn fail(err: impl Into<String>, code: i32) -> Ran {
    Ran {
        out: String::new(),
        err: err.into(),
        code,
    }
}

/// `sh`, `/bin/bash`, … → which shell, if it is one.
fn shell_kind(cmd: &str) -> Option<Kind> {
    match cmd.rsplit('/').next().unwrap_or(cmd) {
        "sh" | "ash" | "dash" => Some(Kind::Sh),
        "bash" => Some(Kind::Bash),
        _ => None,
    }
}

impl FakeShell {
    /// Minimal images (alpine, busybox) have no bash, as `command -v bash` then finds out.
    fn has_bash(&self) -> bool {
        let image = self.ctx.image.to_ascii_lowercase();
        !(image.contains("alpine") || image.contains("busybox"))
    }

    fn exists(&self, cmd: &str) -> bool {
        match shell_kind(cmd) {
            Some(Kind::Bash) => self.has_bash(),
            Some(Kind::Sh) => true,
            None => COMMANDS.contains(&cmd) || BUILTINS.contains(&cmd),
        }
    }

    fn not_found(&self, cmd: &str) -> Ran {
        let msg = match self.shells.last() {
            Some(Kind::Bash) => format!("bash: {cmd}: command not found\n"),
            _ => format!("sh: {cmd}: not found\n"),
        };
        fail(msg, 127)
    }

    pub(super) fn run_words(&mut self, cmd: &str, args: &[String]) -> Ran {
        if let Some(kind) = shell_kind(cmd) {
            return self.shell(cmd, kind, args);
        }
        let name = ["/usr/local/bin/", "/usr/bin/", "/bin/"]
            .iter()
            .find_map(|p| cmd.strip_prefix(p))
            .filter(|n| COMMANDS.contains(n))
            .unwrap_or(cmd);
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        match (name, a.as_slice()) {
            (":" | "true", _) => ok(""),
            ("false", _) => fail("", 1),
            ("echo", ["-n", rest @ ..]) => ok(rest.join(" ")),
            ("echo", rest) => ok(format!("{}\n", rest.join(" "))),
            ("hostname", _) => ok(format!("{}\n", self.ctx.pod)),
            ("pwd", _) => ok(format!("{}\n", self.cwd)),
            ("whoami", _) => ok("root\n"),
            ("id", _) => ok("uid=0(root) gid=0(root) groups=0(root)\n"),
            ("uname", ["-a"]) => ok(format!(
                "Linux {} 6.8.0-kdeck-sim #1 SMP x86_64 GNU/Linux\n",
                self.ctx.pod
            )),
            ("uname", _) => ok("Linux\n"),
            ("env", []) | ("printenv", []) => ok(self
                .env
                .iter()
                .map(|(k, v)| format!("{k}={v}\n"))
                .collect::<String>()),
            ("printenv", names) => {
                let vals: Vec<String> = names.iter().filter_map(|n| self.var(n)).collect();
                let code = if vals.len() == names.len() { 0 } else { 1 };
                Ran {
                    out: vals.iter().map(|v| format!("{v}\n")).collect(),
                    err: String::new(),
                    code,
                }
            }
            ("env", [first, ..]) => {
                fail(format!("env: '{first}': No such file or directory\n"), 127)
            }
            ("export", assignments) => {
                for a in assignments {
                    if let Some((k, v)) = a.split_once('=') {
                        self.env.retain(|(name, _)| name != k);
                        self.env.push((k.to_string(), v.to_string()));
                    }
                }
                ok("")
            }
            ("cd", rest) => self.cd(rest.first().copied().unwrap_or("/root")),
            ("ls", rest) => self.ls(rest),
            ("cat", files) => self.cat(files),
            ("stty", ["size"]) => match (self.tty, self.size) {
                (true, Some((w, h))) => ok(format!("{h} {w}\n")),
                (true, None) => ok("0 0\n"),
                (false, _) => fail("stty: standard input: Not a tty\n", 1),
            },
            ("stty", _) => ok(""),
            ("command", ["-v", what]) => match self.exists(what) {
                true if BUILTINS.contains(what) => ok(format!("{what}\n")),
                true => ok(format!(
                    "/bin/{}\n",
                    what.rsplit('/').next().unwrap_or(what)
                )),
                false => fail("", 1),
            },
            ("exit", []) => {
                self.exit(self.status);
                ok("")
            }
            ("exit", [n, ..]) => match n.parse::<i32>() {
                Ok(code) => {
                    let code = code.rem_euclid(256);
                    self.exit(code);
                    Ran { code, ..ok("") }
                }
                Err(_) => {
                    let msg = format!(
                        "{}: exit: {n}: numeric argument required\n",
                        self.shell_name()
                    );
                    self.exit(2);
                    fail(msg, 2)
                }
            },
            ("exec", []) => ok(""),
            ("exec", [prog, rest @ ..]) => {
                let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
                let ran = self.run_words(prog, &rest);
                // The program replaced the shell: its end is the shell's end.
                if shell_kind(prog).is_none() || !self.exists(prog) {
                    self.exit(ran.code);
                }
                ran
            }
            _ => self.not_found(cmd),
        }
    }

    /// A shell: with `-c` it runs the script (and is done unless the script `exec`s a shell), otherwise
    /// it becomes the interactive shell reading stdin.
    fn shell(&mut self, cmd: &str, kind: Kind, args: &[String]) -> Ran {
        if !self.exists(cmd) {
            return self.not_found(cmd);
        }
        let script = args
            .iter()
            .position(|a| a == "-c")
            .map(|i| args.get(i + 1).cloned());
        match script {
            Some(None) => fail(
                format!("{}: -c: option requires an argument\n", kind.name()),
                2,
            ),
            Some(Some(script)) => {
                let depth = self.shells.len();
                self.shells.push(kind);
                self.run_line(&script);
                if self.shells.len() > depth + 1 {
                    // The script `exec`'d a shell, which takes the script shell's place.
                    self.shells.remove(depth);
                } else if self.shells.len() == depth + 1 {
                    self.shells.pop();
                }
                Ran {
                    code: self.status,
                    ..ok("")
                }
            }
            None => {
                self.shells.push(kind);
                ok("")
            }
        }
    }

    fn resolve(&self, path: &str) -> String {
        let joined = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.cwd)
        };
        let mut parts: Vec<&str> = Vec::new();
        for p in joined.split('/') {
            match p {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        format!("/{}", parts.join("/"))
    }

    fn dir(&self, path: &str) -> Option<&'static [&'static str]> {
        DIRS.iter().find(|(d, _)| *d == path).map(|(_, e)| *e)
    }

    fn file(&self, path: &str) -> Option<String> {
        let c = &self.ctx;
        let bash = self.has_bash();
        Some(match path {
            "/etc/hostname" => format!("{}\n", c.pod),
            "/etc/hosts" => format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{}\t{}\n",
                c.pod_ip, c.pod
            ),
            "/etc/resolv.conf" => format!(
                "search {0}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                c.namespace
            ),
            "/etc/os-release" if bash => "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n".into(),
            "/etc/os-release" => "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n".into(),
            "/etc/passwd" if bash => "root:x:0:0:root:/root:/bin/bash\n".into(),
            "/etc/passwd" => "root:x:0:0:root:/root:/bin/sh\n".into(),
            "/dev/null" => String::new(),
            _ => return None,
        })
    }

    fn cd(&mut self, to: &str) -> Ran {
        let path = self.resolve(to);
        if self.dir(&path).is_some() {
            self.cwd = path;
            return ok("");
        }
        let msg = match self.shells.last() {
            Some(Kind::Bash) => format!("bash: cd: {to}: No such file or directory\n"),
            _ => format!("sh: cd: can't cd to {to}: No such file or directory\n"),
        };
        fail(msg, 1)
    }

    fn ls(&self, args: &[&str]) -> Ran {
        let paths: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        let targets = if paths.is_empty() { vec!["."] } else { paths };
        let mut ran = ok("");
        for (i, t) in targets.iter().enumerate() {
            let path = self.resolve(t);
            if let Some(entries) = self.dir(&path) {
                if targets.len() > 1 {
                    let sep = if i > 0 { "\n" } else { "" };
                    ran.out.push_str(&format!("{sep}{t}:\n"));
                }
                for e in entries {
                    ran.out.push_str(&format!("{e}\n"));
                }
            } else if self.file(&path).is_some() {
                ran.out.push_str(&format!("{t}\n"));
            } else {
                ran.err.push_str(&format!(
                    "ls: cannot access '{t}': No such file or directory\n"
                ));
                ran.code = 2;
            }
        }
        ran
    }

    fn cat(&self, files: &[&str]) -> Ran {
        let mut ran = ok("");
        for f in files {
            let path = self.resolve(f);
            match self.file(&path) {
                Some(text) => ran.out.push_str(&text),
                None if self.dir(&path).is_some() => {
                    ran.err.push_str(&format!("cat: {f}: Is a directory\n"));
                    ran.code = 1;
                }
                None => {
                    ran.err
                        .push_str(&format!("cat: {f}: No such file or directory\n"));
                    ran.code = 1;
                }
            }
        }
        ran
    }
}
