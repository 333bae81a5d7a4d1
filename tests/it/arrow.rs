//! "Follow the arrow" on the Docker test stack: a fault injected for real, then `diagnose`, its
//! next command run as it is printed (with `--yes`), `diagnose` again, and so on: every command
//! it gives must run, nothing it gives may create a second runner, and the deployment must be
//! healthy within three steps. The same faults through `remediate --yes`. Adding a fault is
//! one row.

use std::time::Duration;

use serde_json::{Value, json};

use crate::Run;
use crate::stack::{Stack, docker_or_skip};

/// One fault: its name, how it is injected, the cause `diagnose` must name first.
struct Fault {
    name: &'static str,
    inject: fn(&Stack),
    first_cause: &'static str,
    /// The project name cleanops is given (None: the stack's own).
    project: Option<&'static str>,
}

const FAULTS: &[Fault] = &[
    Fault {
        name: "jobs stopped",
        inject: |s| {
            s.docker(&["stop", "-t", "1", &s.container_id("jobs")]);
        },
        first_cause: "jobs-container-down",
        project: None,
    },
    Fault {
        name: "jobs killed",
        inject: |s| {
            s.docker(&["kill", &s.container_id("jobs")]);
        },
        first_cause: "jobs-container-down",
        project: None,
    },
    Fault {
        name: "db stopped",
        inject: |s| {
            s.docker(&["stop", "-t", "1", &s.container_id("db")]);
        },
        first_cause: "db-container-down",
        project: None,
    },
    Fault {
        name: "the wrong project name",
        inject: |_| {},
        first_cause: "project-not-seen",
        project: Some("cleaningtypo"),
    },
    Fault {
        name: "a DLQ backlog",
        inject: |s| {
            s.control(json!({"add_dead": {"kind": "outbox", "count": 3}}));
        },
        first_cause: "dlq-backlog",
        project: None,
    },
];

fn cleanops(stack: &Stack, project: Option<&str>, args: &[&str]) -> Run {
    let mut env = stack.env();
    if let Some(p) = project {
        for (k, v) in env.iter_mut() {
            if k == "CLEANOPS_PROJECT_NAME" || k == "COMPOSE_PROJECT_NAME" {
                *v = p.to_string();
            }
        }
    }
    crate::run_env_live(args, &env, &stack.dir)
}

/// A printed command as argv: the comment after `#` dropped.
fn words(command: &str) -> Vec<String> {
    command
        .split(" #")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Run what the diagnosis printed. A `--project-name P` step switches the project; where the
/// engine has several candidates (other test stacks run beside this one), the engineer picks
/// the stack's own, which must be among those listed. A command cleanops cannot run is a
/// failure of the test, and so is any step that would create the jobs container.
fn follow(stack: &Stack, project: &mut Option<String>, next: &str, evidence: &str) {
    assert!(
        !next.contains("up -d"),
        "a next command that creates containers: {next}"
    );
    let argv = words(next);
    assert_eq!(
        argv.first().map(String::as_str),
        Some("cleanops"),
        "not a cleanops command: {next}"
    );
    let mut args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
    if let Some(at) = args.iter().position(|a| *a == "--project-name") {
        assert!(
            evidence.contains(&stack.project),
            "the stack's project is among those named: {evidence}"
        );
        args[at + 1] = stack.project.as_str();
        *project = None;
    }
    let mutating = matches!(
        args.first(),
        Some(&"restart") | Some(&"replay") | Some(&"run-once")
    );
    if mutating && !args.contains(&"--dry-run") {
        args.push("--yes");
    }
    let r = cleanops(stack, project.as_deref(), &args);
    assert!(
        r.code == 0 || (args.first() == Some(&"diagnose") && r.code <= 1),
        "`{next}` did not run: exit {}\n{}\n{}",
        r.code,
        r.stdout,
        r.stderr
    );
}

fn diagnose(stack: &Stack, project: Option<&str>) -> (i32, Value) {
    let r = cleanops(stack, project, &["diagnose", "--json"]);
    let j = r.json();
    if project.is_some() {
        let text = j.to_string();
        assert!(
            !text.contains("up -d"),
            "nothing may suggest creating containers on a project cleanops cannot see: {text}"
        );
    }
    (r.code, j)
}

#[test]
fn every_next_command_runs_and_leads_to_health() {
    if !docker_or_skip() {
        return;
    }
    for fault in FAULTS {
        let stack = Stack::up(crate::docker::ENV);
        (fault.inject)(&stack);
        let mut project = fault.project.map(str::to_string);
        let mut trail = Vec::new();
        let mut healthy = false;
        for step in 0..3 {
            let (code, j) = diagnose(&stack, project.as_deref());
            let causes = j["verdict"]["causes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if step == 0 {
                assert_eq!(
                    causes.first().map(|c| c["id"].clone()),
                    Some(Value::from(fault.first_cause)),
                    "{}: the first cause: {j}",
                    fault.name
                );
            }
            let failing = causes.iter().any(|c| c["severity"] == "failure");
            if code == 0 && !failing {
                healthy = true;
                // A warning is followed too (a backlog has its command), but does not block.
                if let Some(c) = causes.first() {
                    follow(
                        &stack,
                        &mut project,
                        c["next"].as_str().unwrap(),
                        &c.to_string(),
                    );
                }
                break;
            }
            let next = causes
                .first()
                .and_then(|c| c["next"].as_str())
                .unwrap_or_else(|| panic!("{}: unhealthy with no cause: {j}", fault.name))
                .to_string();
            trail.push(next.clone());
            follow(&stack, &mut project, &next, &causes[0].to_string());
            // What the step started takes a moment to show (a fresh heartbeat, say).
            if next.contains("restart db") {
                stack.wait_until("db runs", Duration::from_secs(30), |s| {
                    s.inspect("db", "{{.State.Running}}") == "true"
                });
            }
        }
        assert!(
            healthy,
            "{}: not healthy within three steps; followed {trail:?}",
            fault.name
        );
    }
}

#[test]
fn remediate_walks_the_same_faults_to_health() {
    if !docker_or_skip() {
        return;
    }
    for fault in FAULTS.iter().filter(|f| f.project.is_none()) {
        let stack = Stack::up(crate::docker::ENV);
        (fault.inject)(&stack);
        let r = cleanops(&stack, None, &["remediate", "--yes"]);
        r.code(0);
        assert!(!r.stdout.contains("up -d"), "{}: {}", fault.name, r.stdout);
        let (code, _) = diagnose(&stack, None);
        assert_eq!(code, 0, "{}: healthy after remediate", fault.name);
    }
    // On a project cleanops cannot see, remediate changes nothing and says where to look.
    let stack = Stack::up(crate::docker::ENV);
    let r = cleanops(&stack, Some("cleaningtypo"), &["remediate", "--yes"]);
    r.code(1).stdout_has("--project-name");
    assert!(!r.stdout.contains("up -d"), "{}", r.stdout);
}
