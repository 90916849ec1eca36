//! Test support shared by the shell modules' unit tests.

use crate::cli::Shell;

/// Checks `script_for(shell)` with each shell's own syntax check (`bash -n`, `zsh -n`,
/// `fish --no-execute`); a shell that is not installed is skipped with a note.
pub fn assert_scripts_parse(mut script_for: impl FnMut(Shell) -> String) {
    for (sh, shell, check) in [
        ("bash", Shell::Bash, "-n"),
        ("zsh", Shell::Zsh, "-n"),
        ("fish", Shell::Fish, "--no-execute"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("script");
        std::fs::write(&file, script_for(shell)).unwrap();
        match std::process::Command::new(sh)
            .arg(check)
            .arg(&file)
            .output()
        {
            Ok(out) => assert!(
                out.status.success(),
                "{sh}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => eprintln!("skipping {sh}: not installed"),
        }
    }
}
