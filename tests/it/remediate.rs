//! `cleanops remediate`, `rollback` and the incident record (`audit.jsonl`, `timeline`).

use std::process::Command;

use serde_json::{Value, json};

use crate::stack::{Stack, docker_or_skip};
use crate::{ADMIN_PASSWORD, TestSim};

fn audit(dir: &std::path::Path) -> Vec<Value> {
    let path = dir.join("state/cleanops/audit.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        !text.contains(ADMIN_PASSWORD),
        "the password is in the audit file"
    );
    assert!(
        !text.contains("pw-in-url"),
        "the database password is in the audit file"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record a line"))
        .collect()
}

fn actions<'a>(records: &'a [Value], action: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["action"] == action && r["phase"] == "start")
        .collect()
}

#[test]
fn a_stopped_jobs_container_is_remediated_with_one_restart_and_recorded() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(crate::docker::ENV);
    stack.docker(&["kill", &stack.container_id("jobs")]);
    // The plan first: nothing is done.
    let r = stack.cleanops(&["remediate", "--dry-run"]);
    r.code(0)
        .stdout_has("1. cleanops restart jobs --wait-heartbeat")
        .stdout_has("because: The jobs container is not running");
    assert!(actions(&audit(stack.dir.path()), "restart").is_empty());

    let r = stack.cleanops(&["remediate", "--yes"]);
    r.code(0)
        .stdout_has("/readyz is ready")
        .stdout_has("✓ ready");
    let records = audit(stack.dir.path());
    let restarts = actions(&records, "restart");
    assert_eq!(
        restarts.len(),
        1,
        "one restart and no other step: {records:?}"
    );
    assert!(actions(&records, "exec").is_empty());
    let ends: Vec<&Value> = records
        .iter()
        .filter(|r| r["phase"] == "end" && r["action"] == "restart")
        .collect();
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0]["result"], "ok");
    assert!(ends[0]["duration_seconds"].as_f64().unwrap() >= 0.0);
    for key in ["at", "user", "host", "command", "target"] {
        assert!(
            restarts[0][key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {}",
            restarts[0]
        );
    }

    let md = stack.cleanops(&["timeline", "--markdown"]);
    md.code(0)
        .stdout_has("### Incident timeline")
        .stdout_has("| diagnose |")
        .stdout_has("| restart |")
        .stdout_has("| verify |");
    let j = stack.cleanops(&["timeline", "--json"]).code(0).json();
    let kinds: Vec<&str> = j["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let first_restart = kinds.iter().position(|k| *k == "restart").unwrap();
    assert!(
        kinds[..first_restart].contains(&"diagnose"),
        "the diagnosis comes before the restart: {kinds:?}"
    );
}

#[test]
fn jobs_disabled_stops_at_the_env_step_with_the_command() {
    if !docker_or_skip() {
        return;
    }
    let env = crate::docker::ENV
        .replace("JOBS_ENABLED=true", "JOBS_ENABLED=false")
        .replace(
            "JOB_HEARTBEAT_REQUIRED=true",
            "JOB_HEARTBEAT_REQUIRED=false",
        );
    let stack = Stack::up(&env);
    stack.control(json!({"jobs_enabled": false, "heartbeat_required": false}));
    let r = stack.cleanops(&["remediate", "--yes"]);
    r.code(1)
        .stdout_has("sed -i 's/^JOBS_ENABLED=.*/JOBS_ENABLED=true/'")
        .stdout_has("sed -i 's/^JOB_HEARTBEAT_REQUIRED=.*/JOB_HEARTBEAT_REQUIRED=true/'")
        .stdout_has(&format!("{} up -d api", crate::stack::compose_cli()))
        .stdout_has("cleanops cannot do this step itself");
    assert!(actions(&audit(stack.dir.path()), "restart").is_empty());
}

#[test]
fn a_database_outage_is_not_restarted_in_a_loop() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(crate::docker::ENV);
    stack.control(json!({"db_down": true}));
    stack.wait_until(
        "the runner to crash-loop",
        std::time::Duration::from_secs(60),
        |s| {
            s.inspect("jobs", "{{.RestartCount}}")
                .parse::<u32>()
                .unwrap_or(0)
                >= 3
        },
    );
    // The database does not answer in its running container: it is restarted (the root),
    // and when it still does not answer, the walk stops before the runner.
    let r = stack.cleanops(&["remediate", "--yes"]);
    r.code(1).stdout_has("fix the database first");
    let records = audit(stack.dir.path());
    let restarts = actions(&records, "restart");
    assert!(
        restarts.iter().all(|r| r["target"]
            .as_str()
            .is_some_and(|t| t.contains("_db_") || t.contains("-db-"))),
        "no restart of the runner into a database outage: {records:?}"
    );
}

#[test]
fn remediate_on_a_healthy_app_does_nothing() {
    let sim = TestSim::start("healthy");
    let mut env = sim.env();
    env.push((
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    ));
    let j = crate::run_env(&["remediate", "--yes", "--json"], &env, &sim.home)
        .code(0)
        .json();
    assert_eq!(j["ready"], true);
    assert!(j["steps"].as_array().unwrap().is_empty());
}

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn rollback_shows_refuses_deploys_and_waits_for_readiness() {
    let sim = TestSim::start("healthy");
    let dir = sim.home.path().join("cleaning");
    std::fs::create_dir_all(dir.join("ops")).unwrap();
    git(&dir, &["init", "-q"]);
    let script = dir.join("ops/deploy.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho deploying\ntouch deployed.marker\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "good"]);
    let good = git(&dir, &["rev-parse", "HEAD"]);
    std::fs::write(dir.join("app.txt"), "bad").unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "the bad deploy"]);

    // A dry run by default: it shows the commit it would drop and changes nothing.
    let r = sim.run(&["rollback", "--to", &good]);
    r.code(0)
        .stdout_has("drops 1 commit(s)")
        .stdout_has("the bad deploy")
        .stdout_has("dry run");
    assert!(dir.join("app.txt").exists());
    // A dirty tree is refused.
    std::fs::write(dir.join("app.txt"), "edited by hand").unwrap();
    sim.run(&["rollback", "--to", &good, "--yes"])
        .code(1)
        .stderr_has("uncommitted changes");
    git(&dir, &["checkout", "--", "app.txt"]);
    sim.run(&["rollback", "--to", "0123456789abcdef", "--yes"])
        .code(2)
        .stderr_has("is not a commit");
    // Done for real: reset, deploy, ready.
    let r = sim.run(&["rollback", "--to", &good, "--yes"]);
    r.code(0)
        .stdout_has("rolled back to")
        .stdout_has("ready")
        .stderr_has("deploying");
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]), good);
    assert!(dir.join("deployed.marker").exists());
    let records = audit(sim.home.path());
    assert_eq!(actions(&records, "rollback").len(), 1);
}
