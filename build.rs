//! Build script: the git commit `cleanops --version` shows.
//!
//! `CLEANOPS_GIT_COMMIT` is set to, in this order: the `CLEANOPS_BUILD_COMMIT` environment
//! variable (for builds from a tarball whose commit is known), `git rev-parse --short HEAD`
//! when the source is a git checkout, else `unknown`. Cargo re-runs this script only when HEAD
//! moves (`.git/HEAD`, the branch it points to, `packed-refs`), not on every build.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// A path `git rev-parse --git-path` gives, made absolute (it may answer relative to the
/// manifest directory).
fn git_path(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(git(&["rev-parse", "--git-path", name])?);
    Some(if path.is_absolute() {
        path
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
    })
}

fn main() {
    println!("cargo:rerun-if-env-changed=CLEANOPS_BUILD_COMMIT");
    if let Ok(commit) = std::env::var("CLEANOPS_BUILD_COMMIT")
        && !commit.trim().is_empty()
    {
        println!("cargo:rustc-env=CLEANOPS_GIT_COMMIT={}", commit.trim());
        return;
    }
    let commit = git(&["rev-parse", "--short=7", "HEAD"]);
    if commit.is_some() {
        // HEAD itself (a checkout of another branch or commit), the branch HEAD points to (a new
        // commit), and packed-refs (where the branch lives after `git gc`).
        // A path that does not exist would make cargo re-run the script on every build, so a
        // packed branch is watched through packed-refs and the directory its loose file will
        // appear in.
        let mut watched = vec![git_path("HEAD"), git_path("packed-refs")];
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            match git_path(&branch) {
                Some(loose) if loose.exists() => watched.push(Some(loose)),
                Some(loose) => watched.push(loose.parent().map(PathBuf::from)),
                None => {}
            }
        }
        for path in watched.into_iter().flatten() {
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    } else {
        // Not a git checkout (a tarball, a vendored copy): nothing to watch but this script.
        println!("cargo:rerun-if-changed=build.rs");
    }
    println!(
        "cargo:rustc-env=CLEANOPS_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}
