//! "Follow the arrow" on the Docker test stack: a fault injected for real, then `diagnose`, its
//! next command run as it is printed (with `--yes`), `diagnose` again, and so on: every command
//! it gives must run, nothing it gives may create a second runner, and the deployment must be
//! healthy within three steps. The same faults through `remediate --yes`. Adding a fault is
//! one row.
//!
//! The faults are done to the containers (stop, kill, freeze, an edited `.env`, a re-created
//! api), never by switching the simulator: the stack's services behave as the real ones do
//! (docs/app-contract.md §13; tests/stack/compose.yml).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::Run;
use crate::stack::{Stack, docker_or_skip};

/// One fault: its name, how it is injected, the cause `diagnose` must name first.
struct Fault {
    name: &'static str,
    inject: fn(&Stack),
    /// The first cause of the first diagnosis; `None`: healthy at once (a recovery).
    first_cause: Option<&'static str>,
    /// The project name cleanops is given (None: the stack's own).
    project: Option<&'static str>,
    /// More to hold of the first diagnosis (`--json`), when the row needs it.
    first_look: Option<fn(&Value)>,
}

const FAULTS: &[Fault] = &[
    Fault {
        name: "jobs stopped",
        inject: |s| {
            s.docker(&["stop", "-t", "1", &s.container_id("jobs")]);
        },
        first_cause: Some("jobs-container-down"),
        project: None,
        first_look: Some(|j| {
            // The runner ignores SIGTERM as PID 1: the stop ended in a SIGKILL, and the
            // diagnosis says why, with the deployment's fix.
            let cause = j["verdict"]["causes"][0].to_string();
            assert!(cause.contains("137"), "{cause}");
            assert!(cause.contains("ignores SIGTERM"), "{cause}");
        }),
    },
    Fault {
        name: "jobs killed",
        inject: |s| {
            s.docker(&["kill", &s.container_id("jobs")]);
        },
        first_cause: Some("jobs-container-down"),
        project: None,
        first_look: None,
    },
    Fault {
        name: "db stopped",
        inject: |s| {
            s.docker(&["stop", "-t", "1", &s.container_id("db")]);
            crash_loop(s);
        },
        first_cause: Some("db-container-down"),
        project: None,
        first_look: None,
    },
    Fault {
        name: "db stopped and started again (recovery)",
        inject: |s| {
            s.docker(&["stop", "-t", "1", &s.container_id("db")]);
            crash_loop(s);
            let loops = s.state()["runner"]["loops"].as_u64().unwrap_or(0);
            s.docker(&["start", &s.container_id("db")]).code(0);
            // The runner comes back by itself (the engine's next restart) and writes a
            // heartbeat from its new run.
            s.wait_until("the runner loops again", Duration::from_secs(90), |s| {
                s.state()["runner"]["loops"].as_u64().unwrap_or(0) > loops
                    && s.inspect("jobs", "{{.State.Running}}") == "true"
            });
        },
        first_cause: None,
        project: None,
        first_look: Some(|j| {
            let check = |id: &str| {
                j["checks"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c["id"] == id).cloned())
                    .unwrap_or(Value::Null)
            };
            let container = check("jobs-container");
            assert_eq!(container["status"], "ok", "{container}");
            assert!(
                container["summary"]
                    .as_str()
                    .is_some_and(|s| s.contains("recovered: up")),
                "{container}"
            );
            // The crash loop's tracebacks are history, not a current failure.
            let logs = check("jobs-logs");
            assert_ne!(logs["status"], "failed", "{logs}");
            assert!(logs.to_string().contains("history"), "{logs}");
        }),
    },
    Fault {
        name: "the wrong project name",
        inject: |_| {},
        first_cause: Some("project-not-seen"),
        project: Some("cleaningtypo"),
        first_look: None,
    },
    Fault {
        name: "a DLQ backlog",
        inject: |s| {
            s.control(json!({"add_dead": {"kind": "outbox", "count": 3}}));
        },
        first_cause: Some("dlq-backlog"),
        project: None,
        first_look: None,
    },
    Fault {
        name: "the env file edited but not applied",
        inject: |s| {
            edit_env(s, "JOB_HEARTBEAT_TTL_SECONDS", "240");
        },
        first_cause: Some("env-not-applied"),
        project: None,
        first_look: Some(|j| {
            // The TTL acts in the api: that is the container to re-create.
            let next = j["verdict"]["causes"][0]["next"].as_str().unwrap_or("");
            assert!(next.contains(" up -d api"), "{next}");
        }),
    },
    Fault {
        name: "JOBS_ENABLED=false applied to api",
        inject: |s| {
            edit_env(s, "JOBS_ENABLED", "false");
            edit_env(s, "JOB_HEARTBEAT_REQUIRED", "false");
            s.compose(&["up", "-d", "api"]).code(0);
            settle(s);
        },
        first_cause: Some("jobs-disabled"),
        project: None,
        first_look: Some(|j| {
            // Its evidence agrees with it: off in the file and in the api.
            let ev = j["verdict"]["causes"][0]["evidence"].to_string();
            assert!(ev.contains("JOBS_ENABLED \\\"false\\\""), "{ev}");
            // The jobs container's now different copy acts nowhere: not a cause.
            let ids = j["verdict"]["causes"].to_string();
            assert!(!ids.contains("env-not-applied"), "{ids}");
        }),
    },
    Fault {
        name: "the runner crash-looping on database errors (a hung database)",
        inject: |s| {
            // PostgreSQL alive in its container but not answering: the runner dies on it.
            s.docker(&["kill", "-s", "STOP", &s.container_id("db")])
                .code(0);
            crash_loop(s);
        },
        first_cause: Some("database-unreachable"),
        project: None,
        first_look: Some(|j| {
            // The root, treated at the root: restart the database that does not answer.
            let next = j["verdict"]["causes"][0]["next"].as_str().unwrap_or("");
            assert!(next.starts_with("cleanops restart db"), "{next}");
            let ids: Vec<&str> = j["verdict"]["causes"]
                .as_array()
                .map(|c| c.iter().filter_map(|c| c["id"].as_str()).collect())
                .unwrap_or_default();
            assert!(ids.contains(&"crash-loop-database"), "{ids:?}");
        }),
    },
    Fault {
        name: "the API down",
        inject: |s| {
            s.docker(&["stop", "-t", "1", &s.container_id("api")])
                .code(0);
        },
        first_cause: Some("api-container-down"),
        project: None,
        first_look: None,
    },
];

/// Waits until the runner is crash-looping: it died on the database and the engine restarted
/// it three times (what cleanops calls a crash loop).
fn crash_loop(s: &Stack) {
    s.wait_until(
        "the runner crash-loops on the database",
        Duration::from_secs(60),
        |s| {
            s.inspect("jobs", "{{.RestartCount}}")
                .parse::<u32>()
                .unwrap_or(0)
                >= 3
        },
    );
}

/// Sets `NAME=value` in the deployment's `.env`, as an engineer edits it (no container is
/// re-created).
fn edit_env(s: &Stack, name: &str, value: &str) {
    let text = std::fs::read_to_string(&s.env_file).expect("the env file");
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{name}=")))
        .map(str::to_string)
        .collect();
    lines.push(format!("{name}={value}"));
    std::fs::write(&s.env_file, lines.join("\n") + "\n").expect("the env file");
}

/// What a step started takes a moment to show. The simulated database lives in the api's
/// process, so a re-created api starts empty until the runner's next loop (the real
/// database keeps its rows): wait, bounded, until the api answers and holds a heartbeat
/// again whenever the runner runs.
fn settle(s: &Stack) {
    s.wait_until("the stack settles", Duration::from_secs(60), |s| {
        let api_up = s.inspect("api", "{{.State.Running}}") == "true";
        let runner_up = s.inspect("jobs", "{{.State.Running}}") == "true";
        let db_up = s.inspect("db", "{{.State.Running}}") == "true";
        if !api_up {
            return true;
        }
        if s.get("/healthz").0 != 200 {
            return false;
        }
        !(runner_up && db_up && s.state()["heartbeat"].is_null())
    });
}

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

/// A printed command without its note (after `   # `).
fn command_of(printed: &str) -> &str {
    printed.split("   # ").next().unwrap_or("").trim()
}

/// A command line's words as a POSIX shell reads them (single and double quotes; no
/// expansions: cleanops prints none in its own commands).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for ch in command.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Containers of the jobs service in this stack's project, and in the other project the row
/// points cleanops at: more than one would be a second runner on the same database.
fn runners(stack: &Stack, project: Option<&str>) -> usize {
    let listed = stack.docker(&[
        "ps",
        "-a",
        "--filter",
        "label=com.docker.compose.service=jobs",
        "--format",
        "{{.Label \"com.docker.compose.project\"}}",
    ]);
    listed
        .stdout
        .lines()
        .map(str::trim)
        .filter(|p| *p == stack.project || Some(*p) == project)
        .count()
}

/// Runs what the diagnosis printed. A `--project-name P` step switches the project; where the
/// engine has several candidates (other test stacks run beside this one), the engineer picks
/// the stack's own, which must be among those listed. A compose or edit step is run as the
/// printed shell command, in the stack's own directory only. A command that does not run is a
/// failure of the test, and so is any step after which the project has a second runner.
fn follow(stack: &Stack, project: &mut Option<String>, next: &str, evidence: &str) {
    let command = command_of(next);
    let argv = words(command);
    if argv.first().map(String::as_str) == Some("cleanops") {
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
    } else {
        run_manual(stack, project.as_deref(), command);
    }
    settle(stack);
    assert_eq!(
        runners(stack, project.as_deref()),
        1,
        "after `{next}`: a second runner (or none) in the stack's project"
    );
}

/// A manual step printed as an exact shell command: only ever one that acts on this stack's
/// own directory (never the real deployment's), and never one that creates the runner in a
/// project cleanops could not see.
fn run_manual(stack: &Stack, project: Option<&str>, command: &str) {
    let dir = stack.project_dir.display().to_string();
    assert!(
        command.contains(&dir) && !command.contains("/opt/cleaning"),
        "a manual step outside the stack's directory: {command}"
    );
    assert!(
        project.is_none() || !command.contains("up -d"),
        "creating containers on a project cleanops cannot see: {command}"
    );
    if command.contains("up -d") {
        // Re-creating a service of the project it diagnosed, never a new project.
        assert!(
            command.contains(&format!("cd {dir} &&")),
            "a compose command not run in the deployment's directory: {command}"
        );
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(Path::new(&dir))
        .env("HOME", stack.dir.path())
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_FILE")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "`{command}` did not run: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
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

/// One plan: the first failure's next command starts the remediation list.
fn assert_one_plan(j: &Value) {
    let causes = j["verdict"]["causes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(first) = causes.iter().find(|c| c["severity"] == "failure") else {
        return;
    };
    let steps = j["verdict"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let step = steps.first().and_then(Value::as_str).unwrap_or("");
    assert_eq!(
        command_of(step),
        command_of(first["next"].as_str().unwrap_or("")),
        "the list starts where the verdict points: {}",
        j["verdict"]
    );
}

/// Runs each row, each on a stack of its own, a few at a time (every stack is its own compose
/// project, and a row spends most of its time waiting on containers).
fn for_each_fault(rows: Vec<&'static Fault>, walk: fn(&'static Fault)) {
    for chunk in rows.chunks(3) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&fault| (fault.name, scope.spawn(move || walk(fault))))
                .collect();
            let mut failed = Vec::new();
            for (name, h) in handles {
                if h.join().is_err() {
                    failed.push(name);
                }
            }
            assert!(failed.is_empty(), "rows failed: {failed:?}");
        });
    }
}

fn walk_the_arrow(fault: &'static Fault) {
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
        assert_one_plan(&j);
        if step == 0 {
            let failing_first = causes
                .first()
                .filter(|c| c["severity"] == "failure")
                .map(|c| c["id"].clone());
            match fault.first_cause {
                Some(id) => assert_eq!(
                    causes.first().map(|c| c["id"].clone()),
                    Some(Value::from(id)),
                    "{}: the first cause: {j}",
                    fault.name
                ),
                None => assert!(
                    code == 0 && failing_first.is_none(),
                    "{}: healthy at once: {j}",
                    fault.name
                ),
            }
            if let Some(look) = fault.first_look {
                look(&j);
            }
        }
        let failing = causes.iter().any(|c| c["severity"] == "failure");
        if code == 0 && !failing {
            healthy = true;
            // A warning is followed too (a backlog has its command), but does not block.
            if let Some(c) = causes.first() {
                follow(
                    &stack,
                    &mut project,
                    c["next"].as_str().unwrap_or(""),
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
    }
    assert!(
        healthy,
        "{}: not healthy within three steps; followed {trail:?}",
        fault.name
    );
}

#[test]
fn every_next_command_runs_and_leads_to_health() {
    if !docker_or_skip() {
        return;
    }
    for_each_fault(FAULTS.iter().collect(), walk_the_arrow);
}

/// `remediate --yes` on each fault: it does what it can, pauses at a step only a person can
/// do (which the engineer then runs, as printed, and calls it again), and ends healthy within
/// three calls.
fn walk_remediate(fault: &'static Fault) {
    let stack = Stack::up(crate::docker::ENV);
    (fault.inject)(&stack);
    let mut project = None;
    let mut trail = Vec::new();
    let mut ready = false;
    for _ in 0..3 {
        let r = cleanops(&stack, None, &["remediate", "--yes", "--json"]);
        let j = r.json();
        if r.code == 0 {
            ready = true;
            break;
        }
        let paused = j["steps"]
            .as_array()
            .and_then(|s| s.last())
            .is_some_and(|s| s["result"] == "paused: manual step");
        assert!(
            r.code == 1 && paused,
            "{}: remediate neither healed nor paused at a manual step: exit {}\n{j}\n{}",
            fault.name,
            r.code,
            r.stderr
        );
        let next = j["next"].as_str().unwrap_or("").to_string();
        trail.push(next.clone());
        follow(&stack, &mut project, &next, &j.to_string());
    }
    assert!(ready, "{}: not ready after {trail:?}", fault.name);
    settle(&stack);
    let (code, j) = diagnose(&stack, None);
    assert_eq!(code, 0, "{}: healthy after remediate: {j}", fault.name);
}

#[test]
fn remediate_walks_the_same_faults_to_health() {
    if !docker_or_skip() {
        return;
    }
    for_each_fault(
        FAULTS.iter().filter(|f| f.project.is_none()).collect(),
        walk_remediate,
    );
    // On a project cleanops cannot see, remediate changes nothing and says where to look.
    let stack = Stack::up(crate::docker::ENV);
    let r = cleanops(&stack, Some("cleaningtypo"), &["remediate", "--yes"]);
    r.code(1).stdout_has("--project-name");
    assert!(!r.stdout.contains("up -d"), "{}", r.stdout);
}

#[test]
fn printed_commands_split_as_a_shell_splits_them() {
    assert_eq!(
        words("cleanops logs jobs --tail 200 --grep 'Traceback|Error'"),
        [
            "cleanops",
            "logs",
            "jobs",
            "--tail",
            "200",
            "--grep",
            "Traceback|Error"
        ]
    );
    assert_eq!(
        command_of("cleanops restart db   # start the database"),
        "cleanops restart db"
    );
}
