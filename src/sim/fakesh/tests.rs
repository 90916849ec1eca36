use super::*;

fn ctx(image: &str) -> PodContext {
    PodContext {
        pod: "web-0".into(),
        namespace: "shop".into(),
        image: image.into(),
        pod_ip: "10.244.1.7".into(),
        env: vec![("MODE".into(), "prod".into())],
    }
}

fn argv(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn once(a: &[&str]) -> (String, String, Option<i32>) {
    let mut sh = FakeShell::new(ctx("nginx:1.27"), false);
    let o = sh.start(&argv(a));
    (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
        sh.exit_code(),
    )
}

const K9S: &str = "command -v bash >/dev/null && exec bash || exec sh";

#[test]
fn one_shot_commands_print_and_exit() {
    assert_eq!(once(&["hostname"]), ("web-0\n".into(), "".into(), Some(0)));
    assert_eq!(once(&["echo", "hi", "there"]).0, "hi there\n");
    assert_eq!(once(&["/bin/cat", "/etc/hostname"]).0, "web-0\n");
    let env = once(&["env"]).0;
    assert!(
        env.contains("HOSTNAME=web-0\n") && env.contains("MODE=prod\n"),
        "{env}"
    );
    assert!(!env.contains("TERM="), "no tty, no TERM: {env}");
    assert_eq!(
        once(&["nope"]),
        ("".into(), "sh: nope: not found\n".into(), Some(127))
    );
    assert_eq!(
        once(&["cat", "/etc/shadow"]),
        (
            "".into(),
            "cat: /etc/shadow: No such file or directory\n".into(),
            Some(1)
        )
    );
    assert_eq!(
        once(&["sh", "-c", "echo $HOSTNAME; exit 3; echo never"]),
        ("web-0\n".into(), "".into(), Some(3))
    );
    assert_eq!(
        once(&["sh", "-c", "false || echo fallback"]).0,
        "fallback\n"
    );
    assert_eq!(once(&["sh", "-c", "nope 2>/dev/null; echo $?"]).0, "127\n");
    assert_eq!(
        once(&["sh", "-c", "cat /x 2>&1"]).0,
        "cat: /x: No such file or directory\n"
    );
}

#[test]
fn tty_session_echoes_runs_and_exits_with_the_code() {
    let mut sh = FakeShell::new(ctx("nginx:1.27"), true);
    let o = sh.start(&argv(&["sh", "-c", K9S]));
    assert_eq!(o.stdout, b"root@web-0:/# ");
    assert_eq!(sh.exit_code(), None);
    let o = sh.feed(b"echo hello\r");
    assert_eq!(o.stdout, b"echo hello\r\nhello\r\nroot@web-0:/# ");
    assert!(o.stderr.is_empty());
    let o = sh.feed(b"cd /etc\rpwd\r");
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "cd /etc\r\nroot@web-0:/etc# pwd\r\n/etc\r\nroot@web-0:/etc# "
    );
    let o = sh.feed(b"bogus\r");
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "bogus\r\nbash: bogus: command not found\r\nroot@web-0:/etc# "
    );
    let o = sh.feed(b"exit 3\rignored\r");
    assert_eq!(o.stdout, b"exit 3\r\n");
    assert_eq!(sh.exit_code(), Some(3));
}

#[test]
fn alpine_has_no_bash_so_the_probe_falls_back_to_sh() {
    let mut sh = FakeShell::new(ctx("alpine:3.20"), true);
    assert_eq!(sh.start(&argv(&["sh", "-c", K9S])).stdout, b"/ # ");
    assert_eq!(
        String::from_utf8(sh.feed(b"bash\r").stdout).unwrap(),
        "bash\r\nsh: bash: not found\r\n/ # "
    );
}

#[test]
fn line_editing_backspace_ctrl_c_arrows_and_ctrl_d() {
    let mut sh = FakeShell::new(ctx("busybox"), true);
    sh.start(&argv(&["/bin/sh"]));
    assert!(
        sh.feed(b"\x7f").stdout.is_empty(),
        "backspace on an empty line"
    );
    let o = sh.feed("hostnamX\x7f\x7fé\x7fme\x1b[A\x1bOB\r".as_bytes());
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "hostnamX\x08 \x08\x08 \x08é\x08 \x08me\r\nweb-0\r\n/ # "
    );
    let o = sh.feed(b"ech\x03");
    assert_eq!(o.stdout, b"ech^C\r\n/ # ");
    sh.feed(b"echo $?\r");
    let o = sh.feed(b"x\x04");
    assert_eq!(o.stdout, b"x", "^D on a non-empty line is ignored");
    sh.feed(b"\x15");
    let o = sh.feed(b"\x04");
    assert_eq!(o.stdout, b"exit\r\n");
    assert_eq!(sh.exit_code(), Some(0));
}

#[test]
fn nested_shells_exit_one_at_a_time_and_stty_reports_the_size() {
    let mut sh = FakeShell::new(ctx("nginx"), true);
    sh.start(&argv(&["bash"]));
    sh.resize(120, 40);
    let o = sh.feed(b"stty size\r");
    assert_eq!(o.stdout, b"stty size\r\n40 120\r\nroot@web-0:/# ");
    let o = sh.feed(b"sh\rexit 4\r");
    assert_eq!(o.stdout, b"sh\r\n/ # exit 4\r\nroot@web-0:/# ");
    assert_eq!(sh.exit_code(), None);
    sh.feed(b"exit\r");
    assert_eq!(
        sh.exit_code(),
        Some(4),
        "exit without N keeps the last status"
    );
}

#[test]
fn piped_stdin_runs_lines_without_prompt_or_echo() {
    let mut sh = FakeShell::new(ctx("nginx"), false);
    assert!(sh.start(&argv(&["sh"])).stdout.is_empty());
    let o = sh.feed(b"echo a\nls /etc\nnope");
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "a\nhostname\nhosts\nos-release\npasswd\nresolv.conf\n"
    );
    let o = sh.end_of_input();
    assert_eq!(o.stderr, b"sh: nope: not found\n");
    assert_eq!(sh.exit_code(), Some(127));
    let mut sh = FakeShell::new(ctx("nginx"), false);
    sh.start(&argv(&["sh"]));
    assert_eq!(
        sh.feed(b"stty size\n").stderr,
        b"stty: standard input: Not a tty\n"
    );
}

#[test]
fn filesystem_reflects_the_pod() {
    let resolv = once(&["cat", "/etc/resolv.conf"]).0;
    assert!(
        resolv.starts_with("search shop.svc.cluster.local "),
        "{resolv}"
    );
    assert!(
        once(&["cat", "/etc/hosts"])
            .0
            .contains("10.244.1.7\tweb-0\n")
    );
    assert_eq!(
        once(&["ls", "/nope"]),
        (
            "".into(),
            "ls: cannot access '/nope': No such file or directory\n".into(),
            Some(2)
        )
    );
    assert!(once(&["ls"]).0.starts_with("bin\ndev\netc\n"));
    assert_eq!(
        once(&["sh", "-c", "echo x > /tmp/f"]).1,
        "sh: can't create /tmp/f: Read-only file system\n"
    );
}
