//! One kubeconfig file as a passthrough document.
//!
//! The file is kept as a generic YAML value, so every field kdeck does not know (extensions, preferences,
//! plugin settings, vendor keys) and the key order survive an edit. The named lists (`clusters`, `users`,
//! `contexts`) are read and edited in place; nothing is converted through a typed model on the way back.

use std::path::{Path, PathBuf};

use crate::yaml::{self, Mapping, Value};

use super::KubeconfigError;

/// The three named lists of a kubeconfig, with the key of the list and of each entry's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Clusters,
    Users,
    Contexts,
}

impl Section {
    pub fn list_key(self) -> &'static str {
        match self {
            Section::Clusters => "clusters",
            Section::Users => "users",
            Section::Contexts => "contexts",
        }
    }
    pub fn body_key(self) -> &'static str {
        match self {
            Section::Clusters => "cluster",
            Section::Users => "user",
            Section::Contexts => "context",
        }
    }
}

/// A parsed kubeconfig file, or an empty one for a path that does not exist yet.
#[derive(Debug, Clone)]
pub struct KubeconfigDoc {
    pub path: PathBuf,
    pub exists: bool,
    /// The original text (empty when the file does not exist); used to make minimal textual edits.
    pub text: String,
    pub root: Value,
}

impl KubeconfigDoc {
    /// Reads and parses `path`. A missing file is an empty document, as kubectl treats it.
    pub fn load(path: &Path) -> Result<Self, KubeconfigError> {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(path, bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::empty(path)),
            Err(source) => Err(KubeconfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses the bytes read from an existing file.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, KubeconfigError> {
        let text = String::from_utf8(bytes).map_err(|e| KubeconfigError::Parse {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("not UTF-8 text ({e})"),
        })?;
        Self::parse(path, text)
    }

    pub fn empty(path: &Path) -> Self {
        KubeconfigDoc {
            path: path.to_path_buf(),
            exists: false,
            text: String::new(),
            root: Value::Mapping(Mapping::new()),
        }
    }

    /// Parses the text of an existing file and checks its shape.
    pub fn parse(path: &Path, text: String) -> Result<Self, KubeconfigError> {
        let root = yaml::parse_value(&text).map_err(|e| KubeconfigError::Parse {
            path: path.to_path_buf(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        let root = match root {
            Value::Null => Value::Mapping(Mapping::new()),
            v @ Value::Mapping(_) => v,
            _ => {
                return Err(KubeconfigError::Shape {
                    path: path.to_path_buf(),
                    message: "the top level must be a mapping".into(),
                });
            }
        };
        let doc = KubeconfigDoc {
            path: path.to_path_buf(),
            exists: true,
            text,
            root,
        };
        doc.check_shape()?;
        Ok(doc)
    }

    fn check_shape(&self) -> Result<(), KubeconfigError> {
        let shape = |message: String| KubeconfigError::Shape {
            path: self.path.clone(),
            message,
        };
        for section in [Section::Clusters, Section::Users, Section::Contexts] {
            match self.map().get(section.list_key()) {
                None | Some(Value::Null) | Some(Value::Sequence(_)) => {}
                Some(_) => return Err(shape(format!("`{}` must be a list", section.list_key()))),
            }
            for (i, entry) in self.list(section).iter().enumerate() {
                // kubectl takes an entry without a name (or `name: null`) as the name "".
                if entry_name(entry).is_none() {
                    return Err(shape(format!(
                        "entry {} of `{}` must be a mapping with a string `name`",
                        i + 1,
                        section.list_key()
                    )));
                }
            }
        }
        match self.map().get("current-context") {
            None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
            Some(_) => Err(shape("`current-context` must be a string".into())),
        }
    }

    fn map(&self) -> &Mapping {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        self.root
            .as_mapping()
            .unwrap_or_else(|| EMPTY.get_or_init(Mapping::new))
    }

    fn map_mut(&mut self) -> &mut Mapping {
        if !self.root.is_mapping() {
            self.root = Value::Mapping(Mapping::new());
        }
        match &mut self.root {
            Value::Mapping(m) => m,
            _ => unreachable!("root was just made a mapping"),
        }
    }

    /// The entries of a section in file order (an absent or null list is empty).
    pub fn list(&self, section: Section) -> &[Value] {
        match self.map().get(section.list_key()) {
            Some(Value::Sequence(s)) => s,
            _ => &[],
        }
    }

    fn list_mut(&mut self, section: Section) -> &mut Vec<Value> {
        let map = self.map_mut();
        let key = Value::String(section.list_key().into());
        if !matches!(map.get(&key), Some(Value::Sequence(_))) {
            map.insert(key.clone(), Value::Sequence(Vec::new()));
        }
        match map.get_mut(&key) {
            Some(Value::Sequence(s)) => s,
            _ => unreachable!("list was just inserted"),
        }
    }

    /// The body of the first entry named `name` (client-go keeps the first of duplicate names per file).
    pub fn entry(&self, section: Section, name: &str) -> Option<&Value> {
        self.list(section)
            .iter()
            .find(|e| entry_name(e) == Some(name))
            .map(|e| e.get(section.body_key()).unwrap_or(&Value::Null))
    }

    pub fn has_entry(&self, section: Section, name: &str) -> bool {
        self.entry(section, name).is_some()
    }

    /// Names of a section in file order, first occurrence only.
    pub fn names(&self, section: Section) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<String> = Vec::new();
        for e in self.list(section) {
            if let Some(n) = entry_name(e)
                && seen.insert(n)
            {
                out.push(n.to_string());
            }
        }
        out
    }

    pub fn current_context(&self) -> Option<&str> {
        self.map()
            .get("current-context")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn set_current_context(&mut self, name: &str) {
        let map = self.map_mut();
        let key = Value::String("current-context".into());
        if let Some(v) = map.get_mut(&key) {
            *v = Value::String(name.into());
        } else {
            map.insert(key, Value::String(name.into()));
        }
    }

    /// Replaces the body of entry `name`, or appends a new entry when the file has none.
    pub fn upsert_entry(&mut self, section: Section, name: &str, body: Value) {
        let list = self.list_mut(section);
        if let Some(e) = list.iter_mut().find(|e| entry_name(e) == Some(name)) {
            if let Value::Mapping(m) = e {
                m.insert(Value::String(section.body_key().into()), body);
            }
            return;
        }
        let mut m = Mapping::new();
        m.insert(Value::String("name".into()), Value::String(name.into()));
        m.insert(Value::String(section.body_key().into()), body);
        list.push(Value::Mapping(m));
    }

    /// Sets or removes (`None`) one scalar field of an entry's body, keeping the other fields in order.
    pub fn set_entry_field(
        &mut self,
        section: Section,
        name: &str,
        field: &str,
        value: Option<&str>,
    ) -> bool {
        let list = self.list_mut(section);
        let Some(Value::Mapping(entry)) = list.iter_mut().find(|e| entry_name(e) == Some(name))
        else {
            return false;
        };
        let body_key = Value::String(section.body_key().into());
        if !matches!(entry.get(&body_key), Some(Value::Mapping(_))) {
            entry.insert(body_key.clone(), Value::Mapping(Mapping::new()));
        }
        let Some(Value::Mapping(body)) = entry.get_mut(&body_key) else {
            return false;
        };
        match value {
            Some(v) => {
                let k = Value::String(field.into());
                if let Some(slot) = body.get_mut(&k) {
                    *slot = Value::String(v.into());
                } else {
                    body.insert(k, Value::String(v.into()));
                }
            }
            None => {
                body.shift_remove(field);
            }
        }
        true
    }

    /// Removes the first entry named `name`; returns whether one was there.
    pub fn remove_entry(&mut self, section: Section, name: &str) -> bool {
        let list = self.list_mut(section);
        match list.iter().position(|e| entry_name(e) == Some(name)) {
            Some(i) => {
                list.remove(i);
                true
            }
            None => false,
        }
    }

    /// Renames the first entry named `old` in place (its position in the list is kept).
    pub fn rename_entry(&mut self, section: Section, old: &str, new: &str) -> bool {
        let list = self.list_mut(section);
        match list.iter_mut().find(|e| entry_name(e) == Some(old)) {
            Some(Value::Mapping(m)) => {
                m.insert(Value::String("name".into()), Value::String(new.into()));
                true
            }
            _ => false,
        }
    }

    /// Serializes the document. A brand-new file gets kubectl's `apiVersion`/`kind` header.
    pub fn render(&self) -> Result<String, KubeconfigError> {
        let mut root = self.root.clone();
        if !self.exists
            && let Value::Mapping(m) = &mut root
        {
            let mut with_header = Mapping::new();
            with_header.insert("apiVersion".into(), "v1".into());
            with_header.insert("kind".into(), "Config".into());
            for (k, v) in std::mem::take(m) {
                with_header.insert(k, v);
            }
            *m = with_header;
        }
        yaml::to_string(&root).map_err(|e| KubeconfigError::Shape {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }
}

/// The `name` of a list entry; a missing or null name is "", as kubectl reads it. `None` when the entry
/// is not a mapping or its name is not a string.
pub fn entry_name(entry: &Value) -> Option<&str> {
    match entry.as_mapping()?.get("name") {
        None | Some(Value::Null) => Some(""),
        Some(v) => v.as_str(),
    }
}

/// Changes a top-level `current-context:` line in place (keeping a trailing comment), or appends one when
/// the file has none, so comments and formatting of the rest of the file survive the most common edit.
/// Returns `None` when the line is not in a simple form (a block scalar, a multi-line value); the caller
/// then re-serializes the whole document. Callers re-parse the result and compare before using it.
pub fn patch_current_context_line(text: &str, name: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + name.len() + 20);
    let mut replaced = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if !replaced && let Some(rest) = body.strip_prefix("current-context:") {
            let value = rest.trim_start();
            if value.starts_with(['|', '>', '&', '!', '*', '[', '{']) {
                return None;
            }
            let comment = trailing_comment(value)?;
            let ending = &line[body.len()..];
            out.push_str("current-context: ");
            out.push_str(&quote_scalar(name));
            out.push_str(comment);
            out.push_str(ending);
            replaced = true;
            continue;
        }
        if !replaced
            && (body == "---" || body.starts_with("--- ") || body == "...")
            && !out.is_empty()
        {
            // The end of the first document: the line goes before it.
            return None;
        }
        out.push_str(line);
    }
    if !replaced {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("current-context: ");
        out.push_str(&quote_scalar(name));
        out.push('\n');
    }
    Some(out)
}

/// The part of a one-line scalar value from the whitespace before its `#` comment to the end ("" when
/// there is no comment); `None` when the quoting does not close on the line.
fn trailing_comment(value: &str) -> Option<&str> {
    let after_scalar = match value.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let mut escaped = false;
            let mut close = None;
            for (i, c) in value.char_indices().skip(1) {
                if q == '"' && c == '\\' && !escaped {
                    escaped = true;
                    continue;
                }
                if c == q && !escaped {
                    close = Some(i);
                    break;
                }
                escaped = false;
            }
            close? + 1
        }
        _ => 0,
    };
    let tail = &value[after_scalar..];
    let hash = tail
        .char_indices()
        .find(|&(i, c)| {
            c == '#' && (i == 0 && after_scalar == 0 || tail[..i].ends_with([' ', '\t']))
        })
        .map(|(i, _)| i);
    Some(match hash {
        Some(i) => {
            let start = tail[..i].trim_end_matches([' ', '\t']).len();
            &tail[start..]
        }
        None => "",
    })
}

/// Quotes a string as a YAML scalar the way the serializer would, so the textual patch parses back.
pub(super) fn quote_scalar(s: &str) -> String {
    let rendered = yaml::to_string(&Value::String(s.into())).unwrap_or_else(|_| format!("{s:?}"));
    rendered.trim_end_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# my clusters
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster:
    server: https://a
    x-vendor: keep-me
contexts:
- name: a
  context:
    cluster: a
    user: a
    extra: 1
current-context: a # trailing
preferences: {colors: true}
x-top: [1, 2]
";

    fn doc(text: &str) -> KubeconfigDoc {
        KubeconfigDoc::parse(Path::new("/k"), text.to_string()).unwrap()
    }

    #[test]
    fn unknown_fields_and_order_survive_edits() {
        let mut d = doc(SAMPLE);
        d.set_entry_field(Section::Contexts, "a", "namespace", Some("ns1"));
        d.set_current_context("b");
        let out = d.render().unwrap();
        let back = doc(&out);
        assert_eq!(back.current_context(), Some("b"));
        assert!(out.contains("x-vendor: keep-me"));
        assert!(out.contains("extra: 1"));
        assert!(out.contains("x-top:"));
        let keys: Vec<_> = back
            .root
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "apiVersion",
                "kind",
                "clusters",
                "contexts",
                "current-context",
                "preferences",
                "x-top"
            ]
        );
    }

    #[test]
    fn textual_patch_keeps_comments() {
        let text = "# keep\ncurrent-context: old\nkind: Config\n";
        let out = patch_current_context_line(text, "new: one").unwrap();
        assert!(out.starts_with("# keep\n"));
        assert_eq!(doc(&out).current_context(), Some("new: one"));
        let out = patch_current_context_line(SAMPLE, "x").unwrap();
        assert!(out.contains("current-context: x # trailing\n"), "{out}");
        let out = patch_current_context_line("current-context: \"a # b\"   # keep\n", "c").unwrap();
        assert_eq!(out, "current-context: c   # keep\n");
        let out = patch_current_context_line("kind: Config # k\n", "x").unwrap();
        assert_eq!(out, "kind: Config # k\ncurrent-context: x\n");
        assert!(patch_current_context_line("current-context: |\n  a\n", "x").is_none());
    }

    #[test]
    fn shape_errors_name_the_problem() {
        let err = KubeconfigDoc::parse(Path::new("/k"), "clusters: 3\n".into()).unwrap_err();
        assert!(
            err.to_string().contains("`clusters` must be a list"),
            "{err}"
        );
        let err =
            KubeconfigDoc::parse(Path::new("/k"), "contexts:\n- name: [1]\n".into()).unwrap_err();
        assert!(err.to_string().contains("string `name`"), "{err}");
        let nameless = KubeconfigDoc::parse(
            Path::new("/k"),
            "contexts:\n- context: {}\n- name: null\n".into(),
        )
        .unwrap();
        assert_eq!(nameless.names(Section::Contexts), [""]);
    }

    #[test]
    fn parse_error_has_line_and_column() {
        let err = KubeconfigDoc::parse(Path::new("/k"), "a: b\nc: [\n".into()).unwrap_err();
        match err {
            KubeconfigError::Parse { line, column, .. } => {
                assert!(line.is_some() && column.is_some())
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn new_file_gets_header() {
        let mut d = KubeconfigDoc::empty(Path::new("/new"));
        d.set_current_context("x");
        let out = d.render().unwrap();
        assert!(out.starts_with("apiVersion: v1\nkind: Config\n"), "{out}");
    }
}
