//! kubectl across the sim's skew range (1.31–1.33), run against a [`TestSim`].

use std::process::Output;

use super::TestSim;

pub const SKEW: &[&str] = &["1.31", "1.32", "1.33"];

pub fn kubectl_path(version: &str) -> String {
    format!("/usr/lib/google-cloud-sdk/bin/kubectl.{version}")
}

/// kubectl is required; under CI its absence fails the test with what to install.
pub fn have_kubectl() -> bool {
    let ok = std::path::Path::new(&kubectl_path("1.33")).exists();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl 1.31–1.33 are needed under /usr/lib/google-cloud-sdk/bin (install google-cloud-cli-kubectl)"
        );
        eprintln!("skipped: kubectl 1.31–1.33 not found under /usr/lib/google-cloud-sdk/bin");
    }
    ok
}

pub fn run(t: &TestSim, version: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = std::process::Command::new(kubectl_path(version));
    cmd.env_clear();
    for (k, v) in t.kubectl().get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn ok(t: &TestSim, version: &str, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(t, version, args, stdin);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "kubectl {version} {args:?} failed: {err}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
