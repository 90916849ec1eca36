//! `kdeck prompt` and the bash hook against kubeconfigs that would stall or abuse a shell: a FIFO with no
//! writer, `/dev/zero`, a 50 MB file, and names holding terminal escape sequences. Each must give up
//! (N/A, with the reason on stderr) or print the names escaped, and never hang: every run here has a
//! deadline after which the test kills it and fails. Timings are measured by
//! `scripts/bench-prompt-hostile.sh`, not asserted here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// Shared with tests/shell_hooks.rs; this file needs only the sandbox, not the scripted sessions.
#[path = "support/shell_sandbox.rs"]
#[allow(dead_code)]
mod sandbox;
#[path = "tools/mod.rs"]
mod tools;

use sandbox::{KDECK, Sandbox};

/// Runs `cmd` to completion, or kills it after `limit` and fails.
fn finishes(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: the prompt would hang the shell\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success(), "mkfifo");
}

fn prompt_with(sb: &Sandbox, kubeconfig: &Path) -> Output {
    let mut c = sb.command(KDECK);
    c.arg("prompt").env("KUBECONFIG", kubeconfig);
    finishes(c, Duration::from_secs(20))
}

#[test]
fn fifo_device_and_huge_file_give_na_with_the_reason() {
    let sb = Sandbox::new();
    let fifo = sb.path("fifo");
    mkfifo(&fifo);
    let huge = sb.path("huge.yaml");
    // 50 MB: a valid YAML comment line repeated, so only the size can be the reason for refusing it.
    let line = format!("# {}\n", "x".repeat(1021));
    std::fs::write(&huge, line.repeat(50 * 1024)).unwrap();
    for (path, reason) in [
        (fifo.as_path(), "is a FIFO"),
        (Path::new("/dev/zero"), "is a character device"),
        (huge.as_path(), "bytes, more than"),
    ] {
        let out = prompt_with(&sb, path);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{path:?}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "(⎈|N/A:N/A)\n",
            "{path:?}"
        );
        assert!(
            stderr.contains(reason) && stderr.contains(&path.display().to_string()),
            "{path:?}: {stderr}"
        );
    }
}

#[test]
fn bash_hook_does_not_hang_on_a_fifo_kubeconfig() {
    let sb = Sandbox::new();
    let fifo = sb.path("fifo");
    mkfifo(&fifo);
    let mut c = sb.command("bash");
    c.env("KUBECONFIG", &fifo).args([
        "--norc",
        "--noprofile",
        "-c",
        &format!("eval \"$('{KDECK}' hook bash)\"\n_kdeck_hook\nprintf '%s' \"$KDECK_PS1\"\n"),
    ]);
    let out = finishes(c, Duration::from_secs(20));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "(⎈|N/A:N/A)");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a FIFO"),
        "{out:?}"
    );
}

#[test]
fn escape_sequences_in_names_reach_the_prompt_escaped() {
    let sb = Sandbox::new();
    let kc = sb.path("hostile.yaml");
    std::fs::write(
        &kc,
        "current-context: \"x\\e]0;owned\\a\"\ncontexts:\n- name: \"x\\e]0;owned\\a\"\n  context: {namespace: \"\\e[8mhidden\"}\n",
    )
    .unwrap();
    let out = prompt_with(&sb, &kc);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "(⎈|x\\x1b]0;owned\\x07:\\x1b[8mhidden)\n");
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    // kubectl, the referee, reads the same name from the file (raw: it is not drawing a prompt).
    match Command::new("kubectl")
        .args(["config", "current-context"])
        .env("KUBECONFIG", &kc)
        .output()
    {
        Ok(k) => assert_eq!(String::from_utf8_lossy(&k.stdout), "x\x1b]0;owned\x07\n"),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("kubectl is required in CI (install kubectl 1.31+ on PATH)")
        }
        Err(_) => eprintln!("SKIPPED the kubectl cross-check: kubectl is not installed"),
    }
}
