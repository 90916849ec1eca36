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
    let mut proc = api.exec(pod, SHELL, &params).await.map_err(|e| match e {
        kube::Error::Api(s) => format!("cannot open a shell in {what}: {}", s.message),
        other => format!("cannot open a shell in {what}: {other}"),
    })?;
    let (Some(mut stdin), Some(mut stdout), Some(status)) =
        (proc.stdin(), proc.stdout(), proc.take_status())
    else {
        return Err("the server did not open the shell's streams".into());
    };
    let mut resize = proc.terminal_size();
    if let (Some(tx), Ok((width, height))) = (resize.as_mut(), crossterm::terminal::size()) {
        let _ = tx.send(TerminalSize { width, height }).await;
    }
    let output = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut out = tokio::io::stdout();
        loop {
            match stdout.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if out.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    let _ = out.flush().await;
                }
            }
        }
    });
    let mut events = EventStream::new();
    tokio::pin!(status);
    let ended = loop {
        tokio::select! {
            st = &mut status => break st,
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    let bytes = key_bytes(&k);
                    if !bytes.is_empty() && stdin.write_all(&bytes).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(Event::Paste(text))) => {
                    if stdin.write_all(text.as_bytes()).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    if let Some(tx) = resize.as_mut() {
                        let _ = tx.send(TerminalSize { width, height }).await;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break None,
            },
        }
    };
    drop(events);
    let _ = output.await;
    let _ = proc.join().await;
    match ended {
        Some(s) if s.status.as_deref() == Some("Success") => Ok(format!("shell in {what} ended")),
        Some(s) => Err(format!(
            "shell in {what} ended: {}",
            s.message.unwrap_or_else(|| "non-zero exit".into())
        )),
        None => Ok(format!("shell in {what} closed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, mods: KeyModifiers) -> Vec<u8> {
        key_bytes(&KeyEvent::new(code, mods))
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
