//! Running kdeck on a pseudo-terminal through util-linux `script`, for the interactive picker.

use super::Sandbox;

/// Runs `kdeck ctx` on a pseudo-terminal (via util-linux `script`), types `keys`, and reports what the
/// terminal showed plus the tty modes afterwards, to prove raw mode was undone.
pub fn on_a_terminal(sb: &Sandbox, cfg: &std::path::Path, keys: &[u8]) -> Option<String> {
    use std::io::Write;
    let script = super::tools::need(super::tools::Tool::Script)?;
    let inner = format!(
        "'{}' ctx; echo \"rc=$?\"; stty -a",
        super::kdeck_bin().display()
    );
    let mut child = sb
        .command(&script, &[cfg])
        .env("TERM", "xterm")
        .args(["-qec", &inner, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = {
        let screen = std::sync::Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Type only once the picker is on screen (its "matched/total" counter), as a person would.
    while !String::from_utf8_lossy(&screen.lock().unwrap()).contains("/3") {
        assert!(
            std::time::Instant::now() < deadline,
            "the picker never appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    stdin.write_all(keys).unwrap();
    stdin.flush().unwrap();
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the picker did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(stdin);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    Some(text)
}
