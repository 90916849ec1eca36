//! A deterministic fake shell for the sim's `pods/exec`: no process is ever started. Bytes from the
//! client's stdin go in, stdout/stderr bytes and finally an exit code come out, so the whole thing is a
//! pure state machine tested without I/O.
//!
//! Owns: choosing between a one-shot command and an interactive shell (`sh`, `bash`, or `sh -c` that
//! `exec`s one, as k9s and kdeck send), the tty line discipline (echo, `\r` → `\r\n`, backspace, ^C,
//! ^D on an empty line, escape sequences ignored), prompts, and the command line grammar (`words`).
//! The commands themselves and the pod's small read-only filesystem live in `commands`.
//! Must not: touch the network, the store or the clock; the protocol is `super::exec`'s job.

mod commands;
mod words;

use words::{Redirect, Token};

/// What the shell knows about the container it pretends to run in.
#[derive(Debug, Clone, Default)]
pub struct PodContext {
    pub pod: String,
    pub namespace: String,
    pub image: String,
    pub pod_ip: String,
    /// The container's literal `env` values from the pod spec, in order.
    pub env: Vec<(String, String)>,
}

/// Bytes for the client; with a tty everything is on stdout, as a terminal has one stream.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// busybox/dash style: `/ # ` prompt, `sh: x: not found`.
    Sh,
    Bash,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sh => "sh",
            Kind::Bash => "bash",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    Start,
    Sequence,
}

pub struct FakeShell {
    ctx: PodContext,
    tty: bool,
    /// Interactive shells, innermost last (typing `sh` nests one); empty when running one command.
    shells: Vec<Kind>,
    env: Vec<(String, String)>,
    cwd: String,
    status: i32,
    exited: Option<i32>,
    size: Option<(u16, u16)>,
    line: Vec<u8>,
    esc: Esc,
    out: Output,
}

/// What a single command produced before redirections are applied.
struct Ran {
    out: String,
    err: String,
    code: i32,
}

impl FakeShell {
    pub fn new(ctx: PodContext, tty: bool) -> Self {
        let mut env = vec![
            (
                "PATH".to_string(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ),
            ("HOSTNAME".to_string(), ctx.pod.clone()),
        ];
        env.extend(ctx.env.iter().cloned());
        env.extend([
            ("KUBERNETES_SERVICE_HOST".into(), "10.96.0.1".into()),
            ("KUBERNETES_SERVICE_PORT".into(), "443".into()),
            ("KUBERNETES_PORT".into(), "tcp://10.96.0.1:443".into()),
        ]);
        if tty {
            env.push(("TERM".into(), "xterm".into()));
        }
        env.push(("HOME".into(), "/root".into()));
        FakeShell {
            ctx,
            tty,
            shells: Vec::new(),
            env,
            cwd: "/".into(),
            status: 0,
            exited: None,
            size: None,
            line: Vec::new(),
            esc: Esc::None,
            out: Output::default(),
        }
    }

    /// Runs the exec's command: a shell becomes interactive (and prints its prompt on a tty), anything
    /// else runs once and sets the exit code.
    pub fn start(&mut self, argv: &[String]) -> Output {
        match argv.split_first() {
            None => self.exited = Some(0),
            Some((cmd, args)) => {
                let ran = self.run_words(cmd, args);
                self.emit(&ran.out, &ran.err);
                self.status = ran.code;
                if self.shells.is_empty() && self.exited.is_none() {
                    self.exited = Some(self.status);
                }
            }
        }
        if self.exited.is_none() {
            self.prompt();
        }
        std::mem::take(&mut self.out)
    }

    /// Feeds stdin bytes; stops reading at the byte that ends the session.
    pub fn feed(&mut self, bytes: &[u8]) -> Output {
        for &b in bytes {
            if self.exited.is_some() {
                break;
            }
            if self.esc != Esc::None {
                self.esc = match (self.esc, b) {
                    (Esc::Start, b'[' | b'O') => Esc::Sequence,
                    (Esc::Sequence, 0x20..=0x3f) => Esc::Sequence,
                    _ => Esc::None,
                };
                continue;
            }
            if self.tty {
                self.tty_byte(b);
            } else if b == b'\n' {
                self.submit();
            } else if b != b'\r' {
                self.line.push(b);
            }
        }
        std::mem::take(&mut self.out)
    }

    /// Stdin closed: a shell reading it reaches end of input and exits with the last status.
    pub fn end_of_input(&mut self) -> Output {
        if self.exited.is_none() {
            if !self.line.is_empty() && !self.tty {
                self.submit();
            }
            self.exited.get_or_insert(self.status);
        }
        std::mem::take(&mut self.out)
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Some((width, height));
    }

    /// The exit code once the session is over.
    pub fn exit_code(&self) -> Option<i32> {
        self.exited
    }

    fn tty_byte(&mut self, b: u8) {
        match b {
            0x1b => self.esc = Esc::Start,
            b'\r' | b'\n' => {
                self.out.stdout.extend_from_slice(b"\r\n");
                self.submit();
            }
            0x7f | 0x08 if !self.line.is_empty() => {
                // Drop a whole UTF-8 character, continuation bytes first.
                while self.line.pop().is_some_and(|c| c & 0xc0 == 0x80) {}
                self.out.stdout.extend_from_slice(b"\x08 \x08");
            }
            // Nothing to erase: a terminal rings the bell at most.
            0x7f | 0x08 => {}
            0x03 => {
                self.out.stdout.extend_from_slice(b"^C\r\n");
                self.line.clear();
                self.status = 130;
                self.prompt();
            }
            0x04 if self.line.is_empty() => {
                self.out.stdout.extend_from_slice(b"exit\r\n");
                self.exit(self.status);
                self.prompt();
            }
            0x15 => {
                let chars = String::from_utf8_lossy(&self.line).chars().count();
                self.out.stdout.extend(b"\x08 \x08".repeat(chars));
                self.line.clear();
            }
            b'\t' | 0x20.. => {
                self.line.push(b);
                self.out.stdout.push(b);
            }
            _ => {}
        }
    }

    fn submit(&mut self) {
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
        self.run_line(&line);
        self.prompt();
    }

    fn prompt(&mut self) {
        let (Some(&kind), true, None) = (self.shells.last(), self.tty, self.exited) else {
            return;
        };
        let p = match kind {
            Kind::Sh => format!("{} # ", self.cwd),
            Kind::Bash => {
                let cwd = match self.cwd.strip_prefix("/root") {
                    Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("~{rest}"),
                    _ => self.cwd.clone(),
                };
                format!("root@{}:{cwd}# ", self.ctx.pod)
            }
        };
        self.out.stdout.extend_from_slice(p.as_bytes());
    }

    /// Leaves the innermost shell (or the session when it is the last one).
    fn exit(&mut self, code: i32) {
        self.status = code;
        self.shells.pop();
        if self.shells.is_empty() {
            self.exited = Some(code);
        }
    }

    fn shell_name(&self) -> &'static str {
        self.shells.last().copied().unwrap_or(Kind::Sh).name()
    }

    fn var(&self, name: &str) -> Option<String> {
        if name == "?" {
            return Some(self.status.to_string());
        }
        if name == "PWD" {
            return Some(self.cwd.clone());
        }
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// Runs a command line: `&&`, `||` and `;` lists of simple commands with redirections.
    fn run_line(&mut self, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let depth = self.shells.len();
        let (mut op, mut at) = (";", 0);
        loop {
            let (cmd, next) = match words::next_command(&chars, at, &|v| self.var(v)) {
                Ok(parsed) => parsed,
                Err(e) => {
                    let msg = format!("{}: {e}\n", self.shell_name());
                    self.emit("", &msg);
                    self.status = 2;
                    return;
                }
            };
            let skip = (op == "&&" && self.status != 0) || (op == "||" && self.status == 0);
            if !skip && !cmd.is_empty() {
                self.run_simple(&cmd);
                // `exit` or an `exec`'d shell replaces the rest of the line.
                if self.exited.is_some() || self.shells.len() != depth {
                    return;
                }
            }
            match next {
                Some((o, i)) => (op, at) = (o, i),
                None => return,
            }
        }
    }

    fn run_simple(&mut self, cmd: &[Token]) {
        let words: Vec<&String> = cmd
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(w),
                _ => None,
            })
            .collect();
        let Some((first, rest)) = words.split_first() else {
            return;
        };
        let args: Vec<String> = rest.iter().map(|s| (*s).clone()).collect();
        let mut ran = self.run_words(first, &args);
        for t in cmd {
            match t {
                Token::Redirect(Redirect::ToFile { fd, both, file }) => {
                    if file != "/dev/null" {
                        ran = Ran {
                            out: String::new(),
                            err: format!(
                                "{}: can't create {file}: Read-only file system\n",
                                self.shell_name()
                            ),
                            code: 1,
                        };
                        break;
                    }
                    if *fd == 1 || *both {
                        ran.out.clear();
                    }
                    if *fd == 2 || *both {
                        ran.err.clear();
                    }
                }
                Token::Redirect(Redirect::ErrToOut) => {
                    let err = std::mem::take(&mut ran.err);
                    ran.out.push_str(&err);
                }
                Token::Redirect(Redirect::OutToErr) => {
                    let out = std::mem::take(&mut ran.out);
                    ran.err.push_str(&out);
                }
                _ => {}
            }
        }
        self.emit(&ran.out, &ran.err);
        self.status = ran.code;
    }

    fn emit(&mut self, out: &str, err: &str) {
        if self.tty {
            for s in [out, err] {
                self.out
                    .stdout
                    .extend_from_slice(s.replace('\n', "\r\n").as_bytes());
            }
        } else {
            self.out.stdout.extend_from_slice(out.as_bytes());
            self.out.stderr.extend_from_slice(err.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests;
