//! The human output of the main commands as a person sees it on a terminal 80 and 120 columns
//! wide (`CLEANOPS_COLUMNS`), kept as snapshots in `tests/it/snapshots/`: a layout change shows
//! up as a diff to review (`cargo insta review`, or `INSTA_UPDATE=always cargo test --test it
//! layout` and `git diff`), never by accident. Off a terminal, tables are one tab-separated
//! record a line. The deployments are the demo's worlds on the tests' frozen clock; what still
//! varies from run to run (ports, measured latencies, a run's duration) is redacted.
//!
//! Also here: a reader that goes away (`| head`) ends any command with 0 and nothing on stderr.

use std::process::{Command, Stdio};

use regex::Regex;

use crate::{Run, TestSim};

/// A demo world served here: the simulator as the app, a fake engine with the world's
/// containers and an env file, everything on the tests' frozen clock.
struct World {
    sim: TestSim,
    runtime: tokio::runtime::Runtime,
    engine: Option<cleanops_sim::engine::FakeEngineHandle>,
    env: Vec<(String, String)>,
}

impl World {
    fn new(scenario: &str) -> World {
        let now = cleanops::clock::parse_rfc3339(crate::NOW).unwrap();
        let world = cleanops_sim::demo::world(scenario, now).expect("a demo scenario");
        let runner_id = world
            .containers
            .iter()
            .find(|c| c.service == "jobs")
            .map(|c| c.hostname.clone());
        let api_scenario = world.api_scenario;
        let sim = TestSim::start_with("healthy", |o| o.scenario = api_scenario);
        let app = sim.sim.as_ref().unwrap();
        app.control(cleanops_sim::Control {
            runner_id: runner_id.map(Some),
            ..Default::default()
        })
        .unwrap();
        app.control(world.control).unwrap();
        let engine = cleanops_sim::engine::FakeEngine::new(world.containers);
        engine.set_clock(Some(now));
        let (engine, runtime) = crate::serve_engine(&engine);
        let dir = sim.home.path().join("cleaning");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".env"), &world.env_file).unwrap();
        let mut env = sim.env();
        env.push(("DOCKER_HOST".into(), engine.host()));
        env.push(("CLEANOPS_PROJECT_NAME".into(), "cleaning".into()));
        World {
            sim,
            runtime,
            engine: Some(engine),
            env,
        }
    }

    /// `cleanops ARGS` as on a terminal `columns` wide (`None`: piped), run from the temp
    /// home with the project directory given relative to it, so that no path in the output
    /// (whose length would move the columns) depends on where temp files go on this machine.
    fn run(&self, args: &[&str], columns: Option<usize>) -> Run {
        let mut cmd = self.command(args);
        if let Some(c) = columns {
            cmd.env("CLEANOPS_COLUMNS", c.to_string());
        }
        let out = cmd
            .stdout(Stdio::piped())
            .output()
            .expect("the binary runs");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: std::time::Duration::ZERO,
        };
        for secret in [crate::ADMIN_PASSWORD, crate::VIEWER_PASSWORD] {
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
        }
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        run
    }

    /// The command of a run: a cleared environment, the frozen clock, no colour.
    fn command(&self, args: &[&str]) -> Command {
        let home = self.sim.home.path();
        let mut cmd = Command::new(crate::bin());
        cmd.args(args)
            .current_dir(home)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("CLEANOPS_NOW", crate::NOW)
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("CLEANOPS_PROJECT_DIR", "cleaning")
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.take() {
            self.runtime.block_on(engine.shutdown());
        }
    }
}

/// What varies between runs of the same world: the OS's ports, latencies measured on the way,
/// a run's duration, and which compose command this machine has (both spellings are as wide).
fn redact(text: &str, world: &World) -> String {
    let home = world.sim.home.path().display().to_string();
    let text = text.replace(&home, "[HOME]");
    let rules = [
        (r"docker[- ]compose", "[COMPOSE]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"\(\d+ ms\)", "([N] ms)"),
        (r"answered (\d+) in \d+ms", "answered $1 in [N]ms"),
        // A run's duration ends the summary: "(✓ 11 ok, 25ms)" or on its own line.
        (r", \d+(\.\d+)?(ms|s)(\)?)$", ", [TOOK]$3"),
    ];
    let mut out = text;
    for (pattern, with) in rules {
        let re = Regex::new(&format!("(?m){pattern}")).unwrap();
        out = re.replace_all(&out, with).into_owned();
    }
    out
}

/// Every line of a terminal layout fits its width, but for lines that hold an identifier or
/// a command and nothing to shorten.
#[track_caller]
fn assert_fits(what: &str, text: &str, columns: usize) {
    for line in text.lines() {
        let width = console::measure_text_width(line);
        if width > columns {
            panic!("{what} at {columns} columns: a line of {width}:\n{line}\n\n{text}");
        }
    }
}

/// The snapshot of `cleanops ARGS` in `world` at 80 and at 120 columns.
fn snapshot(name: &str, world: &World, args: &[&str], code: i32) {
    for columns in [80, 120] {
        let r = world.run(args, Some(columns));
        r.code(code);
        assert_fits(name, &r.stdout, columns);
        let text = redact(&r.stdout, world);
        insta::assert_snapshot!(format!("{name}-{columns}"), text, &args.join(" "));
    }
}

#[test]
fn diagnose_on_a_terminal() {
    let world = World::new("jobs-oom");
    snapshot("diagnose-jobs-oom", &world, &["diagnose"], 1);
    let world = World::new("healthy");
    snapshot("diagnose-healthy", &world, &["diagnose"], 0);
}

#[test]
fn status_on_a_terminal() {
    let world = World::new("crash-loop");
    snapshot("status-crash-loop", &world, &["status"], 1);
}

#[test]
fn heartbeat_on_a_terminal() {
    let world = World::new("jobs-oom");
    snapshot(
        "heartbeat-jobs-oom",
        &world,
        &["heartbeat", "--all-jobs"],
        1,
    );
}

#[test]
fn env_check_on_a_terminal() {
    let world = World::new("env-not-applied");
    snapshot("env-check-env-not-applied", &world, &["env-check"], 1);
}

#[test]
fn dlq_on_a_terminal_and_in_a_pipe() {
    let world = World::new("dlq-backlog");
    snapshot("dlq-backlog", &world, &["dlq"], 1);
    // Event ids whole on every width (they are what `replay` takes).
    let r = world.run(&["dlq", "--json"], None);
    let ids: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!ids.is_empty());
    for columns in [40, 80, 120, 200] {
        let screen = world.run(&["dlq"], Some(columns)).stdout;
        for id in &ids {
            assert!(
                screen.lines().any(|l| l.starts_with(id.as_str())),
                "{columns}: {id} is not whole at the start of a line:\n{screen}"
            );
        }
    }
    // Piped: a header and one tab-separated record a line, nothing shortened.
    let piped = world.run(&["dlq"], None);
    let records: Vec<&str> = piped.stdout.lines().filter(|l| l.contains('\t')).collect();
    assert_eq!(records.len(), ids.len() + 1, "{}", piped.stdout);
    assert_eq!(
        records[0],
        "EVENT ID\tKIND\tTYPE\tATTEMPTS\tLAST ERROR\tCREATED\tSUMMARY"
    );
    for (record, id) in records[1..].iter().zip(&ids) {
        let fields: Vec<&str> = record.split('\t').collect();
        assert_eq!(fields.len(), 7, "{record}");
        assert_eq!(fields[0], id);
        assert!(!record.contains('…'), "{record}");
    }
    let text = redact(&piped.stdout, &world);
    insta::assert_snapshot!("dlq-backlog-piped", text, "dlq | cat");
}

#[test]
fn a_diagnosis_in_a_pipe_is_one_line_a_check() {
    let world = World::new("jobs-oom");
    let r = world.run(&["diagnose"], None);
    r.code(1);
    let json = world.run(&["diagnose", "--json"], None).json();
    for check in json["checks"].as_array().unwrap() {
        let id = check["id"].as_str().unwrap();
        let lines: Vec<&str> = r
            .stdout
            .lines()
            .filter(|l| l.split('\t').nth(1) == Some(id))
            .collect();
        assert_eq!(lines.len(), 1, "{id}:\n{}", r.stdout);
        // The whole finding, as in --json (escaped like any outside string; a latency
        // measured twice redacted on both sides).
        let summary = check["summary"].as_str().unwrap();
        let shown = cleanops::render::shown_max(summary, 1000);
        assert_eq!(
            redact(lines[0].split('\t').nth(2).unwrap_or(""), &world),
            redact(&shown, &world),
            "{id}"
        );
    }
}

/// `cleanops ARGS` with stdout a pipe whose reader is already gone.
fn run_into_a_closed_pipe(world: &World, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = world.command(args).stdout(writer).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly_with_0() {
    let world = World::new("jobs-oom");
    for args in [
        vec!["dlq"],
        vec!["status"],
        vec!["diagnose"],
        vec!["diagnose", "--json"],
        vec!["logs", "--tail", "50"],
        vec!["diagnose", "--watch", "5s"],
    ] {
        let (code, stderr) = run_into_a_closed_pipe(&world, &args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.lines().any(|l| l.starts_with("error:")) && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
