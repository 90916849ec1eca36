//! Test support for kubectl_pinning: a tiny HTTP mirror on 127.0.0.1 and a sandboxed kdeck runner.
//!
//! Items are `pub` for the test file; not every test uses every helper.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

pub const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");

pub fn arch_path() -> String {
    let arch = match std::env::consts::ARCH {
        "aarch64" => "arm64",
        _ => "amd64",
    };
    let os = if cfg!(target_os = "macos") {
        "darwin"
    } else {
        "linux"
    };
    format!("bin/{os}/{arch}/kubectl")
}

#[derive(Clone)]
pub enum Reply {
    Body(Vec<u8>),
    /// Announces `claimed` bytes, sends `body`, closes.
    Truncated {
        body: Vec<u8>,
        claimed: usize,
    },
    /// Chunked body that stops mid-stream without the final chunk.
    Cut(Vec<u8>),
    Redirect(String),
    /// Sends half of the announced body, then hangs (for interrupting a download in progress).
    Stall(Vec<u8>),
}

pub struct Mirror {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Mirror {
    pub fn start(routes: HashMap<String, Reply>) -> Mirror {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let routes = Arc::new(routes);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (routes, log) = (routes.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &routes, &log));
            }
        });
        Mirror { url, requests }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

pub fn serve(stream: TcpStream, routes: &HashMap<String, Reply>, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    log.lock().unwrap().push(path.clone());
    let mut out = stream;
    let head = |status: &str, extra: &str| {
        format!("HTTP/1.1 {status}\r\nConnection: close\r\n{extra}\r\n")
    };
    let _ = match routes.get(&path) {
        None => out
            .write_all(head("404 Not Found", "Content-Length: 9\r\n").as_bytes())
            .and_then(|_| out.write_all(b"not found")),
        Some(Reply::Body(b)) => out
            .write_all(head("200 OK", &format!("Content-Length: {}\r\n", b.len())).as_bytes())
            .and_then(|_| out.write_all(b)),
        Some(Reply::Truncated { body, claimed }) => out
            .write_all(head("200 OK", &format!("Content-Length: {claimed}\r\n")).as_bytes())
            .and_then(|_| out.write_all(body)),
        Some(Reply::Cut(body)) => out
            .write_all(head("200 OK", "Transfer-Encoding: chunked\r\n").as_bytes())
            .and_then(|_| out.write_all(format!("{:x}\r\n", body.len() * 2).as_bytes()))
            .and_then(|_| out.write_all(body)),
        Some(Reply::Stall(body)) => {
            let r = out
                .write_all(
                    head("200 OK", &format!("Content-Length: {}\r\n", body.len() * 2)).as_bytes(),
                )
                .and_then(|_| out.write_all(body))
                .and_then(|_| out.flush());
            std::thread::sleep(std::time::Duration::from_secs(120));
            r
        }
        Some(Reply::Redirect(to)) => out.write_all(
            head(
                "302 Found",
                &format!("Location: {to}\r\nContent-Length: 0\r\n"),
            )
            .as_bytes(),
        ),
    };
    let _ = out.flush();
    let _ = out.shutdown(std::net::Shutdown::Both);
}

pub fn fake_kubectl(label: &str, code: i32) -> Vec<u8> {
    format!("#!/bin/sh\necho \"fake kubectl {label} argv0=${{0##*/}}\"\nfor a in \"$@\"; do echo \"arg:$a\"; done\nexit {code}\n").into_bytes()
}

pub fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Routes for versions served correctly (checksum file with a trailing file name, as dl.k8s.io has it).
pub fn good_routes(versions: &[(&str, i32)]) -> HashMap<String, Reply> {
    let mut routes = HashMap::new();
    for (v, code) in versions {
        let bin = fake_kubectl(v, *code);
        let base = format!("/v{v}/{}", arch_path());
        routes.insert(
            format!("{base}.sha256"),
            Reply::Body(format!("{}  kubectl\n", sha_hex(&bin)).into_bytes()),
        );
        routes.insert(base, Reply::Body(bin));
    }
    routes
}

/// A sandbox: temp HOME and XDG dirs, a project tree, a bin dir with a "system" kubectl, and the shim dir.
pub struct Sandbox {
    root: tempfile::TempDir,
    mirror: String,
}

impl Sandbox {
    pub fn new(mirror: &Mirror) -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        for d in ["home", "data", "cache", "config", "sysbin", "project/a/b/c"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        let sys = root.path().join("sysbin/kubectl");
        std::fs::write(&sys, fake_kubectl("system", 0)).unwrap();
        std::fs::set_permissions(&sys, std::fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox {
            root,
            mirror: mirror.url.clone(),
        }
    }

    pub fn p(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    pub fn shim_dir(&self) -> PathBuf {
        self.p("data/kdeck/shims")
    }

    pub fn command(&self, program: &Path, cwd: &str, path_var: &str) -> Command {
        let mut cmd = Command::new(program);
        let dir = self.p(cwd);
        cmd.env_clear()
            .current_dir(&dir)
            .env("PWD", &dir)
            .env("HOME", self.p("home"))
            .env("XDG_DATA_HOME", self.p("data"))
            .env("XDG_CACHE_HOME", self.p("cache"))
            .env("XDG_CONFIG_HOME", self.p("config"))
            .env("KUBECONFIG", self.p("home/no-kubeconfig"))
            .env("KDECK_KUBECTL_MIRROR", &self.mirror)
            .env("PATH", path_var);
        cmd
    }

    pub fn kdeck(&self, cwd: &str, args: &[&str]) -> Output {
        self.kdeck_env(cwd, args, &[])
    }

    pub fn kdeck_env(&self, cwd: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.shim_dir().display(),
            self.p("sysbin").display()
        );
        let mut cmd = self.command(Path::new(KDECK), cwd, &path);
        cmd.args(args).envs(env.iter().copied());
        cmd.output().unwrap()
    }

    /// Runs `kubectl ARGS` through the shim with the shim dir first on PATH, then `extra_path`.
    pub fn shim(&self, cwd: &str, args: &[&str], extra_path: &str, env: &[(&str, &str)]) -> Output {
        let path = format!("{}:{extra_path}", self.shim_dir().display());
        let mut cmd = self.command(&self.shim_dir().join("kubectl"), cwd, &path);
        cmd.args(args).envs(env.iter().copied());
        cmd.output().unwrap()
    }

    pub fn make_shim(&self) {
        let out = self.kdeck("home", &["kubectl", "shim-dir"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout).trim(),
            self.shim_dir().display().to_string()
        );
    }

    pub fn write(&self, rel: &str, content: &str) {
        std::fs::write(self.p(rel), content).unwrap();
    }

    /// Every file and directory under the kubectl store, relative to it.
    pub fn store_entries(&self) -> Vec<String> {
        let mut out = Vec::new();
        let root = self.p("data/kdeck/kubectl");
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                out.push(e.path().strip_prefix(&root).unwrap().display().to_string());
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                }
            }
        }
        out.sort();
        out
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn assert_installs_nothing(sb: &Sandbox, version: &str, expect_in_error: &[&str]) {
    let out = sb.kdeck("home", &["kubectl", "install", version]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "install must fail: {err}");
    for needle in expect_in_error {
        assert!(
            err.contains(needle),
            "error should mention {needle:?}: {err}"
        );
    }
    assert_eq!(
        sb.store_entries(),
        Vec::<String>::new(),
        "nothing may remain after: {err}"
    );
    assert!(
        !sb.p("data/kdeck/kubectl").exists(),
        "the store directory was created by this install and must go"
    );
}

/// A kubeconfig whose current context points at `server` (plain http, token auth).
pub fn kubeconfig_for(sb: &Sandbox, server: &str) -> String {
    let path = sb.p("home/kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
             contexts:\n- name: test\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t0ken\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.display().to_string()
}
