//! `cleanops completions SHELL`: shell completions generated from the clap definition
//! (clap_complete), printed or written as the files checked in under `completions/`.

use std::path::Path;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use serde_json::json;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Exit, Failure};
use crate::render::{self, Ui};

/// Every shell, in the order the files are listed.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// The definition the generated files are made from: the parser's own, with the crate version
/// alone (no commit), so the checked-in files do not change with every commit.
pub fn definition() -> clap::Command {
    Cli::command().version(env!("CARGO_PKG_VERSION"))
}

/// The file a shell's completions go in: `cleanops.bash`, `_cleanops`, `cleanops.fish`,
/// `_cleanops.ps1`, `cleanops.elv`.
pub fn file_name(shell: Shell) -> String {
    use clap_complete::Generator;
    shell.file_name("cleanops")
}

/// The completion script of `shell`.
pub fn script(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut definition(), "cleanops", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Writes `files` (name, contents) into `dir`, creating it; returns the paths written.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<Vec<String>> {
    let fail = |what: String, e: std::io::Error| {
        Failure::usage(format!("{what}: {e}"))
            .hint("choose a directory you can write to (it is created if missing)")
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| fail(format!("cannot create {}", dir.display()), e))?;
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| fail(format!("cannot write {}", path.display()), e))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// Prints what was written: the paths, or `{"dir", "written"}` with `--json`.
pub fn report_written(ui: &Ui, dir: &Path, written: &[String]) {
    if ui.json {
        render::json(&json!({"dir": dir.display().to_string(), "written": written}));
    } else {
        render::out(&written.join("\n"));
    }
}

pub fn run(args: &CompletionsArgs, ui: Ui) -> Result<Exit> {
    let shells: Vec<Shell> = match args.shell {
        Some(shell) => vec![shell],
        None => SHELLS.to_vec(),
    };
    if let Some(dir) = &args.write {
        let files: Vec<(String, String)> = shells
            .iter()
            .map(|&shell| (file_name(shell), script(shell)))
            .collect();
        let written = write_files(dir, &files)?;
        report_written(&ui, dir, &written);
        return Ok(Exit::Ok);
    }
    // clap requires SHELL without --write.
    let shell = shells[0];
    let text = script(shell);
    if ui.json {
        render::json(
            &json!({"shell": shell.to_string(), "file": file_name(shell), "script": text}),
        );
    } else {
        render::out(&text);
    }
    Ok(Exit::Ok)
}
