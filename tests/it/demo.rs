//! `cleanops demo`: every scenario's diagnosis names that scenario's cause first.

use crate::run_env_live;

#[test]
fn every_demo_scenario_names_its_cause_first() {
    let home = tempfile::tempdir().unwrap();
    for s in cleanops::sim::demo::SCENARIOS.iter() {
        let r = run_env_live(&["demo", "--scenario", s.name, "--json"], &[], &home);
        r.code(0);
        let j = r.json();
        let first = j["verdict"]["causes"][0]["id"].as_str();
        assert_eq!(
            first, s.expected_cause,
            "scenario {}: {}",
            s.name, j["verdict"]
        );
        // A warning alone (the backlog) is not unhealthy; every other cause is.
        let exit = j["exit_code"].as_i64().unwrap();
        let failure = s.expected_cause.is_some_and(|c| c != "dlq-backlog");
        assert_eq!(exit, if failure { 1 } else { 0 }, "scenario {}", s.name);
        if s.expected_cause.is_some() {
            assert_eq!(
                j["verdict"]["causes"][0]["severity"],
                if failure { "failure" } else { "warning" },
                "scenario {}",
                s.name
            );
        }
        if s.expected_cause.is_some() {
            assert!(
                !j["verdict"]["causes"][0]["next"]
                    .as_str()
                    .unwrap()
                    .is_empty()
            );
            assert!(
                !j["verdict"]["causes"][0]["evidence"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
        }
    }
}

#[test]
fn the_default_demo_prints_cause_evidence_and_next_command() {
    let home = tempfile::tempdir().unwrap();
    let r = run_env_live(&["demo"], &[], &home);
    r.code(0)
        .stdout_has("Likely causes")
        .stdout_has("The jobs container is not running: exited 137, OOM-killed")
        .stdout_has("→ cleanops restart jobs --wait-heartbeat")
        .stdout_has("Safe remediation")
        .stderr_has("this was a simulation");
    let md = run_env_live(
        &["demo", "--scenario", "crash-loop", "--markdown"],
        &[],
        &home,
    );
    md.code(0)
        .stdout_has("### cleanops diagnose")
        .stdout_has("| ✗ | jobs-container |")
        .stdout_has("next: `cleanops db-check --via db");
    run_env_live(&["demo", "--scenario", "nope"], &[], &home)
        .code(2)
        .stderr_has("jobs-oom");
}
