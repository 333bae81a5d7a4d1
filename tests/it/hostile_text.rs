//! Server text cannot drive the terminal: what the app's API and the Docker engine say (runner
//! ids, event types, errors, container names, log lines) is shown to a person with its control
//! characters escaped and its length bounded, while `--json` keeps the exact values.

use cleanops_sim::engine::{FakeEngine, FakeEngineHandle, FakeLogLine, compose_project};
use serde_json::{Value, json};

use crate::{NOW, Run, TestSim, run_env};

/// What a hostile server puts in a string: a newline and a forged success line, a window title
/// (OSC 0, ended by BEL), a screen clear, a carriage return and a backspace.
const HOSTILE: &str = "r-1\n✓ replayed 40 of 40\u{1b}]0;pwned\u{7}\u{1b}[2J\rpwned\u{8}";
/// The line the newline tries to forge.
const FORGED: &str = "✓ replayed 40 of 40";

/// Human output: no control character but the newlines between lines, no forged line, and the
/// hostile string still visible, escaped.
#[track_caller]
fn assert_inert(what: &str, r: &Run) {
    for (name, c) in [
        ("ESC", '\u{1b}'),
        ("CR", '\r'),
        ("BEL", '\u{7}'),
        ("backspace", '\u{8}'),
    ] {
        assert!(
            !r.stdout.contains(c),
            "{what}: {name} on stdout:\n{:?}\nstderr:\n{}",
            r.stdout,
            r.stderr
        );
    }
    // A tab is a piped table's own separator: outside text carries none (shown escaped).
    assert!(
        r.stdout
            .chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control()),
        "{what}: a control character on stdout:\n{:?}",
        r.stdout
    );
    for line in r.stdout.lines() {
        assert!(
            !line.trim_start().starts_with(FORGED),
            "{what}: a forged line on stdout:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains("\\u{1b}]0;pwned\\u{7}"),
        "{what}: the hostile text is not shown escaped:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
}

/// Every line of human output is bounded, and a cut one says so.
#[track_caller]
fn assert_bounded(what: &str, r: &Run) {
    let longest = r
        .stdout
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(
        longest < 2_000,
        "{what}: a line of {longest} characters on stdout (stderr: {})",
        r.stderr
    );
    assert!(
        r.stdout.contains('…'),
        "{what}: no cut shown:\n{}",
        r.stdout
    );
}

/// A stale heartbeat written by a runner with a hostile id (shown in `/readyz` and in the jobs
/// rows), and dead events with a hostile type and error.
fn hostile_app() -> TestSim {
    let sim = TestSim::start("stale-heartbeat");
    sim.control(json!({"runner_id": HOSTILE, "heartbeat_age_seconds": 1278.4}));
    sim.control(json!({
        "add_dead": {"kind": "outbox", "count": 2, "event_type": HOSTILE, "last_error": HOSTILE}
    }));
    sim
}

/// The simulator's environment, with an engine that is not there (the API half only).
fn no_engine(sim: &TestSim) -> Vec<(String, String)> {
    let mut env = sim.env();
    env.push((
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    ));
    env
}

fn jobs_check(status: &Value) -> &Value {
    status["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "jobs")
        .unwrap_or_else(|| panic!("no jobs check in {status}"))
}

/// Every string of a JSON document, depth first.
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn status_shows_a_hostile_runner_id_inert_and_json_keeps_it() {
    let sim = hostile_app();
    let r = sim.run(&["status", "--api-only"]);
    r.code(1);
    assert_inert("status --api-only", &r);
    let j = sim.run(&["status", "--api-only", "--json"]).code(1).json();
    assert_eq!(jobs_check(&j)["detail"]["runner_id"], HOSTILE);
}

#[test]
fn heartbeat_shows_a_hostile_runner_id_inert_and_json_keeps_it() {
    let sim = hostile_app();
    let r = sim.run(&["heartbeat"]);
    r.code(1);
    assert_inert("heartbeat", &r);
    let j = sim.run(&["heartbeat", "--json"]).code(1).json();
    assert_eq!(j["heartbeat"]["runner_id"], HOSTILE);
    let runner_row = j["jobs"]
        .as_array()
        .expect("job rows")
        .iter()
        .find(|r| r["name"] == "jobs-runner")
        .unwrap_or_else(|| panic!("no jobs-runner row in {j}"));
    assert_eq!(runner_row["runner_id"], HOSTILE);
}

#[test]
fn dlq_shows_hostile_event_types_and_errors_inert_and_json_keeps_them() {
    let sim = hostile_app();
    let r = sim.run(&["dlq"]);
    r.code(1);
    assert_inert("dlq", &r);
    let j = sim.run(&["dlq", "--json"]).code(1).json();
    let items = j["items"].as_array().expect("items");
    assert!(
        items
            .iter()
            .any(|i| i["event_type"] == HOSTILE && i["last_error"] == HOSTILE),
        "{j}"
    );
}

#[test]
fn diagnose_on_screen_and_in_markdown_shows_hostile_text_inert_and_json_keeps_it() {
    let sim = hostile_app();
    let env = no_engine(&sim);
    let r = run_env(&["diagnose"], &env, &sim.home);
    r.code(1);
    assert_inert("diagnose", &r);
    let r = run_env(&["diagnose", "--markdown"], &env, &sim.home);
    r.code(1).stdout_has("### cleanops diagnose");
    assert_inert("diagnose --markdown", &r);
    let j = run_env(&["diagnose", "--json"], &env, &sim.home)
        .code(1)
        .json();
    let heartbeat = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "heartbeat")
        .unwrap();
    assert!(
        heartbeat["summary"].as_str().unwrap().ends_with(HOSTILE),
        "{heartbeat}"
    );
    assert!(
        strings(&j["verdict"]).iter().any(|s| s.contains(HOSTILE)),
        "the causes' evidence keeps the exact text: {}",
        j["verdict"]
    );
}

#[test]
fn a_200_kb_string_is_cut_for_a_person_and_kept_whole_in_json() {
    let huge = format!("{}{HOSTILE}", "x".repeat(200 * 1024));
    let sim = TestSim::start("stale-heartbeat");
    sim.control(json!({"runner_id": huge, "heartbeat_age_seconds": 1278.4}));
    sim.control(json!({"add_dead": {"kind": "outbox", "count": 1, "last_error": huge}}));
    for args in [
        &["status", "--api-only"][..],
        &["heartbeat"][..],
        &["dlq"][..],
    ] {
        let r = sim.run(args);
        r.code(1);
        assert_bounded(&args.join(" "), &r);
        assert!(!r.stdout.contains('\u{1b}'), "{args:?}: ESC on stdout");
    }
    let r = run_env(&["diagnose"], &no_engine(&sim), &sim.home);
    r.code(1);
    assert_bounded("diagnose", &r);
    let r = run_env(&["diagnose", "--markdown"], &no_engine(&sim), &sim.home);
    r.code(1);
    assert_bounded("diagnose --markdown", &r);

    let j = sim.run(&["status", "--api-only", "--json"]).code(1).json();
    assert_eq!(jobs_check(&j)["detail"]["runner_id"], huge.as_str());
    let j = sim.run(&["dlq", "--json"]).code(1).json();
    assert!(
        j["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["last_error"] == huge.as_str()),
        "the whole error in --json"
    );
}

/// The simulated engine of a compose project `cleaning` whose jobs container has a hostile name
/// and a hostile line in its log, served until dropped.
struct HostileEngine {
    handle: Option<FakeEngineHandle>,
    runtime: tokio::runtime::Runtime,
}

const JOBS_NAME: &str = "cleaning-jobs-1";
/// A database error the runner's log check quotes, with the hostile text in it.
fn hostile_log_line() -> String {
    format!(
        "sqlalchemy.exc.OperationalError: connection failed \u{1b}]0;pwned\u{7}\u{1b}[2J\r{FORGED}\u{8}"
    )
}

impl HostileEngine {
    fn start() -> HostileEngine {
        let now = cleanops::clock::parse_rfc3339(NOW).unwrap();
        let mut containers = compose_project("cleaning", now);
        for c in &mut containers {
            if c.service == "jobs" {
                c.name = format!("{JOBS_NAME}{HOSTILE}");
                c.logs.push(FakeLogLine::stderr(now, hostile_log_line()));
            }
        }
        let engine = FakeEngine::new(containers);
        engine.set_clock(Some(now));
        let (handle, runtime) = crate::serve_engine(&engine);
        HostileEngine {
            handle: Some(handle),
            runtime,
        }
    }

    fn env(&self, sim: &TestSim) -> Vec<(String, String)> {
        let mut env = sim.env();
        env.push(("DOCKER_HOST".into(), self.handle.as_ref().unwrap().host()));
        env.push(("COMPOSE_PROJECT_NAME".into(), "cleaning".into()));
        env
    }
}

impl Drop for HostileEngine {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
    }
}

#[test]
fn engine_text_is_inert_on_screen_and_log_lines_stay_as_stored_off_a_terminal() {
    let sim = TestSim::start("healthy");
    let engine = HostileEngine::start();
    let env = engine.env(&sim);

    // The container's hostile name in the containers table.
    let r = run_env(&["status"], &env, &sim.home);
    assert_inert("status", &r);
    let j = run_env(&["status", "--json"], &env, &sim.home).json();
    let names: Vec<&str> = j["containers"]["services"]
        .as_array()
        .expect("services")
        .iter()
        .flat_map(|s| s["containers"].as_array().unwrap())
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&format!("{JOBS_NAME}{HOSTILE}").as_str()),
        "{names:?}"
    );

    // The name and the quoted log line in the diagnosis.
    for args in [&["diagnose"][..], &["diagnose", "--markdown"][..]] {
        let r = run_env(args, &env, &sim.home);
        assert_inert(&args.join(" "), &r);
    }
    let j = run_env(&["diagnose", "--json"], &env, &sim.home).json();
    let all = strings(&j);
    assert!(
        all.iter().any(|s| s.contains(&hostile_log_line())),
        "the quoted log line is exact in --json"
    );
    assert!(
        all.iter().any(|s| s.contains(HOSTILE)),
        "the container's name is exact in --json"
    );

    // Off a terminal, log lines are printed as stored (grep sees what the container wrote);
    // --raw says so explicitly, and --json keeps the exact text.
    for args in [&["logs", "jobs"][..], &["logs", "jobs", "--raw"][..]] {
        let r = run_env(args, &env, &sim.home);
        r.code(0);
        assert!(
            r.stdout.lines().any(|l| l == hostile_log_line()),
            "{args:?}: the line as stored:\n{:?}",
            r.stdout
        );
    }
    let j = run_env(&["logs", "jobs", "--json"], &env, &sim.home)
        .code(0)
        .json();
    assert!(
        j["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["text"] == hostile_log_line().as_str()),
        "{j}"
    );
}

/// `cleanops ARGS` on a pseudo-terminal (util-linux `script`), its output as the terminal got
/// it; `None` when `script` is not installed or cannot open a terminal.
fn on_a_terminal(args: &str, env: &[(String, String)], home: &tempfile::TempDir) -> Option<String> {
    // Installed, and able to open a pseudo-terminal here.
    let available = std::process::Command::new("script")
        .args(["-qec", "test -t 1", "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        // CI has util-linux: there a missing terminal is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the terminal test, but script(1) cannot make a terminal here"
        );
        eprintln!("skipped: no script(1) that can make a terminal here");
        return None;
    }
    let mut cmd = std::process::Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} {args}", crate::bin().display()),
        "/dev/null",
    ])
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("HOME", home.path())
    .env("XDG_CONFIG_HOME", home.path().join("config"))
    .env("XDG_STATE_HOME", home.path().join("state"))
    .env("NO_COLOR", "1")
    .env("CLEANOPS_NOW", NOW)
    .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("script runs");
    assert!(
        out.status.success(),
        "cleanops {args} on a terminal: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_log_lines_are_shown_escaped_unless_raw() {
    let sim = TestSim::start("healthy");
    let engine = HostileEngine::start();
    let env = engine.env(&sim);
    let Some(shown) = on_a_terminal("logs jobs --tail 3", &env, &sim.home) else {
        return;
    };
    // The terminal turns each newline into CR LF; no other control character may reach it.
    for c in ['\u{1b}', '\u{7}', '\u{8}'] {
        assert!(!shown.contains(c), "{c:?} reached the terminal:\n{shown:?}");
    }
    assert!(
        shown.contains("OperationalError: connection failed \\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}"),
        "the line, escaped and whole:\n{shown:?}"
    );
    let raw = on_a_terminal("logs jobs --tail 3 --raw", &env, &sim.home).unwrap();
    assert!(
        raw.contains(&hostile_log_line()),
        "--raw prints the line as stored:\n{raw:?}"
    );
}
