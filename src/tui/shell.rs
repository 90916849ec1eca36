//! A shell in a container, with the TUI suspended: the terminal's keys go to the container's tty and its
//! output comes straight back, until the shell exits. Then the TUI returns where it was.
//!
//! Input is read through crossterm's event stream (the one reader of this terminal, so nothing is left
//! blocked on stdin to steal keys from the TUI afterwards) and turned back into the bytes a terminal
//! would send ([`key_bytes`]); resizes become the tty's new size.

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, TerminalSize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What k9s runs too: bash when the image has it, sh otherwise.
pub const SHELL: [&str; 3] = [
    "sh",
    "-c",
    "command -v bash >/dev/null && exec bash || exec sh",
];

/// The bytes a terminal sends for `key` (xterm sequences); empty for keys it sends nothing for.
pub fn key_bytes(key: &KeyEvent) -> Vec<u8> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let mut out = match key.code {
        KeyCode::Char(c) if ctrl => match c.to_ascii_lowercase() {
            c @ 'a'..='z' => vec![c as u8 - b'a' + 1],
            '@' | ' ' => vec![0],
            '[' => vec![0x1b],
            '\\' => vec![0x1c],
            ']' => vec![0x1d],
            _ => Vec::new(),
        },
        KeyCode::Char(c) => c.to_string().into_bytes(),
        KeyCode::Enter => vec![b'\r'],
        KeyCode::Tab => vec![b'\t'],
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Backspace => vec![0x7f],
        KeyCode::Esc => vec![0x1b],
        KeyCode::Up => b"\x1b[A".to_vec(),
        KeyCode::Down => b"\x1b[B".to_vec(),
        KeyCode::Right => b"\x1b[C".to_vec(),
        KeyCode::Left => b"\x1b[D".to_vec(),
        KeyCode::Home => b"\x1b[H".to_vec(),
        KeyCode::End => b"\x1b[F".to_vec(),
        KeyCode::PageUp => b"\x1b[5~".to_vec(),
        KeyCode::PageDown => b"\x1b[6~".to_vec(),
        KeyCode::Delete => b"\x1b[3~".to_vec(),
        KeyCode::Insert => b"\x1b[2~".to_vec(),
        KeyCode::F(n @ 1..=4) => vec![0x1b, b'O', b'P' + (n - 1)],
        _ => Vec::new(),
    };
    if alt && !out.is_empty() {
        out.insert(0, 0x1b);
    }
    out
}

/// Runs a shell in `pod` (its default container when `container` is None) on this terminal, which the
/// caller has handed over (TUI suspended, raw mode on). Returns how it ended, for the flash.
pub async fn run(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
) -> Result<String, String> {
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let mut params = AttachParams::interactive_tty();
    if let Some(c) = container {
        params = params.container(c);
    }
    let what = match container {
        Some(c) => format!("{namespace}/{pod} ({c})"),
        None => format!("{namespace}/{pod}"),
    };
    let proc = api.exec(pod, SHELL, &params).await.map_err(|e| match e {
        kube::Error::Api(s) => format!("cannot open a shell in {what}: {}", s.message),
        other => format!("cannot open a shell in {what}: {other}"),
    })?;
    match pump(proc, false).await? {
        Ended::Status(s) if s.status.as_deref() == Some("Success") => {
            Ok(format!("shell in {what} ended"))
        }
        Ended::Status(s) => Err(format!(
            "shell in {what} ended: {}",
            s.message.unwrap_or_else(|| "non-zero exit".into())
        )),
        Ended::Detached | Ended::Closed => Ok(format!("shell in {what} closed")),
    }
}

/// The container `attach` joins: the one named, else the pod's default (the
/// `kubectl.kubernetes.io/default-container` annotation, else the first), as kubectl picks it.
fn attach_target(pod: &Pod, container: Option<&str>) -> Result<(String, bool, bool), String> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let spec = pod.spec.as_ref().ok_or("the pod has no spec")?;
    let wanted = container.map(str::to_string).or_else(|| {
        pod.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubectl.kubernetes.io/default-container").cloned())
    });
    let c = match &wanted {
        Some(w) => spec.containers.iter().find(|c| &c.name == w),
        None => spec.containers.first(),
    }
    .ok_or_else(|| {
        format!(
            "pod {name} has no container {}",
            wanted.as_deref().unwrap_or("")
        )
    })?;
    Ok((
        c.name.clone(),
        c.stdin.unwrap_or(false),
        c.tty.unwrap_or(false),
    ))
}

/// Attaches this terminal (TUI suspended, raw mode on) to the process a container runs, as `kubectl
/// attach -it` does. Only a container started with `stdin: true` can take input: any other is refused
/// with the reason (its output is its log). `ctrl-p ctrl-q` detaches and leaves the process running.
pub async fn attach(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
) -> Result<String, String> {
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let object = api.get(pod).await.map_err(|e| {
        format!(
            "cannot attach to {namespace}/{pod}: {}",
            crate::error::chain(&e)
        )
    })?;
    let (name, stdin, tty) = attach_target(&object, container)?;
    let what = format!("{namespace}/{pod} ({name})");
    if !stdin {
        return Err(format!(
            "cannot attach to {what}: it was not started with stdin (spec.containers[].stdin), so \
             nothing can be typed into it; its output is in its logs"
        ));
    }
    // The tty is the container's: a process started without one cannot be given one now.
    let params = AttachParams::default()
        .container(&name)
        .stdin(true)
        .stdout(true)
        .stderr(!tty)
        .tty(tty);
    let proc = api.attach(pod, &params).await.map_err(|e| match e {
        kube::Error::Api(s) => format!("cannot attach to {what}: {}", s.message),
        other => format!("cannot attach to {what}: {other}"),
    })?;
    match pump(proc, true).await? {
        Ended::Detached => Ok(format!("detached from {what}; it keeps running")),
        Ended::Status(s) if s.status.as_deref() != Some("Success") => Err(format!(
            "{what} ended: {}",
            s.message.unwrap_or_else(|| "non-zero exit".into())
        )),
        Ended::Status(_) | Ended::Closed => Ok(format!("the session with {what} ended")),
    }
}

/// How a terminal session ended.
enum Ended {
    /// The server's final status (the process exited).
    Status(Box<k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>),
    /// `ctrl-p ctrl-q` (attach only).
    Detached,
    /// The stream or the terminal went away.
    Closed,
}

/// ctrl-p and ctrl-q, as a terminal sends them.
const CTRL_P: u8 = 0x10;
const CTRL_Q: u8 = 0x11;

/// What one key does in a session that `ctrl-p ctrl-q` detaches from.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Send these bytes (nothing, while a `ctrl-p` is held back).
    Send(Vec<u8>),
    Detach,
}

/// The detach sequence: `ctrl-p` is held back; `ctrl-q` after it detaches, anything else sends both.
fn detach_step(held_ctrl_p: &mut bool, bytes: Vec<u8>) -> Step {
    match (*held_ctrl_p, bytes.as_slice()) {
        (true, [CTRL_Q]) => Step::Detach,
        (false, [CTRL_P]) => {
            *held_ctrl_p = true;
            Step::Send(Vec::new())
        }
        (true, _) => {
            *held_ctrl_p = false;
            let mut out = vec![CTRL_P];
            out.extend(bytes);
            Step::Send(out)
        }
        (false, _) => Step::Send(bytes),
    }
}

/// Connects this terminal to `proc` until it ends: keys (and pastes) to its stdin, its output to the
/// screen, resizes to its tty. With `detachable`, `ctrl-p ctrl-q` ends the session without ending the
/// process (a lone `ctrl-p` is sent on with the key after it).
async fn pump(mut proc: kube::api::AttachedProcess, detachable: bool) -> Result<Ended, String> {
    let (Some(mut stdin), Some(stdout), Some(status)) =
        (proc.stdin(), proc.stdout(), proc.take_status())
    else {
        return Err("the server did not open the session's streams".into());
    };
    let stderr = proc.stderr();
    let mut resize = proc.terminal_size();
    if let (Some(tx), Ok((width, height))) = (resize.as_mut(), crossterm::terminal::size()) {
        let _ = tx.send(TerminalSize { width, height }).await;
    }
    let copy = |mut from: Box<dyn tokio::io::AsyncRead + Unpin + Send>| {
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            let mut out = tokio::io::stdout();
            loop {
                match from.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if out.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        let _ = out.flush().await;
                    }
                }
            }
        })
    };
    let output = copy(Box::new(stdout));
    let errors = stderr.map(|e| copy(Box::new(e)));
    let mut events = EventStream::new();
    let mut held_ctrl_p = false;
    tokio::pin!(status);
    let ended = loop {
        tokio::select! {
            st = &mut status => break st.map_or(Ended::Closed, |s| Ended::Status(Box::new(s))),
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    let bytes = match detachable {
                        true => match detach_step(&mut held_ctrl_p, key_bytes(&k)) {
                            Step::Detach => break Ended::Detached,
                            Step::Send(b) => b,
                        },
                        false => key_bytes(&k),
                    };
                    if !bytes.is_empty() && stdin.write_all(&bytes).await.is_err() {
                        break Ended::Closed;
                    }
                }
                Some(Ok(Event::Paste(text))) => {
                    if stdin.write_all(text.as_bytes()).await.is_err() {
                        break Ended::Closed;
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    if let Some(tx) = resize.as_mut() {
                        let _ = tx.send(TerminalSize { width, height }).await;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break Ended::Closed,
            },
        }
    };
    drop(events);
    drop(stdin);
    if matches!(ended, Ended::Detached) {
        // Leaving: the connection closes and the process goes on. An aborted connection never
        // closes its output streams, so their copiers are stopped rather than waited for.
        proc.abort();
        output.abort();
        if let Some(e) = &errors {
            e.abort();
        }
    }
    let _ = output.await;
    if let Some(e) = errors {
        let _ = e.await;
    }
    let _ = proc.join().await;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, mods: KeyModifiers) -> Vec<u8> {
        key_bytes(&KeyEvent::new(code, mods))
    }

    #[test]
    fn ctrl_p_ctrl_q_detaches_and_a_lone_ctrl_p_is_sent_on() {
        let mut held = false;
        assert_eq!(
            detach_step(&mut held, b"a".to_vec()),
            Step::Send(b"a".to_vec())
        );
        assert_eq!(detach_step(&mut held, vec![CTRL_P]), Step::Send(vec![]));
        assert_eq!(
            detach_step(&mut held, b"x".to_vec()),
            Step::Send(vec![CTRL_P, b'x'])
        );
        assert!(!held);
        assert_eq!(detach_step(&mut held, vec![CTRL_P]), Step::Send(vec![]));
        assert_eq!(detach_step(&mut held, vec![CTRL_Q]), Step::Detach);
        // ctrl-q alone is just a key.
        let mut held = false;
        assert_eq!(
            detach_step(&mut held, vec![CTRL_Q]),
            Step::Send(vec![CTRL_Q])
        );
    }

    #[test]
    fn attach_picks_the_named_the_annotated_or_the_first_container() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "console", "annotations": {"kubectl.kubernetes.io/default-container": "shell"}},
            "spec": {"containers": [{"name": "quiet"}, {"name": "shell", "stdin": true, "tty": true}]}
        }))
        .unwrap();
        assert_eq!(
            attach_target(&pod, None).unwrap(),
            ("shell".into(), true, true)
        );
        assert_eq!(
            attach_target(&pod, Some("quiet")).unwrap(),
            ("quiet".into(), false, false)
        );
        assert!(
            attach_target(&pod, Some("nope"))
                .unwrap_err()
                .contains("no container nope")
        );
    }

    #[test]
    fn keys_become_the_bytes_a_terminal_sends() {
        let none = KeyModifiers::NONE;
        assert_eq!(k(KeyCode::Char('a'), none), b"a");
        assert_eq!(k(KeyCode::Char('é'), none), "é".as_bytes());
        assert_eq!(k(KeyCode::Enter, none), b"\r");
        assert_eq!(k(KeyCode::Backspace, none), [0x7f]);
        assert_eq!(k(KeyCode::Char('c'), KeyModifiers::CONTROL), [3]);
        assert_eq!(k(KeyCode::Char('d'), KeyModifiers::CONTROL), [4]);
        assert_eq!(k(KeyCode::Up, none), b"\x1b[A");
        assert_eq!(k(KeyCode::Char('b'), KeyModifiers::ALT), b"\x1bb");
        assert_eq!(k(KeyCode::F(1), none), b"\x1bOP");
        assert!(k(KeyCode::F(12), none).is_empty());
    }
}
