//! `cleanops diagnose`: bounded by its deadline, whatever hangs; the verdict on the real engine.

use std::io::BufRead;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::stack::{Stack, docker_or_skip};
use crate::{TestSim, run_env};

#[test]
fn lists_selects_and_refuses_unknown_checks() {
    let home = tempfile::tempdir().unwrap();
    let r = run_env(&["diagnose", "--list-checks"], &[], &home);
    r.code(0)
        .stdout_has("jobs-container")
        .stdout_has("api-logs");
    assert_eq!(r.stdout.lines().count(), 11);
    run_env(&["diagnose", "--check", "nope"], &[], &home)
        .code(2)
        .stderr_has("possible values: api, readiness");
    let sim = TestSim::start("stale-heartbeat");
    let j = sim
        .run(&[
            "diagnose",
            "--json",
            "--check",
            "heartbeat",
            "--check",
            "clock",
        ])
        .code(1)
        .json();
    let ids: Vec<&str> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["heartbeat", "clock"]);
    let c = &j["checks"][0];
    for key in [
        "id",
        "status",
        "summary",
        "evidence",
        "hints",
        "duration_seconds",
    ] {
        assert!(c.get(key).is_some(), "{key} in {c}");
    }
    assert_eq!(c["status"], "failed");
    let j = sim
        .run(&[
            "diagnose",
            "--json",
            "--skip",
            "jobs-logs",
            "--skip",
            "api-logs",
        ])
        .json();
    assert_eq!(j["checks"].as_array().unwrap().len(), 9);
}

#[test]
fn a_black_holed_api_and_a_hanging_engine_end_by_the_deadline() {
    // Both accept connections and never answer.
    let api = TcpListener::bind("127.0.0.1:0").unwrap();
    let engine = TcpListener::bind("127.0.0.1:0").unwrap();
    let home = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "CLEANOPS_API_URL".to_string(),
            format!("http://{}", api.local_addr().unwrap()),
        ),
        (
            "DOCKER_HOST".to_string(),
            format!("tcp://{}", engine.local_addr().unwrap()),
        ),
        ("ADMIN_BASIC_USERNAME".to_string(), "admin".to_string()),
        (
            "ADMIN_BASIC_PASSWORD".to_string(),
            crate::ADMIN_PASSWORD.to_string(),
        ),
    ];
    let r = run_env(&["diagnose", "--deadline", "2s", "--json"], &env, &home);
    // Neither half answered: unreachable.
    r.code(3);
    assert!(
        r.elapsed < Duration::from_secs(2) + Duration::from_secs(3),
        "took {:?}",
        r.elapsed
    );
    let j = r.json();
    let checks = j["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 11, "nothing dropped");
    let api_check = checks.iter().find(|c| c["id"] == "api").unwrap();
    assert!(
        matches!(api_check["status"].as_str(), Some("failed" | "timed_out")),
        "{api_check}"
    );
    let human = run_env(&["diagnose", "--deadline", "2s"], &env, &home);
    human.code(3).stdout_has("api");
    drop((api, engine));
}

#[test]
fn markdown_is_a_paste_ready_note() {
    let sim = TestSim::start("stale-heartbeat");
    let mut env = sim.env();
    env.push((
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    ));
    let r = crate::run_env(&["diagnose", "--markdown"], &env, &sim.home);
    r.code(1)
        .stdout_has("### cleanops diagnose — 2026-04-05 20:30:00 UTC")
        .stdout_has("| ✗ | heartbeat | job heartbeat stale: 21m18s old, threshold 3m, runner 3f9c2a1b7d4e |")
        .stdout_has("**Likely causes**");
}

#[test]
fn on_the_stack_a_stopped_jobs_container_is_the_cause_and_restart_the_next_step() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(crate::docker::ENV);
    stack.cleanops(&["diagnose"]).code(0).stdout_has("all well");
    // The runner ignores SIGTERM as PID 1: the stop ends in a SIGKILL after its grace.
    stack.docker(&["stop", "-t", "1", &stack.container_id("jobs")]);
    let r = stack.cleanops(&["diagnose", "--json"]);
    r.code(1);
    let j = r.json();
    let first = &j["verdict"]["causes"][0];
    assert_eq!(first["id"], "jobs-container-down", "{}", j["verdict"]);
    assert_eq!(first["next"], "cleanops restart jobs --wait-heartbeat");
    assert!(j["duration_seconds"].as_f64().unwrap() < 10.0);
    stack
        .cleanops(&["diagnose"])
        .code(1)
        .stdout_has("The jobs container is not running: exited 137")
        .stdout_has("→ cleanops restart jobs --wait-heartbeat");
}

// ---------------------------------------------------------------- the app's rate limit

/// The simulator's environment without a Docker engine (the API half is what counts here).
fn api_env(sim: &TestSim) -> Vec<(String, String)> {
    let mut env = sim.env();
    env.push((
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    ));
    env
}

/// The rate-limited requests the simulator saw (all but the health paths), in order:
/// (path?query, status, X-Auth-MFA, milliseconds since it started).
fn limited(sim: &TestSim) -> Vec<(String, u64, bool, u64)> {
    sim.state()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            !["/readyz", "/healthz", "/healthz/backup"].contains(&r["path"].as_str().unwrap())
        })
        .map(|r| {
            let q = r["query"]
                .as_str()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            (
                format!("{}{q}", r["path"].as_str().unwrap()),
                r["status"].as_u64().unwrap(),
                r["mfa"].as_bool().unwrap(),
                r["at_ms"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_diagnosis_spends_at_most_two_admin_calls() {
    for (scenario, dead) in [
        ("upstream-defects", 5),
        ("dlq-backlog", 40),
        ("healthy", 0),
        ("db-down", -1),
    ] {
        let sim = TestSim::start(scenario);
        let env = api_env(&sim);
        let mut before = 0;
        for pass in 1..=3 {
            let j = run_env(&["diagnose", "--json"], &env, &sim.home).json();
            let seen = limited(&sim);
            let spent = &seen[before..];
            assert!(
                spent.len() <= 2,
                "{scenario}, pass {pass}: {} admin calls: {spent:?}",
                spent.len()
            );
            assert_eq!(
                j["admin_calls"],
                spent.len(),
                "{scenario}: the JSON counts them"
            );
            assert!(spent.iter().all(|(_, status, _, _)| *status != 429));
            before = seen.len();
            let dlq = j["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == "dlq")
                .unwrap()
                .clone();
            if dead >= 0 {
                // The one call still counts both kinds, on PostgreSQL too.
                let summary = dlq["summary"].as_str().unwrap();
                if dead == 0 {
                    assert_eq!(summary, "empty", "{scenario}");
                } else {
                    assert!(
                        summary.starts_with(&format!("{dead} dead")),
                        "{scenario}: {summary}"
                    );
                }
            }
        }
    }
    // `kind=all` only where it answered lately (cleanops dlq learned it): then it lists the
    // outbox's dead events too, still in one call.
    let sim = TestSim::start("dlq-backlog");
    let env = api_env(&sim);
    run_env(&["dlq"], &env, &sim.home).code(1);
    let before = limited(&sim).len();
    let j = run_env(&["diagnose", "--json"], &env, &sim.home).json();
    let spent: Vec<String> = limited(&sim)[before..]
        .iter()
        .map(|r| r.0.clone())
        .collect();
    assert_eq!(spent.len(), 2, "{spent:?}");
    assert!(spent.iter().any(|q| q.contains("kind=all")), "{spent:?}");
    let dlq = &j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dlq")
        .unwrap()["evidence"];
    assert!(dlq.to_string().contains("outbox email"), "{dlq}");
    // When it stops working there, the check says so and the next pass goes back to kind=export.
    sim.control(json!({"upstream_defects": true}));
    let j = run_env(&["diagnose", "--json"], &env, &sim.home).json();
    assert_eq!(j["admin_calls"], 2);
    let dlq = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dlq")
        .unwrap()
        .clone();
    assert!(
        dlq["summary"].as_str().unwrap().contains("remembered"),
        "{dlq}"
    );
    let j = run_env(&["diagnose", "--json"], &env, &sim.home).json();
    assert_eq!(j["admin_calls"], 2);
    let dlq = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dlq")
        .unwrap()
        .clone();
    assert!(
        dlq["summary"].as_str().unwrap().starts_with("40 dead"),
        "{dlq}"
    );
}

#[test]
fn an_instance_refusing_the_mfa_header_costs_one_refused_call_per_run() {
    // A ci instance reached directly: the run's first admin call goes alone, is refused with
    // X-Auth-MFA, goes again without; the other check then calls without the header.
    let sim = TestSim::start("healthy");
    sim.control(json!({"trusted_proxies": []}));
    let j = run_env(&["diagnose", "--json"], &api_env(&sim), &sim.home).json();
    let seen: Vec<(u64, bool)> = limited(&sim).iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(
        seen,
        vec![(401, true), (200, false), (200, false)],
        "{seen:?}"
    );
    assert_eq!(j["admin_calls"], 3);
    let failed: Vec<&Value> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "jobs-status" || c["id"] == "dlq")
        .filter(|c| c["status"] != "ok")
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

/// The record cleanops keeps of its calls to the simulator, as `count` calls `age_seconds` ago.
fn seed_record(sim: &TestSim, count: usize, age_seconds: f64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let calls: Vec<f64> = (0..count).map(|_| now - age_seconds).collect();
    let doc = json!({"apis": {format!("{}/", sim.url): {"seen": now, "calls": calls}}});
    let dir = sim.home.path().join("state/cleanops");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("api-memory.json"), doc.to_string()).unwrap();
}

#[test]
fn a_watch_stays_within_the_apps_rate_limit() {
    // The real limit, 30 a minute, with 28 of them spent 53 s ago (by an earlier cleanops run:
    // the server counted them, and so did this machine's record). Round 1 fits (30); round 2,
    // due 5 s later (the 1 s asked for is stretched), would be the 31st and 32nd request of the
    // window: it waits until those 28 have left it.
    let sim = TestSim::start("upstream-defects");
    sim.control(json!({"spend_global_limit": {"count": 28, "age_seconds": 53}}));
    seed_record(&sim, 28, 53.0);
    let started = Instant::now();
    let r = run_env(
        &["diagnose", "--watch", "1s", "--rounds", "2", "--json"],
        &api_env(&sim),
        &sim.home,
    );
    let took = started.elapsed();
    r.code(1)
        .stderr_has("--watch 1s is too often")
        .stderr_has("watching every 5s instead")
        .stderr_has("round 2 waits");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let rounds: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document a line"))
        .collect();
    assert_eq!(rounds.len(), 2, "{}", r.stdout);
    for (i, round) in rounds.iter().enumerate() {
        assert_eq!(round["watch"]["round"], i + 1);
        assert_eq!(round["watch"]["interval_seconds"], 5.0);
        assert!(round["admin_calls"].as_u64().unwrap() <= 2);
        // No answer was a 429 (the digits alone could be part of any duration).
        assert!(!round.to_string().contains("HTTP 429"), "{round}");
    }
    assert_eq!(sim.state()["rate_limited"]["global"], 0, "no 429");
    let seen = limited(&sim);
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen.iter().all(|r| r.1 != 429), "{seen:?}");
    // Round 2 began once the 28 had left the window: 7 s after they were made 53 s ago, at least
    // 5 s (the interval) after round 1.
    let first: Vec<u64> = seen.iter().map(|r| r.3).collect();
    let gap = first[2].saturating_sub(first[0]);
    assert!(gap >= 5_500, "rounds {gap} ms apart: {seen:?}");
}

#[test]
fn ctrl_c_ends_a_watch_with_130() {
    let sim = TestSim::start("healthy");
    let mut cmd = Command::new(crate::bin());
    cmd.args(["diagnose", "--watch", "5s"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sim.home.path())
        .env("XDG_STATE_HOME", sim.home.path().join("state"))
        .env("XDG_CONFIG_HOME", sim.home.path().join("config"))
        .env("CLEANOPS_PROJECT_DIR", sim.home.path().join("cleaning"))
        .env("CLEANOPS_NOW", crate::NOW)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in api_env(&sim) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    // Off a terminal: one report a round, each under its own header.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lines = Vec::new();
    while !lines
        .iter()
        .any(|l: &String| l.starts_with("✓ all well") || l.starts_with("✗ "))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => lines.push(l),
            Err(_) => {
                let _ = child.kill();
                panic!("no first round within 20 s: {lines:?}");
            }
        }
    }
    assert!(
        lines[0].starts_with("── round 1 · 2026-04-05T20:30:00Z ──"),
        "{lines:?}"
    );
    // Ctrl-C between two rounds: it ends at once.
    let interrupted = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "{:?}",
        interrupted.elapsed()
    );
    assert_eq!(out.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("watch stopped after 1 round(s)"),
        "{stderr}"
    );
}

#[test]
fn dlq_evidence_groups_come_biggest_first() {
    let sim = crate::TestSim::start("dlq-backlog");
    sim.control(serde_json::json!({"add_dead": {"kind": "export", "count": 5, "event_type": "webhook", "last_error": "timeout"}}));
    let j = sim.run(&["diagnose", "--check", "dlq", "--json"]).json();
    let dlq = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "dlq")
        .unwrap()
        .clone();
    let counts: Vec<u64> = dlq["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str()?.split_once(" × ")?.0.parse().ok())
        .collect();
    assert!(counts.len() >= 2, "{dlq}");
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "biggest first: {counts:?}"
    );
    assert!(
        dlq["evidence"][1]
            .as_str()
            .unwrap()
            .contains("5 × export webhook (timeout)"),
        "{dlq}"
    );
}
