use std::collections::HashMap;

use super::*;

/// An in-memory file tree for `find_pin`.
struct Tree(HashMap<PathBuf, String>);

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        Tree(
            files
                .iter()
                .map(|(p, c)| (PathBuf::from(p), c.to_string()))
                .collect(),
        )
    }

    fn find(
        &self,
        env: Option<&str>,
        start: &str,
        home: &str,
    ) -> Result<Option<Pin>, ResolveError> {
        let yaml = Path::new(start).ancestors().find_map(|d| {
            let p = d.join(".kdeck.yaml");
            self.0.get(&p).map(|c| FoundDirConfig {
                path: p,
                content: c.clone().into_bytes(),
            })
        });
        let mut read = |p: &Path| Ok(self.0.get(p).cloned());
        find_pin(
            env,
            Path::new(start),
            Path::new(home),
            yaml.as_ref(),
            &mut read,
        )
    }
}

fn v(s: &str) -> Version {
    s.parse().unwrap()
}

fn tv(path: &str, line: usize) -> PinSource {
    PinSource::ToolVersions {
        path: path.into(),
        line,
    }
}

#[test]
fn nearest_tool_versions_naming_kubectl_wins() {
    let tree = Tree::new(&[
        ("/p/.tool-versions", "kubectl 1.28.0\n"),
        ("/p/a/.tool-versions", "nodejs 20\n"),
        ("/p/a/b/.tool-versions", "# none here\n"),
    ]);
    let pin = tree.find(None, "/p/a/b/c", "/home/u").unwrap().unwrap();
    assert_eq!(pin.specs, vec![Spec::Version(v("1.28.0"))]);
    assert_eq!(pin.source, tv("/p/.tool-versions", 1));
}

#[test]
fn env_beats_everything() {
    let tree = Tree::new(&[
        ("/p/.tool-versions", "kubectl 1.28.0\n"),
        ("/p/.kdeck.yaml", "kubectl: 1.27.0\n"),
    ]);
    let pin = tree
        .find(Some("v1.30.1 system"), "/p", "/home/u")
        .unwrap()
        .unwrap();
    assert_eq!(pin.source, PinSource::Env);
    assert_eq!(pin.specs, vec![Spec::Version(v("1.30.1")), Spec::System]);
    assert!(tree.find(Some("1.30"), "/p", "/home/u").is_err());
    // An empty variable is as good as unset.
    assert_eq!(
        tree.find(Some(" "), "/p", "/home/u")
            .unwrap()
            .unwrap()
            .source,
        tv("/p/.tool-versions", 1)
    );
}

#[test]
fn closer_kdeck_yaml_beats_farther_tool_versions_and_vice_versa() {
    let tree = Tree::new(&[
        ("/p/.tool-versions", "kubectl 1.28.0\n"),
        ("/p/a/.kdeck.yaml", "context: dev\nkubectl: 1.29.4\n"),
        ("/p/a/b/c/.tool-versions", "kubectl 1.30.0\n"),
    ]);
    let pin = tree.find(None, "/p/a/b", "/home/u").unwrap().unwrap();
    assert_eq!(
        pin.source,
        PinSource::KdeckYaml {
            path: "/p/a/.kdeck.yaml".into(),
            line: Some(2)
        }
    );
    assert_eq!(pin.specs, vec![Spec::Version(v("1.29.4"))]);
    let pin = tree.find(None, "/p/a/b/c", "/home/u").unwrap().unwrap();
    assert_eq!(pin.source, tv("/p/a/b/c/.tool-versions", 1));
}

#[test]
fn tool_versions_wins_a_tie_in_the_same_directory() {
    let tree = Tree::new(&[
        ("/p/.tool-versions", "kubectl 1.28.0\n"),
        ("/p/.kdeck.yaml", "kubectl: 1.29.4\n"),
    ]);
    assert_eq!(
        tree.find(None, "/p", "/h").unwrap().unwrap().source,
        tv("/p/.tool-versions", 1)
    );
}

#[test]
fn kdeck_yaml_without_kubectl_key_does_not_stop_the_walk() {
    let tree = Tree::new(&[
        ("/p/.tool-versions", "kubectl 1.28.0\n"),
        ("/p/a/.kdeck.yaml", "context: dev\n"),
    ]);
    assert_eq!(
        tree.find(None, "/p/a", "/h").unwrap().unwrap().source,
        tv("/p/.tool-versions", 1)
    );
}

#[test]
fn broken_kdeck_yaml_is_reported_when_reached() {
    let tree = Tree::new(&[("/p/a/.kdeck.yaml", "kubectl: [\n")]);
    assert!(tree.find(None, "/p/a", "/h").is_err());
    let tree = Tree::new(&[("/p/a/.kdeck.yaml", "kubectl: 1.29\n")]);
    let err = tree.find(None, "/p/a", "/h").unwrap_err().to_string();
    assert!(
        err.contains("/p/a/.kdeck.yaml") && err.contains("1.29"),
        "{err}"
    );
}

#[test]
fn home_is_the_last_resort() {
    let tree = Tree::new(&[("/home/u/.tool-versions", "kubectl 1.27.1 # global\n")]);
    let pin = tree.find(None, "/srv/x", "/home/u").unwrap().unwrap();
    assert_eq!(pin.source, tv("/home/u/.tool-versions", 1));
    assert_eq!(tree.find(None, "/srv/x", "/nohome").unwrap(), None);
}

#[test]
fn bad_tool_versions_names_file_and_line() {
    let tree = Tree::new(&[("/p/.tool-versions", "nodejs 20\nkubectl latest\n")]);
    let err = tree.find(None, "/p", "/h").unwrap_err().to_string();
    assert!(
        err.starts_with("/p/.tool-versions: line 2: \"latest\""),
        "{err}"
    );
}

fn pin(specs: &str) -> Pin {
    Pin {
        specs: parse_specs(specs).unwrap(),
        source: tv("/p/.tool-versions", 1),
    }
}

fn installed(list: &[&str]) -> Vec<Version> {
    list.iter().map(|s| v(s)).collect()
}

fn pick(
    p: &str,
    inst: &[&str],
    system: Option<&str>,
    server: Option<u32>,
) -> Result<Choice, Unavailable> {
    let mut sys = || system.map(PathBuf::from);
    let mut srv = || server;
    choose(&pin(p), &installed(inst), &mut sys, &mut srv)
}

#[test]
fn first_available_fallback_wins() {
    let c = pick("1.30.0 1.29.4 1.28.0", &["1.28.0", "1.29.4"], None, None).unwrap();
    assert_eq!(c.target, Target::Installed(v("1.29.4")));
    assert_eq!(c.note.unwrap(), "fallback #1: 1.30.0 not available");
    let c = pick(
        "1.30.0 system 1.28.0",
        &["1.28.0"],
        Some("/usr/bin/kubectl"),
        None,
    )
    .unwrap();
    assert_eq!(c.target, Target::System("/usr/bin/kubectl".into()));
    let c = pick("1.30.0 system 1.28.0", &["1.28.0"], None, None).unwrap();
    assert_eq!(c.target, Target::Installed(v("1.28.0")));
}

#[test]
fn lazy_questions_are_only_asked_when_needed() {
    let mut asked = 0;
    let mut sys = || {
        asked += 1;
        None
    };
    let mut srv = || -> Option<u32> { panic!("no server query for a concrete pin") };
    choose(
        &pin("1.29.4 system"),
        &installed(&["1.29.4"]),
        &mut sys,
        &mut srv,
    )
    .unwrap();
    assert_eq!(asked, 0);
}

#[test]
fn single_missing_version_says_how_to_install() {
    let err = pick("1.29.4", &["1.28.0"], Some("/usr/bin/kubectl"), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "kubectl 1.29.4 is pinned by /p/.tool-versions line 1 but is not installed: run `kdeck kubectl install 1.29.4`"
    );
}

#[test]
fn nothing_available_lists_every_spec() {
    let err = pick("1.29.4 system", &[], None, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("none of 1.29.4, system"), "{err}");
    assert!(err.contains("kdeck kubectl install 1.29.4"), "{err}");
    assert!(err.contains("no kubectl on PATH"), "{err}");
}

#[test]
fn auto_picks_closest_minor() {
    let inst = ["1.27.3", "1.29.1", "1.29.4", "1.31.0"];
    assert_eq!(
        pick("auto", &inst, None, Some(29)).unwrap().target,
        Target::Installed(v("1.29.4"))
    );
    // 1.30: 1.29 and 1.31 are both one away; the newer one is preferred.
    assert_eq!(
        pick("auto", &inst, None, Some(30)).unwrap().target,
        Target::Installed(v("1.31.0"))
    );
    assert_eq!(
        pick("auto", &inst, None, Some(26)).unwrap().target,
        Target::Installed(v("1.27.3"))
    );
}

#[test]
fn auto_without_server_tries_fallbacks_then_newest() {
    let inst = ["1.27.3", "1.29.4"];
    assert_eq!(
        pick("auto 1.27.3", &inst, None, None).unwrap().target,
        Target::Installed(v("1.27.3"))
    );
    let c = pick("auto", &inst, None, None).unwrap();
    assert_eq!(c.target, Target::Installed(v("1.29.4")));
    assert!(c.note.unwrap().contains("server version unknown"));
    assert!(pick("auto", &[], None, Some(29)).is_err());
}

#[test]
fn closest_prefers_releases() {
    let inst = installed(&["1.30.0-rc.1", "1.29.0"]);
    assert_eq!(closest_to_minor(&inst, 30), Some(&v("1.29.0")));
    let only_pre = installed(&["1.30.0-rc.1"]);
    assert_eq!(closest_to_minor(&only_pre, 30), Some(&v("1.30.0-rc.1")));
}
