//! `e` edit, as `kubectl edit` does it, on the plain terminal while the TUI is suspended: the object's
//! YAML (without managedFields and status) goes into a 0600 file in kdeck's runtime directory, the
//! user's editor (`$KUBE_EDITOR`, `$EDITOR` or `vi`, run through the shell so the variable may carry
//! arguments) edits it, and the result replaces the object with the resourceVersion it was read at.
//!
//! Nothing changed: no request. The server refuses (409 conflict, 422 invalid) or the YAML does not
//! parse: the editor opens again on the user's own text with the reason as `#` lines at the top. Saving
//! that unchanged drops the edit, and the text is kept in a file whose path is shown, so nothing the user
//! typed is lost.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cluster::actions::ObjectRef;

/// The editor command line, as kubectl picks it.
fn editor() -> String {
    ["KUBE_EDITOR", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string())
}

/// The buffer: the object as YAML, minus what the user does not edit.
pub fn buffer(obj: &Value) -> Result<String, String> {
    let mut obj = obj.clone();
    if let Some(meta) = obj["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    if let Some(o) = obj.as_object_mut() {
        o.remove("status");
    }
    let y = crate::yaml::from_json(&obj).map_err(|e| e.message)?;
    crate::yaml::to_string(&y).map_err(|e| e.message)
}

/// The text without the `#` lines kdeck put at the top.
fn strip_header(text: &str) -> &str {
    let mut rest = text;
    while let Some(line_end) = rest.find('\n') {
        if rest.starts_with("# ") || rest.starts_with("#\n") {
            rest = &rest[line_end + 1..];
        } else {
            break;
        }
    }
    rest
}

/// `reason` as `#` lines above `text`.
fn with_header(reason: &str, text: &str) -> String {
    let mut out = String::from(
        "# Please edit the object below. Lines beginning with a '#' are ignored by kdeck;\n\
         # save it unchanged (or empty) to drop the edit.\n#\n",
    );
    for line in reason.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("#\n");
    out.push_str(text);
    out
}

/// A new 0600 file in kdeck's own runtime directory (0700); its name never comes from the cluster.
fn temp_file(text: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = crate::paths::runtime_dir().join("edit");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    for _ in 0..16 {
        let path = dir.join(format!(
            "kdeck-edit-{}-{:08x}.yaml",
            std::process::id(),
            rand::random::<u32>()
        ));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match file {
            Ok(mut f) => {
                f.write_all(text.as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("cannot create a file in {}", dir.display()))
}

/// Runs the editor on `path` through the shell, as kubectl does; waits for it.
async fn run_editor(path: &Path) -> Result<(), String> {
    let cmd = editor();
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$1\""))
        .arg("kdeck-edit")
        .arg(path)
        .status()
        .await
        .map_err(|e| format!("cannot run the editor ({cmd}): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the editor ({cmd}) exited with {status}"))
    }
}

/// What became of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied(String),
    Unchanged,
    /// Dropped after a refusal; the user's text is kept at this path.
    Dropped {
        reason: String,
        kept: PathBuf,
    },
}

/// One round: what the user saved, as the object to send, or why it cannot be sent.
fn parse_edit(saved: &str) -> Result<Option<Value>, String> {
    let body = strip_header(saved);
    if body
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(None);
    }
    let y = crate::yaml::parse_value(body)
        .map_err(|e| format!("the YAML does not parse: {}", e.message))?;
    crate::yaml::to_json(&y)
        .map(Some)
        .map_err(|e| format!("the YAML does not parse: {}", e.message))
}

/// Edits `target` on the plain terminal. The TUI is suspended by the caller.
pub async fn run(client: kube::Client, target: ObjectRef) -> Result<Outcome, String> {
    let api = target.api(&client);
    let current = api.get(&target.name).await.map_err(|e| {
        format!(
            "edit {}: {}",
            target.display(),
            crate::cluster::error::RequestError::from(e)
        )
    })?;
    let original = serde_json::to_value(&current).map_err(|e| e.to_string())?;
    let rv = original["metadata"]["resourceVersion"].clone();
    let first = buffer(&original)?;
    let path = temp_file(&first)?;
    let mut written = first.clone();
    let unchanged_object = parse_edit(&first)?.unwrap_or(Value::Null);
    let mut refused: Option<String> = None;
    let outcome = loop {
        run_editor(&path).await?;
        let saved =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if saved == written {
            break match refused {
                // Saved unchanged after a refusal: the edit is dropped, the text kept.
                Some(reason) => Outcome::Dropped {
                    reason,
                    kept: path.clone(),
                },
                None => Outcome::Unchanged,
            };
        }
        let edited = match parse_edit(&saved) {
            Ok(None) => break Outcome::Unchanged,
            Ok(Some(v)) => v,
            Err(reason) => {
                written = with_header(&reason, strip_header(&saved));
                std::fs::write(&path, &written).map_err(|e| e.to_string())?;
                refused = Some(reason);
                continue;
            }
        };
        if edited == unchanged_object {
            break Outcome::Unchanged;
        }
        let mut obj = edited;
        // The update is made against the version the user started from: a change made meanwhile is
        // a conflict, not silently overwritten.
        obj["metadata"]["resourceVersion"] = rv.clone();
        let result = match serde_json::from_value::<kube::api::DynamicObject>(obj) {
            Ok(o) => api
                .replace(&target.name, &kube::api::PostParams::default(), &o)
                .await
                .map_err(|e| crate::cluster::error::RequestError::from(e).to_string()),
            Err(e) => Err(format!("not an object: {e}")),
        };
        match result {
            Ok(_) => break Outcome::Applied(format!("edited {}", target.display())),
            Err(reason) => {
                written = with_header(&reason, strip_header(&saved));
                std::fs::write(&path, &written).map_err(|e| e.to_string())?;
                refused = Some(reason);
            }
        }
    };
    if !matches!(outcome, Outcome::Dropped { .. }) {
        let _ = std::fs::remove_file(&path);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_buffer_leaves_out_status_and_managed_fields() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "resourceVersion": "7", "managedFields": [{"manager": "x"}]},
            "data": {"a": "1"}, "status": {"x": 1}});
        let b = buffer(&obj).unwrap();
        assert!(
            b.contains("resourceVersion: '7'") || b.contains("resourceVersion: \"7\""),
            "{b}"
        );
        assert!(!b.contains("managedFields") && !b.contains("status"), "{b}");
        assert_eq!(parse_edit(&b).unwrap().unwrap()["data"]["a"], "1");
    }

    #[test]
    fn refusals_become_comment_lines_that_are_stripped_again() {
        let text = "apiVersion: v1\nkind: ConfigMap\n";
        let h = with_header("ConfigMap \"c\" is invalid:\n data: bad", text);
        assert!(h.starts_with("# Please edit"));
        assert!(h.contains("# ConfigMap \"c\" is invalid:\n#  data: bad\n"));
        assert_eq!(strip_header(&h), text);
        assert_eq!(parse_edit("# only comments\n\n").unwrap(), None);
        assert!(parse_edit("a: [\n").unwrap_err().contains("does not parse"));
    }
}
