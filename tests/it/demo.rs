//! `cleanops demo`: every scenario's diagnosis names that scenario's cause first.

use crate::run_env_live;

#[test]
fn every_demo_scenario_names_its_cause_first() {
    let home = tempfile::tempdir().unwrap();
    for s in cleanops_sim::demo::SCENARIOS.iter() {
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
        .stdout_has("next: `cleanops restart db");
    run_env_live(&["demo", "--scenario", "nope"], &[], &home)
        .code(2)
        .stderr_has("jobs-oom");
}

/// A deployment of the demo's kind, served here: the simulator as the app and a fake engine with
/// the `healthy` world's containers, changed by `tweak`; `cleanops diagnose --json` against it.
fn diagnose_world(
    control: serde_json::Value,
    tweak: impl FnOnce(&mut [cleanops_sim::engine::FakeContainer]),
) -> serde_json::Value {
    // The simulator's frozen clock, the engine's and cleanops' agree.
    let now = cleanops::clock::parse_rfc3339(crate::NOW).unwrap();
    let mut world = cleanops_sim::demo::world("healthy", now).unwrap();
    tweak(&mut world.containers);
    let sim = crate::TestSim::start("healthy");
    sim.control(control);
    let engine = cleanops_sim::engine::FakeEngine::new(world.containers);
    engine.set_clock(Some(now));
    let (handle, runtime) = crate::serve_engine(&engine);
    let dir = sim.home.path().join("cleaning");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".env"), &world.env_file).unwrap();
    let mut env = sim.env();
    env.push(("DOCKER_HOST".into(), handle.host()));
    env.push(("CLEANOPS_PROJECT_NAME".into(), "cleaning".into()));
    let r = crate::run_env(&["diagnose", "--json"], &env, &sim.home);
    runtime.block_on(handle.shutdown());
    r.json()
}

fn set_env(c: &mut cleanops_sim::engine::FakeContainer, name: &str, value: &str) {
    c.env.retain(|kv| kv.split('=').next() != Some(name));
    c.env.push(format!("{name}={value}"));
}

fn causes(j: &serde_json::Value) -> Vec<String> {
    j["verdict"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn jobs_enabled_acts_in_the_api_only() {
    // JOBS_ENABLED=false in the jobs container alone changes nothing (docs/app-contract.md §13): the runner
    // runs either way, the api still enforces the heartbeat. Not a cause.
    let j = diagnose_world(serde_json::json!({}), |containers| {
        for c in containers.iter_mut().filter(|c| c.service == "jobs") {
            set_env(c, "JOBS_ENABLED", "false");
        }
    });
    assert!(
        !causes(&j).contains(&"jobs-disabled".to_string()),
        "{}",
        j["verdict"]
    );
    let readiness = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "readiness")
        .unwrap()
        .clone();
    assert_eq!(
        readiness["status"], "ok",
        "the api still enforces, and the heartbeat is fresh"
    );
    // In the api container (with JOB_HEARTBEAT_REQUIRED off too), readiness stops enforcing the
    // heartbeat: that is the cause, whatever the jobs container says.
    let j = diagnose_world(
        serde_json::json!({"jobs_enabled": false, "heartbeat_required": false}),
        |containers| {
            for c in containers.iter_mut().filter(|c| c.service == "api") {
                set_env(c, "JOBS_ENABLED", "false");
                set_env(c, "JOB_HEARTBEAT_REQUIRED", "false");
            }
        },
    );
    // The file says true and the api runs with false: the file was edited and not applied.
    // Both causes are named, and both point at re-creating the api (where the settings act).
    let ids = causes(&j);
    assert!(
        ids.contains(&"jobs-disabled".to_string()),
        "{}",
        j["verdict"]
    );
    assert!(
        j["verdict"]["causes"][0]["next"]
            .as_str()
            .is_some_and(|n| n.contains(" up -d api")),
        "{}",
        j["verdict"]
    );
    let disabled = j["verdict"]["causes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "jobs-disabled"))
        .map(|c| c["evidence"].to_string())
        .unwrap_or_default();
    assert!(disabled.contains("running api container"), "{disabled}");
}
