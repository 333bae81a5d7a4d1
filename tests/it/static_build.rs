//! The release you can copy to a host: `scripts/build-static.sh` builds a static binary
//! (glibc, crt-static) that runs alone in an empty image — no libraries, no CA certificates, no
//! /etc files but those Docker mounts — and reaches the test stack's api by its service name
//! (Docker's DNS) over the compose network.
//!
//! The build uses the dev profile (quick) into `target/static`, apart from `target/`; the first
//! run compiles every dependency once more (a minute or two), later runs only cleanops.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::stack::{ENV_FILE, Stack, docker, docker_or_skip};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// A cold build compiles every dependency; bound it generously (2 cores).
const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Removes the test's image and container, also after a failure.
struct Cleanup {
    image: String,
    container: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.container]);
        let _ = docker(&["rmi", "-f", &self.image]);
    }
}

/// `scripts/build-static.sh --dev`; returns the binary's path (the script's last line).
fn build_static() -> PathBuf {
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(Path::new(REPO).join("scripts/build-static.sh"))
        .arg("--dev")
        .current_dir(REPO)
        // The outer `cargo test` must not steer the inner build (its target dir, its flags).
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    // Drain stderr on a thread, so cargo's progress never blocks on a full pipe.
    let stderr = child.stderr.take();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = stderr {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut text);
        }
        text
    });
    loop {
        match child.try_wait().expect("wait for the build") {
            Some(_) => break,
            None if started.elapsed() > BUILD_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the static build took over {BUILD_LIMIT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    let out = child.wait_with_output().expect("the build's output");
    let log = log.join().unwrap_or_default();
    assert!(
        out.status.success(),
        "scripts/build-static.sh --dev failed ({}):\n{log}",
        out.status
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = stdout.lines().last().unwrap_or_default().trim();
    let path = Path::new(REPO).join(path);
    assert!(path.is_file(), "no binary at {}:\n{log}", path.display());
    eprintln!(
        "static build: {:.0?}, {} MB",
        started.elapsed(),
        path.metadata().map(|m| m.len() >> 20).unwrap_or(0)
    );
    path
}

#[test]
fn the_static_binary_runs_alone_in_an_empty_image() {
    if !docker_or_skip() {
        return;
    }
    let binary = build_static();

    // It asks for no loader and no shared library.
    let ldd = Command::new("ldd").arg(&binary).output();
    if let Ok(ldd) = ldd {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&ldd.stdout),
            String::from_utf8_lossy(&ldd.stderr)
        );
        assert!(
            text.contains("statically linked") || text.contains("not a dynamic executable"),
            "ldd: {text}"
        );
    }

    // The image: the binary (debug info stripped, as the test stack's image), and nothing else.
    let root = tempfile::tempdir().unwrap();
    let inside = root.path().join("cleanops");
    let stripped = Command::new("objcopy")
        .arg("--strip-debug")
        .arg(&binary)
        .arg(&inside)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(&binary, &inside).expect("copy the binary");
    }
    let tar = root.path().join("rootfs.tar");
    let packed = Command::new("tar")
        .args(["--numeric-owner", "--owner=0", "--group=0", "-C"])
        .arg(root.path())
        .arg("-cf")
        .arg(&tar)
        .arg("cleanops")
        .status()
        .expect("tar runs");
    assert!(packed.success());
    let tag = format!("cleanops-static-it:{}", std::process::id());
    let cleanup = Cleanup {
        image: tag.clone(),
        container: format!("cleanops-static-it-{}", std::process::id()),
    };
    let tar_path = tar.display().to_string();
    docker(&["import", &tar_path, &tag]).code(0);
    let listed = docker(&[
        "run",
        "--rm",
        "--entrypoint",
        "/cleanops",
        &tag,
        "--version",
    ]);
    listed.code(0);
    // The same version; the commit may differ only if one was made during the test run.
    let prefix = format!("cleanops {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(
        listed.stdout.trim().starts_with(&prefix),
        "the static binary says {:?}, this one {:?}",
        listed.stdout.trim(),
        cleanops::VERSION
    );
    // Nothing but the binary: no shell, no libraries, no certificates.
    let history = docker(&["image", "inspect", "--format", "{{.Size}}", &tag]);
    history.code(0);
    let size: u64 = history.stdout.trim().parse().unwrap_or(0);
    let file_size = inside.metadata().map(|m| m.len()).unwrap_or(0);
    assert!(
        size <= file_size + 64 * 1024,
        "the image ({size} bytes) holds more than the binary ({file_size} bytes)"
    );

    // Against the stack's api, by its service name on the compose network: DNS through
    // Docker's embedded server, plain http (no credentials sent: /readyz is public).
    let stack = Stack::up(ENV_FILE);
    let api = stack.container_id("api");
    let networks = docker(&[
        "inspect",
        "--format",
        "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}\n{{end}}",
        &api,
    ]);
    networks.code(0);
    let network = networks
        .stdout
        .lines()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .expect("the api container's network")
        .to_owned();
    let run = docker(&[
        "run",
        "--name",
        &cleanup.container,
        "--network",
        &network,
        "--entrypoint",
        "/cleanops",
        "-e",
        "NO_COLOR=1",
        &tag,
        "status",
        "--api-only",
        "--json",
        "--api-url",
        "http://api:8000",
        "--timeout",
        "10s",
    ]);
    assert_eq!(
        run.code, 0,
        "status in the empty image\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    assert_eq!(doc["ready"], true, "{doc}");
    assert_eq!(doc["url"], "http://api:8000/readyz", "{doc}");
    let jobs = doc["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "jobs"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(jobs["ok"], true, "{doc}");
    drop(stack);
    drop(cleanup);
}
