//! kdeck's prompt through the bash and zsh hooks, compared byte for byte with kube-ps1's own output.
//!
//! `tests/fixtures/kube-ps1/cases.txt` is the table (kubeconfig + kube-ps1 variables + functions),
//! `expected.txt` what kube-ps1 printed for each case in each shell (recorded by
//! `scripts/record-kube-ps1.py`; kube-ps1 itself is not vendored). Each case runs the same rc-file
//! setup as the recording, then `eval "$(kdeck hook SHELL)"` and one prompt, and compares `$KDECK_PS1`.
//! A missing zsh skips with a message, and fails when `CI` or `KDECK_E2E_REQUIRED` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const KDECK: &str = env!("CARGO_BIN_EXE_kdeck");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kube-ps1")
}

struct Case {
    name: String,
    kubeconfig: String,
    settings: Vec<(String, String)>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("cases.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(3, '|');
            let name = parts.next().unwrap().trim().to_string();
            let kubeconfig = parts.next().unwrap().trim().to_string();
            let settings = parts
                .next()
                .unwrap_or("")
                .split(';')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .collect();
            Case {
                name,
                kubeconfig,
                settings,
            }
        })
        .collect()
}

/// (shell, case) → kube-ps1's output, still escaped as recorded.
fn expected() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(fixtures().join("expected.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(3, " | ");
            let shell = parts.next().unwrap().to_string();
            let case = parts.next().unwrap().to_string();
            let out = parts.next().unwrap_or("").to_string();
            ((shell, case), out)
        })
        .collect()
}

/// The recording's escaping: `\\` for a backslash, `\xNN` for control bytes.
fn escape(raw: &[u8]) -> String {
    let mut out = Vec::new();
    for &b in raw {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
            _ => out.push(b),
        }
    }
    String::from_utf8(out).unwrap()
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

fn shell_available(shell: &str) -> bool {
    if Command::new(shell).arg("-c").arg("exit 0").output().is_ok() {
        return true;
    }
    let required = std::env::var_os("CI").is_some()
        || std::env::var("KDECK_E2E_REQUIRED").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{shell} is required here (CI or KDECK_E2E_REQUIRED=1): install it, e.g. `apt-get install {shell}`"
    );
    eprintln!(
        "SKIPPED: {shell} is not installed (apt-get install {shell}); kube-ps1 cases not run"
    );
    false
}

/// Runs one case through kdeck's hook in `shell`; returns `$KDECK_PS1` and stderr.
fn through_hook(shell: &str, case: &Case, tmp: &Path) -> (Vec<u8>, String) {
    let home = tmp.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut c = Command::new(shell);
    c.env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", &home)
        .env("TERM", "xterm-256color")
        .env("LANG", "C.UTF-8")
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("XDG_DATA_HOME", tmp.join("data"))
        .env("XDG_CACHE_HOME", tmp.join("cache"))
        .env("XDG_RUNTIME_DIR", tmp.join("run"))
        .current_dir(tmp);
    match case.kubeconfig.as_str() {
        "none" => {}
        "missing" => {
            c.env("KUBECONFIG", tmp.join("missing.yaml"));
        }
        file => {
            c.env("KUBECONFIG", fixtures().join("kubeconfigs").join(file));
        }
    }
    let mut script = String::new();
    for (k, v) in &case.settings {
        script += &format!("{k}={}\n", quote(v));
    }
    script += &format!(
        "source {}\n",
        quote(&fixtures().join("functions.sh").to_string_lossy())
    );
    script += &format!("eval \"$({} hook {shell})\"\n", quote(KDECK));
    script += "_kdeck_hook\nprintf '%s' \"$KDECK_PS1\"\n";
    match shell {
        "bash" => c.args(["--norc", "--noprofile", "-c", &script]),
        _ => c.args(["-f", "-c", &script]),
    };
    let out = c.output().unwrap();
    assert!(out.status.success(), "{shell} {}: {out:?}", case.name);
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run_table(shell: &str) {
    if !shell_available(shell) {
        return;
    }
    let expected = expected();
    let cases = cases();
    assert!(cases.len() >= 30, "the table is there");
    let mut failures = Vec::new();
    for case in &cases {
        let tmp = tempfile::tempdir().unwrap();
        let (stdout, stderr) = through_hook(shell, case, tmp.path());
        let want = expected
            .get(&(shell.to_string(), case.name.clone()))
            .unwrap_or_else(|| panic!("no recorded output for {shell} {}", case.name));
        let got = escape(&stdout);
        if &got != want {
            failures.push(format!(
                "{shell} | {}\n  kube-ps1: {want}\n  kdeck:    {got}\n  stderr: {stderr}",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from kube-ps1:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn bash_hook_matches_kube_ps1_byte_for_byte() {
    run_table("bash");
}

#[test]
fn zsh_hook_matches_kube_ps1_byte_for_byte() {
    run_table("zsh");
}

#[test]
fn prompt_help_says_shell_functions_apply_only_through_the_hooks() {
    let out = Command::new(KDECK)
        .args(["prompt", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    for f in [
        "KUBE_PS1_CLUSTER_FUNCTION",
        "KUBE_PS1_NAMESPACE_FUNCTION",
        "KUBE_PS1_CTX_COLOR_FUNCTION",
    ] {
        assert!(help.contains(f), "{help}");
    }
    assert!(help.contains("only through the hooks"), "{help}");
}
