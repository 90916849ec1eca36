//! The shell integration in real shells (bash, zsh, fish) and the `kdeck prompt` binary.
//!
//! Each test builds a temp HOME/XDG tree with a fixture kubeconfig, feeds a scripted session to an
//! interactive shell that evaluates `kdeck hook <shell>`, and checks what kubectl (an independent client)
//! sees inside the shell, and the files outside it. Lines the scripts print as `@name=value` are the
//! observations. Without zsh, fish or kubectl their tests skip with a note, or fail in CI (see `tools`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::path::Path;
use std::process::Command;

#[path = "support/shell_sandbox.rs"]
mod sandbox;
#[path = "tools/mod.rs"]
mod tools;

use sandbox::{KDECK, Sandbox, show, show_kc};

fn auto_context_lifecycle(shell: &str, initial_kc: Option<&str>) {
    let sb = Sandbox::new();
    let before = std::fs::read(sb.global_kubeconfig()).unwrap();
    let proj = sb.path("proj/sub");
    let mut s = String::new();
    s += &show_kc(shell, "kc0");
    s += &format!("cd '{}'\n", proj.display());
    s += &show(shell, "blocked_ctx", "kubectl config current-context");
    s += &show_kc(shell, "blocked_kc");
    s += "kdeck allow\n";
    s += &show(shell, "allowed_ctx", "kubectl config current-context");
    s += &show(
        shell,
        "allowed_ns",
        "kubectl config view --minify -o jsonpath={..namespace}",
    );
    s += &show(shell, "readonly", "printenv KDECK_READONLY");
    s += &show(shell, "ps1", "kdeck_ps1");
    s += "echo 'context: dev' > ../.kdeck.yaml\n";
    s += &show(shell, "edited_ctx", "kubectl config current-context");
    s += "kdeck allow\n";
    s += &show(shell, "reallowed_ctx", "kubectl config current-context");
    s += &format!("cd '{}'\n", sb.path("elsewhere").display());
    s += &show(shell, "left_ctx", "kubectl config current-context");
    s += &show_kc(shell, "left_kc");
    s += &show(
        shell,
        "left_readonly",
        "printenv KDECK_READONLY || echo none",
    );
    let Some(out) = sb.session(shell, &s, initial_kc) else {
        return;
    };
    let kc0 = out.get("kc0").to_string();
    assert_eq!(
        kc0,
        initial_kc.map_or("unset".into(), |k| format!("set:{k}"))
    );
    assert_eq!(
        out.get("blocked_ctx"),
        "dev",
        "an untrusted file switches nothing"
    );
    assert_eq!(out.get("blocked_kc"), kc0);
    assert_eq!(
        out.stderr.matches("is blocked").count() + out.stdout.matches("is blocked").count(),
        2,
        "announced once on entry and once after the edit, not at every prompt:\n{}",
        out.stderr
    );
    assert_eq!(out.get("allowed_ctx"), "prod-eu");
    assert_eq!(out.get("allowed_ns"), "payments");
    assert_eq!(out.get("readonly"), "1");
    assert_eq!(out.get("ps1"), "(⎈|prod-eu:payments)");
    assert_eq!(
        out.get("edited_ctx"),
        "dev",
        "an edit blocks the file again"
    );
    assert_eq!(out.get("reallowed_ctx"), "dev");
    assert_eq!(out.get("left_ctx"), "dev");
    assert_eq!(out.get("left_kc"), kc0, "KUBECONFIG restored exactly");
    assert_eq!(out.get("left_readonly"), "none");
    assert_eq!(
        std::fs::read(sb.global_kubeconfig()).unwrap(),
        before,
        "global file untouched"
    );
    let left: Vec<_> = std::fs::read_dir(sb.runtime().join(format!("kdeck-{}", uid())))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "the shell's files are removed on exit: {left:?}"
    );
}

fn uid() -> String {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn bash_auto_context_with_kubeconfig_unset() {
    auto_context_lifecycle("bash", None);
}

#[test]
fn bash_auto_context_with_kubeconfig_set() {
    let sb = Sandbox::new();
    let kc = sb.global_kubeconfig();
    // The set value is kept verbatim, odd parts included.
    auto_context_lifecycle("bash", Some(&format!("{}::/nonexistent/x", kc.display())));
}

#[test]
fn zsh_auto_context() {
    auto_context_lifecycle("zsh", None);
}

#[test]
fn fish_auto_context() {
    auto_context_lifecycle("fish", None);
}

#[test]
fn unknown_context_in_dot_file_changes_nothing() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("proj/.kdeck.yaml"), "context: prod-us\n").unwrap();
    let s = format!(
        "cd '{}'\nkdeck allow\n{}",
        sb.path("proj").display(),
        show("bash", "ctx", "kubectl config current-context")
    );
    let Some(out) = sb.session("bash", &s, None) else {
        return;
    };
    assert_eq!(out.get("ctx"), "dev");
    assert!(
        out.stderr
            .contains("no context exists with the name: \"prod-us\"")
            && out.stderr.contains("prod-eu"),
        "{}",
        out.stderr
    );
}

#[test]
fn use_switches_this_shell_only_and_token_writes_go_home() {
    // Both sessions run at once below; ask for their tool first so neither skips alone.
    if tools::need(tools::Tool::Kubectl).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let ready = sb.path("a-switched");
    let done = sb.path("b-done");
    let wait = |f: &Path| {
        format!(
            "for i in $(seq 600); do [ -e '{}' ] && break; sleep 0.05; done\n",
            f.display()
        )
    };
    let mut a = String::new();
    a += "kdeck use prod-eu -n kube-system\n";
    a += &show("bash", "a_ctx", "kubectl config current-context");
    a += &show(
        "bash",
        "a_ns",
        "kubectl config view --minify -o jsonpath={..namespace}",
    );
    a += "kubectl config set-context --current --namespace=tools >/dev/null\n";
    a += &show("bash", "a_ps1_kubens", "kdeck_ps1");
    a += "true\n";
    a += &show("bash", "a_ps1_kept", "kdeck_ps1");
    a += "kubectl config set-credentials u1 --token=new-token >/dev/null\n";
    a += &show(
        "bash",
        "a_token",
        "kubectl config view --raw --minify -o jsonpath={.users[0].user.token}",
    );
    a += "kdeck use nope\n";
    a += &show("bash", "a_after_bad", "kubectl config current-context");
    a += &format!("touch '{}'\n", ready.display());
    a += &wait(&done);
    a += "kdeck use -\n";
    a += &show("bash", "a_back", "kubectl config current-context");
    a += "kdeck use -\n";
    a += &show("bash", "a_again", "kubectl config current-context");
    let mut b = String::new();
    b += &wait(&ready);
    b += &show("bash", "b_ctx", "kubectl config current-context");
    b += &format!("touch '{}'\n", done.display());

    let (ra, rb) = std::thread::scope(|scope| {
        let ha = scope.spawn(|| sb.session("bash", &a, None).unwrap());
        let hb = scope.spawn(|| sb.session("bash", &b, None).unwrap());
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert_eq!(ra.get("a_ctx"), "prod-eu");
    assert_eq!(ra.get("a_ns"), "kube-system");
    assert_eq!(rb.get("b_ctx"), "dev", "the other shell is not affected");
    assert_eq!(
        ra.get("a_ps1_kubens"),
        "(⎈|prod-eu:tools)",
        "a namespace change made by kubectl in the shell shows at the next prompt"
    );
    assert_eq!(
        ra.get("a_ps1_kept"),
        "(⎈|prod-eu:tools)",
        "and is not undone by the hook"
    );
    assert_eq!(
        ra.get("a_token"),
        "new-token",
        "the refreshed token is seen through the overlay"
    );
    assert!(
        ra.stderr
            .contains("no context exists with the name: \"nope\""),
        "{}",
        ra.stderr
    );
    assert_eq!(
        ra.get("a_after_bad"),
        "prod-eu",
        "a bad name changes nothing"
    );
    assert_eq!(ra.get("a_back"), "dev");
    assert_eq!(ra.get("a_again"), "prod-eu");

    let global = std::fs::read_to_string(sb.global_kubeconfig()).unwrap();
    assert!(
        global.contains("new-token"),
        "token written to the file that defines the user:\n{global}"
    );
    assert!(global.contains("current-context: dev"), "{global}");
    assert!(!global.contains("kube-system"), "{global}");
}

#[test]
fn use_takes_a_context_from_a_kubeconfig_dir_with_the_credentials_of_its_file() {
    if tools::need(tools::Tool::Kubectl).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let put = |rel: &str, text: &str| {
        let p = sb.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    };
    let lab = put(
        "clusters/eu/lab.yaml",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster: {server: 'https://lab.example:6443'}\nusers:\n- name: lab-user\n  user: {token: lab-token}\ncontexts:\n- name: dev\n  context: {cluster: lab, user: lab-user}\n- name: lab-1\n  context: {cluster: lab, user: lab-user, namespace: ops}\n",
    );
    put(
        "home/.config/kdeck/config.yaml",
        &format!("kubeconfig_dirs: ['{}']\n", sb.path("clusters").display()),
    );
    let mut script = String::new();
    script += &show("bash", "listed", "kdeck use | tr '\\n' ' '");
    // `dev` is taken by the shell's own kubeconfig: the directory's one is `eu/dev`.
    script += "kdeck use eu/dev\n";
    script += &show("bash", "ctx", "kubectl config current-context");
    script += &show(
        "bash",
        "server",
        "kubectl config view --minify -o jsonpath={.clusters[0].cluster.server}",
    );
    script += &show(
        "bash",
        "token",
        "kubectl config view --raw --minify -o jsonpath={.users[0].user.token}",
    );
    script += "kdeck use -\n";
    script += &show("bash", "back", "kubectl config current-context");
    let r = sb.session("bash", &script, None).unwrap();
    let listed = r.get("listed");
    assert!(
        listed.contains("eu/dev") && listed.contains("lab-1") && listed.contains("prod-eu"),
        "{listed}"
    );
    assert_eq!(r.get("ctx"), "dev", "{}", r.stderr);
    assert_eq!(r.get("server"), "https://lab.example:6443");
    assert_eq!(
        r.get("token"),
        "lab-token",
        "credentials read from {}",
        lab.display()
    );
    assert!(r.stderr.contains("from "), "{}", r.stderr);
    assert_eq!(r.get("back"), "dev");
    // The index is in the cache directory, and the directory's file was not written to.
    let index = std::fs::read_to_string(sb.path("home/.cache/kdeck/contexts-index.json")).unwrap();
    assert!(
        index.contains("lab.yaml") && index.contains("lab-1"),
        "{index}"
    );
    assert!(!index.contains("lab-token"), "no credentials in the index");
    let text = std::fs::read_to_string(&lab).unwrap();
    assert!(!text.contains("current-context"), "{text}");
}

#[test]
fn use_without_a_name_at_a_terminal_picks_among_the_kubeconfig_dir_contexts_too() {
    let Some(tmux) = tools::need(tools::Tool::Tmux) else {
        return;
    };
    if tools::need(tools::Tool::Kubectl).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let lab = sb.path("clusters/eu/lab.yaml");
    std::fs::create_dir_all(lab.parent().unwrap()).unwrap();
    std::fs::write(
        &lab,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster: {server: 'https://lab.example:6443'}\nusers:\n- name: lab-user\n  user: {token: lab-token}\ncontexts:\n- name: lab-1\n  context: {cluster: lab, user: lab-user}\n",
    )
    .unwrap();
    let config = sb.path("home/.config/kdeck/config.yaml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!("kubeconfig_dirs: ['{}']\n", sb.path("clusters").display()),
    )
    .unwrap();
    let rc = sb.path("bashrc");
    std::fs::write(
        &rc,
        format!("eval \"$('{KDECK}' hook bash)\"\nPS1='ready$ '\n"),
    )
    .unwrap();
    let out = sb.path("elsewhere/out");
    let home = sb.path("home");
    let inner = format!(
        "exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME='{h}' XDG_CONFIG_HOME='{h}/.config' \
         XDG_DATA_HOME='{h}/.local/share' XDG_CACHE_HOME='{h}/.cache' XDG_RUNTIME_DIR='{}' \
         TERM=xterm-256color bash --rcfile '{}' -i",
        sb.runtime().display(),
        rc.display(),
        h = home.display(),
    );
    let name = format!("kdeck-use-picker-{}", std::process::id());
    let tmux_run = |args: &[&str]| {
        let o = Command::new(&tmux).args(args).output().unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let wait = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let screen = tmux_run(&["capture-pane", "-p", "-t", &name]);
            if screen.contains(what) {
                return screen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "waiting for {what}:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    tmux_run(&["new", "-d", "-s", &name, "-x", "100", "-y", "25", &inner]);
    wait("ready$");
    tmux_run(&["send-keys", "-t", &name, "kdeck use", "Enter"]);
    // The shell's own contexts and the directory's, on the terminal while the hook captures stdout.
    let screen = wait("lab-1");
    assert!(
        screen.contains("dev") && screen.contains("prod-eu"),
        "{screen}"
    );
    tmux_run(&["send-keys", "-t", &name, "-l", "lab-1"]);
    tmux_run(&["send-keys", "-t", &name, "Enter"]);
    wait("this shell only");
    let probe = format!(
        "kubectl config current-context > '{0}'; kubectl config view --raw --minify -o jsonpath={{.users[0].user.token}} >> '{0}'",
        out.display()
    );
    tmux_run(&["send-keys", "-t", &name, &probe, "Enter"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let got = loop {
        let got = std::fs::read_to_string(&out).unwrap_or_default();
        if got.contains("lab-token") || std::time::Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    tmux_run(&["kill-session", "-t", &name]);
    assert_eq!(got, "lab-1\nlab-token", "kubectl in that shell");
    // The shared kubeconfig still says dev.
    assert!(
        std::fs::read_to_string(sb.global_kubeconfig())
            .unwrap()
            .contains("current-context: dev")
    );
}

#[test]
fn use_without_hook_explains_and_global_switches_like_kubectx() {
    let sb = Sandbox::new();
    let out = sb.command(KDECK).args(["use", "prod-eu"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the hook"));

    let out = sb
        .command(KDECK)
        .args(["use", "--global", "prod-eu"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "Switched to context \"prod-eu\"."
    );
    let ctx = sb
        .command("kubectl")
        .args(["config", "current-context"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&ctx.stdout).trim(), "prod-eu");
    let history = std::fs::read_to_string(sb.path("home/.cache/kubectx")).unwrap();
    assert_eq!(history.trim(), "dev");
}

fn prompt(sb: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut c = sb.command(KDECK);
    c.arg("prompt").args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn prompt_binary_variables_and_colours() {
    let sb = Sandbox::new();
    let plain = [("NO_COLOR", "1")];
    assert_eq!(prompt(&sb, &plain, &[]), "(⎈|dev:web)\n");
    assert_eq!(
        prompt(
            &sb,
            &[
                ("NO_COLOR", "1"),
                ("KUBE_PS1_SYMBOL_ENABLE", "false"),
                ("KUBE_PS1_DIVIDER", "/")
            ],
            &[]
        ),
        "(dev/web)\n"
    );
    assert_eq!(
        prompt(&sb, &plain, &["--format", "{context}@{cluster}"]),
        "dev@c1\n"
    );
    let bash = prompt(&sb, &[], &["--shell", "bash"]);
    assert!(
        bash.contains("\x01\x1b[31m\x02dev\x01\x1b[39m\x02"),
        "{bash:?}"
    );
    let zsh = prompt(&sb, &[], &["--shell", "zsh"]);
    assert!(zsh.contains("%{%F{1}%}dev%{%f%}"), "{zsh:?}");
}

#[test]
fn prompt_binary_multi_file_no_context_and_toggle() {
    let sb = Sandbox::new();
    let extra = sb.path("extra.yaml");
    std::fs::write(
        &extra,
        "current-context: prod-eu\ncontexts:\n- name: prod-eu\n  context: {cluster: c9, namespace: shop}\nclusters:\n- {name: c9, cluster: {}}\n",
    )
    .unwrap();
    let both = format!("{}:{}", extra.display(), sb.global_kubeconfig().display());
    assert_eq!(
        prompt(&sb, &[("NO_COLOR", "1"), ("KUBECONFIG", &both)], &[]),
        "(⎈|prod-eu:shop)\n"
    );
    let empty = sb.path("empty.yaml");
    std::fs::write(&empty, "apiVersion: v1\n").unwrap();
    let empty = empty.to_string_lossy().into_owned();
    assert_eq!(
        prompt(&sb, &[("NO_COLOR", "1"), ("KUBECONFIG", &empty)], &[]),
        "(⎈|N/A:N/A)\n"
    );
    assert_eq!(
        prompt(
            &sb,
            &[
                ("NO_COLOR", "1"),
                ("KUBECONFIG", &empty),
                ("KUBE_PS1_HIDE_IF_NOCONTEXT", "true")
            ],
            &[]
        ),
        ""
    );
    prompt(&sb, &[], &["--off", "--global"]);
    assert_eq!(prompt(&sb, &[("NO_COLOR", "1")], &[]), "");
    assert_eq!(
        prompt(&sb, &[("NO_COLOR", "1"), ("KDECK_PROMPT", "on")], &[]),
        "(⎈|dev:web)\n"
    );
    prompt(&sb, &[], &["--on", "--global"]);
    assert_eq!(prompt(&sb, &[("NO_COLOR", "1")], &[]), "(⎈|dev:web)\n");
}

#[test]
fn bash_prompt_toggle_and_cluster_function() {
    let sb = Sandbox::new();
    let mut s = String::new();
    s += &show("bash", "on", "kdeck_ps1");
    s += "kdeck prompt --off\n";
    s += &show("bash", "off", "kdeck_ps1");
    s += "kdeck prompt --on\n";
    s += "short() { echo \"${1^^}\"; }\nKUBE_PS1_CLUSTER_FUNCTION=short\nKUBE_PS1_SEPARATOR=' '\n";
    s += "true\n";
    s += &show("bash", "func", "kdeck_ps1");
    let Some(out) = sb.session("bash", &s, None) else {
        return;
    };
    assert_eq!(out.get("on"), "(⎈|dev:web)");
    assert_eq!(out.get("off"), "");
    assert_eq!(out.get("func"), "(⎈ DEV:web)");
}

/// A stand-in `kdeck` on PATH for completion tests: the wiring under test is the completion script's,
/// not the name lister's (which the kubectx face owns).
fn fake_lister(sb: &Sandbox) -> String {
    let bin = sb.path("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("kdeck");
    std::fs::write(
        &fake,
        "#!/bin/sh\n[ \"$1 $2\" = '__internal contexts' ] && printf 'dev\\nprod-eu\\nprod-us\\n'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

fn completion_script(sb: &Sandbox, shell: &str) -> std::path::PathBuf {
    let script = sb.path(&format!("complete.{shell}"));
    let generated = sb
        .command(KDECK)
        .args(["completions", shell])
        .output()
        .unwrap();
    std::fs::write(&script, generated.stdout).unwrap();
    script
}

#[test]
fn bash_completion_offers_context_names() {
    let sb = Sandbox::new();
    let path = fake_lister(&sb);
    let script = completion_script(&sb, "bash");
    let out = sb
        .command("bash")
        .env("PATH", path)
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(kdeck use prod); COMP_CWORD=2; _kdeck_dynamic kdeck prod use; \
             printf '%s,' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "prod-eu,prod-us,",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fish_completion_offers_context_names() {
    let sb = Sandbox::new();
    let Some(fish) = tools::need(tools::Tool::Fish) else {
        return;
    };
    let path = fake_lister(&sb);
    let script = completion_script(&sb, "fish");
    let out = sb
        .command(&fish.to_string_lossy())
        .env("PATH", path)
        .arg("-c")
        .arg(format!(
            "source '{}'; complete -C'kdeck ctx prod' | string join ,",
            script.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "prod-eu,prod-us",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bash_fast_path_runs_nothing_until_a_file_changes_sub_second() {
    let sb = Sandbox::new();
    let kc = sb.global_kubeconfig();
    let mut s = String::new();
    // From here on, any update would be visible as a line on stderr.
    s += "_kdeck_real_update=$(declare -f _kdeck_update | tail -n +2)\n";
    s += "eval \"_kdeck_update() { echo UPDATE-''RAN >&2; ${_kdeck_real_update} }\"\n";
    s += "true\ntrue\ntrue\n";
    s += "echo '@''quiet=done'\n";
    // Two changes well within one second: kube-ps1 in bash would miss the second one.
    s += &format!(
        "kubectl --kubeconfig '{}' config use-context prod-eu >/dev/null\n",
        kc.display()
    );
    s += &show("bash", "first", "kdeck_ps1");
    s += &format!(
        "kubectl --kubeconfig '{}' config use-context dev >/dev/null\n",
        kc.display()
    );
    s += &show("bash", "second", "kdeck_ps1");
    let Some(out) = sb.session("bash", &s, None) else {
        return;
    };
    let before_quiet = out.stderr.split("quiet=done").next().unwrap_or("");
    assert_eq!(out.get("quiet"), "done");
    assert_eq!(
        before_quiet.matches("UPDATE-RAN").count(),
        0,
        "nothing changed, so no prompt ran the binary:\n{}",
        out.stderr
    );
    assert_eq!(
        out.get("first"),
        "(⎈|prod-eu:N/A)",
        "no namespace set: N/A, as kube-ps1 shows it"
    );
    assert_eq!(out.get("second"), "(⎈|dev:web)");
    assert_eq!(
        out.stderr.matches("UPDATE-RAN").count(),
        2,
        "{}",
        out.stderr
    );
}

#[test]
fn deny_blocks_silently() {
    let sb = Sandbox::new();
    let s = format!(
        "kdeck deny '{}'\ncd '{}'\n{}",
        sb.path("proj").display(),
        sb.path("proj/sub").display(),
        show("bash", "ctx", "kubectl config current-context")
    );
    let Some(out) = sb.session("bash", &s, None) else {
        return;
    };
    assert_eq!(out.get("ctx"), "dev");
    assert!(!out.stderr.contains("is blocked"), "{}", out.stderr);
    assert!(out.stderr.contains("kdeck: denied"), "{}", out.stderr);
}

#[test]
fn gc_removes_files_of_exited_shells_only() {
    let sb = Sandbox::new();
    let dir = sb.runtime().join(format!("kdeck-{}", uid()));
    std::fs::create_dir_all(&dir).unwrap();
    let dead = dir.join("999999999-42.kubeconfig");
    std::fs::write(&dead, "current-context: x\n").unwrap();
    let me = std::fs::read_to_string("/proc/self/stat").unwrap();
    let start = me
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(19)
        .unwrap()
        .to_string();
    let alive = dir.join(format!("{}-{start}.kubeconfig", std::process::id()));
    std::fs::write(&alive, "current-context: y\n").unwrap();
    let out = sb.command(KDECK).arg("gc").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dead.exists());
    assert!(alive.exists());
}
