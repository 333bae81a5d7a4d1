//! Integration tests: the built binary over real HTTP against the simulator, one test binary.

mod api;
mod arrow;
mod config;
mod demo;
mod diagnose;
mod dlq_db;
mod docker;
mod docs;
mod escalate;
mod faults;
mod generated;
mod help;
mod hostile;
mod hostile_text;
mod layout;
mod props;
mod remediate;
mod remote;
mod replay;
mod secrets;
mod stack;
mod static_build;

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use cleanops_sim::{Control, Scenario, Sim, SimOptions};
use serde_json::Value;

/// The engine of a test that names none: a socket that does not exist.
pub const NO_ENGINE: &str = "unix:///nonexistent/cleanops-tests-name-their-engine.sock";

/// The frozen "now" of every test: the simulator's clock and `CLEANOPS_NOW` agree.
pub const NOW: &str = "2026-04-05T20:30:00Z";
/// Known secrets: no output of any test may contain them.
pub const ADMIN_PASSWORD: &str = "it-admin-pw-7f3a9c";
pub const VIEWER_PASSWORD: &str = "it-viewer-pw-51be0d";

/// A simulator on an OS-chosen port, on its own runtime, stopped on drop.
pub struct TestSim {
    pub sim: Option<Sim>,
    pub url: String,
    runtime: tokio::runtime::Runtime,
    pub home: tempfile::TempDir,
}

impl TestSim {
    pub fn start(scenario: &str) -> TestSim {
        TestSim::start_with(scenario, |_| {})
    }

    pub fn start_with(scenario: &str, tweak: impl FnOnce(&mut SimOptions)) -> TestSim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let mut opts = SimOptions {
            scenario: Scenario::from_name(scenario).expect("a known scenario"),
            fixed_now: Some(cleanops::clock::parse_rfc3339(NOW).unwrap()),
            admin_password: ADMIN_PASSWORD.into(),
            viewer_password: VIEWER_PASSWORD.into(),
            ..SimOptions::default()
        };
        tweak(&mut opts);
        let sim = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            Sim::start(listener, opts)
                .await
                .expect("the simulator starts")
        });
        TestSim {
            url: sim.url(),
            sim: Some(sim),
            runtime,
            home: tempfile::tempdir().expect("a temp dir"),
        }
    }

    /// Change the simulated deployment (the same document as POST /_sim/control).
    pub fn control(&self, doc: Value) {
        let c: Control = serde_json::from_value(doc).expect("a valid control document");
        self.sim
            .as_ref()
            .unwrap()
            .control(c)
            .expect("control applies");
    }

    pub fn state(&self) -> Value {
        self.sim.as_ref().unwrap().state()
    }

    /// `cleanops ARGS` against this simulator as the admin, with a clean environment.
    pub fn run(&self, args: &[&str]) -> Run {
        run_env(args, &self.env(), &self.home)
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("CLEANOPS_API_URL".into(), self.url.clone()),
            ("ADMIN_BASIC_USERNAME".into(), "admin".into()),
            ("ADMIN_BASIC_PASSWORD".into(), ADMIN_PASSWORD.into()),
        ]
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(
            self.code, want,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }
}

/// A simulated Docker engine served on loopback from a runtime of its own (the tests' threads
/// are not async); the runtime must outlive the engine's handle.
pub fn serve_engine(
    engine: &cleanops_sim::engine::FakeEngine,
) -> (
    cleanops_sim::engine::FakeEngineHandle,
    tokio::runtime::Runtime,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the engine");
    let handle = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        engine.serve(listener).await.expect("the engine serves")
    });
    (handle, runtime)
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cleanops"))
}

/// The Docker test stack's multi-call binary (`python`, `pg_isready`, `postgres`,
/// `cleanops-sim serve`), built from the simulator crate; cleanops' own binary is never in
/// the test image.
pub fn sim_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cleanops-sim"))
}

/// Run with only the given variables (plus a private HOME, a fixed clock, no colour), and check
/// the invariant every test shares: no known secret in any output.
pub fn run_env(args: &[&str], env: &[(String, String)], home: &tempfile::TempDir) -> Run {
    run_with_clock(args, env, home, Some(NOW))
}

/// [`run_env`] on the real clock (no `CLEANOPS_NOW`), for the Docker stack, whose simulator
/// runs on real time.
pub fn run_env_live(args: &[&str], env: &[(String, String)], home: &tempfile::TempDir) -> Run {
    run_with_clock(args, env, home, None)
}

fn run_with_clock(
    args: &[&str],
    env: &[(String, String)],
    home: &tempfile::TempDir,
    now: Option<&str>,
) -> Run {
    let mut cmd = std::process::Command::new(bin());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("CLEANOPS_PROJECT_DIR", home.path().join("cleaning"))
        .env("NO_COLOR", "1")
        // No engine unless the test names one: what runs on this machine's engine (a real
        // deployment called `cleaning`, say) must not change what a test sees.
        .env("DOCKER_HOST", NO_ENGINE)
        .stdin(std::process::Stdio::null());
    if let Some(now) = now {
        cmd.env("CLEANOPS_NOW", now);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the binary runs");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    for secret in [ADMIN_PASSWORD, VIEWER_PASSWORD] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a password leaked into the output of {args:?}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains("panicked"),
        "cleanops panicked:\n{}",
        run.stderr
    );
    run
}
