//! The generated files checked in — `completions/` and `docs/man/` — are what the binary
//! generates now. When a flag, a subcommand or a help text changes, regenerate them:
//!
//! ```sh
//! cargo run -- completions --write completions/
//! rm -f docs/man/*.1 && cargo run -- man --dir docs/man/
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use crate::run_env;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// The files of `dir` whose name passes `keep`, by name.
fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            keep(&name).then(|| {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                (name, text)
            })
        })
        .collect()
}

/// Generates into a temp dir with `args` + DIR, and compares with the checked-in `dir`.
#[track_caller]
fn assert_fresh(args: &[&str], dir: &str, keep: fn(&str) -> bool, regenerate: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("generated");
    let out_str = out.display().to_string();
    let mut all = args.to_vec();
    all.push(&out_str);
    run_env(&all, &[], &home).code(0);
    let fresh = files(&out, keep);
    assert!(!fresh.is_empty(), "`cleanops {args:?}` generated nothing");
    let checked_in = files(&Path::new(REPO).join(dir), keep);
    let mut problems = Vec::new();
    for (name, text) in &fresh {
        match checked_in.get(name) {
            None => problems.push(format!("{dir}/{name} is missing")),
            Some(old) if old != text => problems.push(format!("{dir}/{name} is out of date")),
            Some(_) => {}
        }
    }
    for name in checked_in.keys().filter(|n| !fresh.contains_key(*n)) {
        problems.push(format!("{dir}/{name} is no longer generated (remove it)"));
    }
    assert!(
        problems.is_empty(),
        "the checked-in generated files differ from what the binary generates:\n  {}\n\
         regenerate them from the repository's root with:\n  {regenerate}",
        problems.join("\n  ")
    );
}

#[test]
fn checked_in_completions_are_fresh() {
    assert_fresh(
        &["completions", "--write"],
        "completions",
        |_| true,
        "cargo run -- completions --write completions/",
    );
}

#[test]
fn checked_in_man_pages_are_fresh() {
    assert_fresh(
        &["man", "--dir"],
        "docs/man",
        |name| name.ends_with(".1"),
        "rm -f docs/man/*.1 && cargo run -- man --dir docs/man/",
    );
}

#[test]
fn completions_print_per_shell_and_offer_the_known_values() {
    let home = tempfile::tempdir().unwrap();
    let expected = [
        ("bash", "cleanops.bash"),
        ("zsh", "_cleanops"),
        ("fish", "cleanops.fish"),
        ("powershell", "_cleanops.ps1"),
        ("elvish", "cleanops.elv"),
    ];
    for (shell, file) in expected {
        let r = run_env(&["completions", shell], &[], &home);
        r.code(0);
        let checked_in = std::fs::read_to_string(Path::new(REPO).join("completions").join(file))
            .unwrap_or_default();
        // Not assert_eq!: a diff of two 100 KB scripts helps nobody.
        assert!(
            r.stdout == checked_in,
            "`cleanops completions {shell}` is not completions/{file}: regenerate with \
             `cargo run -- completions --write completions/`"
        );
        let j = run_env(&["completions", shell, "--json"], &[], &home)
            .code(0)
            .json();
        assert_eq!(j["file"], file);
        assert!(
            j["script"] == r.stdout.as_str(),
            "--json holds the same script"
        );
    }
    // Fixed sets complete as values: checks, scenarios, jobs, services, shells (clap's fish
    // generator offers no values for positional arguments; zsh does).
    let zsh =
        std::fs::read_to_string(Path::new(REPO).join("completions/_cleanops")).unwrap_or_default();
    for value in [
        "jobs-container",
        "crash-loop",
        "stale-heartbeat",
        "storage-janitor",
        ":(api jobs db)",
        ":(bash elvish fish powershell zsh)",
    ] {
        assert!(zsh.contains(value), "the zsh completions lack {value}");
    }
    // Without a shell or --write: a usage error.
    run_env(&["completions"], &[], &home)
        .code(2)
        .stderr_has("<SHELL>");
}

#[test]
fn the_bash_completions_complete_values() {
    let script = Path::new(REPO).join("completions/cleanops.bash");
    // COMPREPLY for a command line, as bash computes it on <TAB>.
    let complete = |line: &str| -> String {
        let probe = format!(
            "source '{}'\nCOMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1))\n\
             _cleanops cleanops \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\" 2>/dev/null\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &probe])
            .output();
        match out {
            Ok(out) => String::from_utf8_lossy(&out.stdout).into_owned(),
            Err(e) => panic!("bash cannot run: {e}"),
        }
    };
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping: no bash");
        return;
    }
    let words = |s: String| s.lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        words(complete("cleanops diagnose --check jobs-")),
        ["jobs-status", "jobs-container", "jobs-logs"]
    );
    assert_eq!(
        words(complete("cleanops demo --scenario cr")),
        ["crash-loop"]
    );
    assert!(words(complete("cleanops logs ''")).contains(&"db".to_owned()));
    assert_eq!(
        words(complete("cleanops run-once --job storage-j")),
        ["storage-janitor"]
    );
    assert_eq!(words(complete("cleanops completions z")), ["zsh"]);
}

#[test]
fn man_prints_one_page_and_refuses_unknown_ones() {
    let home = tempfile::tempdir().unwrap();
    let page = |name: &str| {
        std::fs::read_to_string(Path::new(REPO).join("docs/man").join(name)).unwrap_or_default()
    };
    let r = run_env(&["man"], &[], &home);
    r.code(0);
    assert!(
        r.stdout == page("cleanops.1"),
        "`cleanops man` is docs/man/cleanops.1"
    );
    let r = run_env(&["man", "sim", "serve"], &[], &home);
    r.code(0).stdout_has(".TH cleanops-sim-serve 1");
    assert!(
        r.stdout == page("cleanops-sim-serve.1"),
        "`cleanops man sim serve` is docs/man/cleanops-sim-serve.1"
    );
    run_env(&["man", "restart"], &[], &home)
        .code(0)
        .stdout_has("Examples:");
    run_env(&["man", "nope"], &[], &home)
        .code(2)
        .stderr_has("no man page for `cleanops nope`")
        .stderr_has("sim-serve");
    // The pages carry the crate's version, not the commit: they stay fresh across commits.
    assert!(page("cleanops.1").contains("\"cleanops 0.1.0\""));
    assert!(!page("cleanops.1").contains("(commit "));
}

#[test]
fn version_names_the_commit() {
    let home = tempfile::tempdir().unwrap();
    let r = run_env(&["--version"], &[], &home);
    r.code(0);
    let line = r.stdout.trim();
    let rest = line
        .strip_prefix(&format!("cleanops {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {line:?}"));
    assert!(
        rest == "unknown" || (rest.len() >= 7 && rest.chars().all(|c| c.is_ascii_hexdigit())),
        "{line:?}"
    );
    assert_eq!(
        line,
        format!("cleanops {}", cleanops::VERSION),
        "clap prints cleanops::VERSION"
    );
    // When built from a git checkout (and not told the commit), it is HEAD's commit.
    if std::env::var_os("CLEANOPS_BUILD_COMMIT").is_none()
        && let Ok(out) = std::process::Command::new("git")
            .args(["-C", REPO, "rev-parse", "--short=7", "HEAD"])
            .output()
        && out.status.success()
    {
        let head = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(
            rest.starts_with(&head) || head.starts_with(rest),
            "--version says {rest}, HEAD is {head}"
        );
    }
}

#[test]
fn the_shells_accept_the_scripts() {
    // `-n`: parse without running. A shell that is not installed is skipped, outside CI.
    for (shell, file) in [
        ("bash", "cleanops.bash"),
        ("zsh", "_cleanops"),
        ("fish", "cleanops.fish"),
    ] {
        let path = Path::new(REPO).join("completions").join(file);
        match std::process::Command::new(shell)
            .arg("-n")
            .arg(&path)
            .output()
        {
            // CI installs all three (.ci/run): there a missing shell is a failure, not a skip.
            Err(e) if std::env::var_os("CI").is_some() => panic!("{shell} is not installed: {e}"),
            Err(_) => eprintln!("skipping {shell}: not installed"),
            Ok(out) => assert!(
                out.status.success(),
                "{shell} -n completions/{file}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
}
