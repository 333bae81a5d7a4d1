//! Help that teaches: every subcommand's `--help` has examples, and every example parses.

use clap::{CommandFactory, Parser};
use cleanops::cli::Cli;

/// Splits a line into words the way a POSIX shell would for these examples: single quotes keep
/// everything, double quotes keep everything but `\"` and `\\`, a backslash outside quotes
/// escapes the next character. Words end at unquoted whitespace; the command ends at an
/// unquoted `#` starting a word (a comment), `|`, `||`, `&&`, `;`, `>` or `<`.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has started (so `''` is an empty word, not nothing).
    let mut started = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated ' in {line:?}")),
                    }
                }
            }
            '"' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            word.push(chars.next().unwrap_or_default());
                        }
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated \" in {line:?}")),
                    }
                }
            }
            '\\' => {
                started = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err(format!("a trailing backslash in {line:?}")),
                }
            }
            '#' if !started => break,
            '|' | '&' | ';' | '>' | '<' => break,
            c if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                started = true;
                word.push(c);
            }
        }
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

#[test]
fn the_splitter_splits_like_a_shell() {
    let w = |s: &str| shell_words(s).unwrap();
    assert_eq!(w("cleanops status"), ["cleanops", "status"]);
    assert_eq!(
        w("cleanops logs --grep 'job_failed|Traceback'   # a comment"),
        ["cleanops", "logs", "--grep", "job_failed|Traceback"]
    );
    assert_eq!(
        w(r#"cleanops x "a \"b\" c" d"e"f 'g h'"#),
        ["cleanops", "x", r#"a "b" c"#, "def", "g h"]
    );
    assert_eq!(
        w("cleanops diagnose --json | jq ."),
        ["cleanops", "diagnose", "--json"]
    );
    assert_eq!(w("cleanops a && cleanops b"), ["cleanops", "a"]);
    assert_eq!(w("cleanops man > out.1"), ["cleanops", "man"]);
    assert_eq!(w("cleanops a#b ''"), ["cleanops", "a#b", ""]);
    assert_eq!(w(r"cleanops a\ b"), ["cleanops", "a b"]);
    assert!(shell_words("cleanops 'open").is_err());
}

/// The example lines of a help text: the indented lines after `Examples:` up to a blank line.
fn examples(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Examples:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
        .collect()
}

/// Every visible subcommand, as its path of names (`["sim", "serve"]`), the root as `[]`.
fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
    out.push((path.clone(), cmd.clone()));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let mut p = path.clone();
        p.push(sub.get_name().to_owned());
        walk(sub, p, out);
    }
}

/// The chain of subcommand names a parse selected.
fn selected(matches: &clap::ArgMatches) -> Vec<String> {
    let mut path = Vec::new();
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        path.push(name.to_owned());
        m = sub;
    }
    path
}

#[test]
fn every_subcommand_has_examples_that_parse() {
    let mut root = Cli::command();
    root.build();
    let mut all = Vec::new();
    walk(&root, Vec::new(), &mut all);
    assert!(
        all.iter().any(|(p, _)| p == &["sim", "serve"])
            && all.iter().any(|(p, _)| p == &["config", "show"]),
        "nested subcommands are walked"
    );
    let mut problems = Vec::new();
    let mut parsed = 0;
    for (path, cmd) in &all {
        let name = format!("cleanops {}", path.join(" "));
        let help = cmd
            .get_after_long_help()
            .or(cmd.get_after_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let lines = examples(&help);
        if lines.is_empty() {
            problems.push(format!("{name}: no Examples: in its --help"));
            continue;
        }
        for line in lines {
            let words = match shell_words(&line) {
                Ok(w) => w,
                Err(e) => {
                    problems.push(format!("{name}: {e}"));
                    continue;
                }
            };
            if words.first().map(String::as_str) != Some("cleanops") {
                problems.push(format!(
                    "{name}: example {line:?} does not start with cleanops"
                ));
                continue;
            }
            if let Err(e) = Cli::try_parse_from(&words) {
                problems.push(format!("{name}: example {line:?} does not parse:\n{e}"));
                continue;
            }
            parsed += 1;
            // The example shows this subcommand (a group's, one of its subcommands; the
            // root's, any).
            let matches = Cli::command().try_get_matches_from(&words);
            let chosen = matches.as_ref().map(selected).unwrap_or_default();
            if !chosen.starts_with(path) || (!cmd.has_subcommands() && &chosen != path) {
                problems.push(format!(
                    "{name}: example {line:?} runs `cleanops {}`",
                    chosen.join(" ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(parsed >= 2 * all.len(), "only {parsed} examples parsed");
}

#[test]
fn every_help_ends_with_the_exit_codes() {
    let mut root = Cli::command();
    root.build();
    let mut all = Vec::new();
    walk(&root, Vec::new(), &mut all);
    for (path, cmd) in &all {
        let help = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            help.contains("Exit codes:") && help.contains("130  Interrupted"),
            "cleanops {}: no exit codes in --help",
            path.join(" ")
        );
    }
}

#[test]
fn a_commands_own_options_come_before_the_global_ones() {
    let mut root = Cli::command();
    root.build();
    let globals: Vec<String> = root
        .get_arguments()
        .filter(|a| a.is_global_set())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    assert!(globals.len() > 10, "{globals:?}");
    let mut all = Vec::new();
    walk(&root, Vec::new(), &mut all);
    for (path, cmd) in &all {
        let name = format!("cleanops {}", path.join(" "));
        let help = cmd.clone().render_long_help().to_string();
        let lines: Vec<&str> = help.lines().collect();
        let heading = lines
            .iter()
            .position(|l| *l == "Global options:")
            .unwrap_or_else(|| panic!("{name}: no \"Global options:\" heading:\n{help}"));
        // An option line: its first word is the flag (`-v, --verbose` or `--json`).
        let flag_of = |l: &str| {
            let l = l.trim_start();
            l.starts_with('-')
                .then(|| l.split([' ', ',']).find(|w| w.starts_with("--")))
                .flatten()
                .map(str::to_string)
        };
        for (n, line) in lines.iter().enumerate() {
            let Some(flag) = flag_of(line) else { continue };
            let global = globals.contains(&flag);
            assert_eq!(
                global,
                n > heading,
                "{name}: {flag} is on the wrong side of \"Global options:\":\n{help}"
            );
        }
    }
}
