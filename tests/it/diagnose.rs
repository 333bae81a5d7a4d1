//! `cleanops diagnose`: bounded by its deadline, whatever hangs; the verdict on the real engine.

use std::net::TcpListener;
use std::time::Duration;

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
    stack.docker(&["stop", "-t", "5", &stack.container_id("jobs")]);
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
        .stdout_has("The jobs container is not running: exited 143")
        .stdout_has("→ cleanops restart jobs --wait-heartbeat");
}
