//! docs/ stays true to the code: the example config files parse, and every global flag and
//! `CLEANOPS_*` variable the code reads is in docs/configuration.md.

use std::path::Path;

use clap::CommandFactory;
use cleanops::cli::Cli;

use crate::run_env;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(REPO).join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The fenced code blocks of a markdown text whose info string is `lang`.
fn code_blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```")
                && line.trim_start().trim_start_matches('`').trim() == lang =>
            {
                current = Some(String::new());
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => {
                blocks.extend(current.take());
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn the_example_config_files_are_valid() {
    let home = tempfile::tempdir().unwrap();
    let password = home.path().join("password");
    std::fs::write(&password, "example-password\n").unwrap();
    let mut checked = 0;
    for doc in ["README.md", "docs/configuration.md"] {
        for block in code_blocks(&read(doc), "toml") {
            // The examples' password files do not exist here: point them at one that does.
            let text: String = block
                .lines()
                .map(|line| {
                    if line.trim_start().starts_with("password_file") {
                        format!("password_file = {:?}", password.display().to_string())
                    } else {
                        line.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            let file = home.path().join("config.toml");
            std::fs::write(&file, &text).unwrap();
            let file_arg = file.display().to_string();
            let profiles: Vec<String> = text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("[profiles.")?.strip_suffix(']'))
                .map(str::to_owned)
                .collect();
            assert!(
                !profiles.is_empty(),
                "{doc}: a toml example without a profile"
            );
            for profile in profiles {
                let r = run_env(
                    &[
                        "--config",
                        &file_arg,
                        "--profile",
                        &profile,
                        "config",
                        "show",
                        "--json",
                    ],
                    &[],
                    &home,
                );
                assert_eq!(
                    r.code, 0,
                    "{doc}: the example profile {profile} does not load:\n{}{}",
                    r.stdout, r.stderr
                );
                let doc_json = r.json();
                let source = |name: &str| {
                    doc_json["settings"]
                        .as_array()
                        .and_then(|s| s.iter().find(|s| s["name"] == name))
                        .map(|s| s["source"].as_str().unwrap_or_default().to_owned())
                        .unwrap_or_default()
                };
                assert!(
                    source("api_url").starts_with("profile "),
                    "{doc}: profile {profile}: api_url not from the profile"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "only {checked} example profiles found");
}

#[test]
fn every_global_flag_and_variable_is_documented() {
    let doc = read("docs/configuration.md");
    let mut missing = Vec::new();
    let cmd = Cli::command();
    for arg in cmd.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if matches!(long, "help" | "version") {
            continue;
        }
        if !doc.contains(&format!("`--{long}")) {
            missing.push(format!("the flag --{long}"));
        }
    }
    // Every CLEANOPS_* name the code reads (the build script's own output aside).
    let mut names = std::collections::BTreeSet::new();
    let mut dirs = vec![Path::new(REPO).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mut rest = text.as_str();
                while let Some(at) = rest.find("CLEANOPS_") {
                    let name: String = rest[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    rest = &rest[at + name.len()..];
                    if name.len() > "CLEANOPS_".len() && name != "CLEANOPS_GIT_COMMIT" {
                        names.insert(name);
                    }
                }
            }
        }
    }
    assert!(
        names.contains("CLEANOPS_API_URL"),
        "the scan found {names:?}"
    );
    for name in names {
        if !doc.contains(&format!("`{name}`")) {
            missing.push(format!("the variable {name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not mention:\n  {}",
        missing.join("\n  ")
    );
}
