//! `cleanops replay` against the simulator: only dead events, paced, idempotent, resumable.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::TestSim;

/// A simulator whose limits let a test replay dozens of events in seconds.
fn fast(scenario: &str) -> TestSim {
    TestSim::start_with(scenario, |o| {
        o.action_limit_per_minute = 600;
        o.global_limit_per_minute = 2000;
        o.runner_interval = Duration::from_millis(50);
    })
}

/// Per event id: the idempotency keys its replay POSTs carried, and the statuses answered.
fn replays(sim: &TestSim) -> BTreeMap<String, (BTreeSet<String>, Vec<u64>)> {
    let mut by_id: BTreeMap<String, (BTreeSet<String>, Vec<u64>)> = BTreeMap::new();
    for r in sim.state()["replays"].as_array().unwrap() {
        let e = by_id
            .entry(r["event_id"].as_str().unwrap().to_string())
            .or_default();
        e.0.insert(r["idempotency_key"].as_str().unwrap_or("").to_string());
        e.1.push(r["status"].as_u64().unwrap_or(0));
    }
    by_id
}

fn dead_ids(sim: &TestSim) -> Vec<String> {
    let j = sim.run(&["dlq", "--json", "--all", "--show-pii"]).json();
    j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn forty_dead_events_replay_at_the_rate_with_no_429_and_no_double_send() {
    let sim = fast("dlq-backlog");
    let r = sim.run(&["replay", "--from-dlq", "--yes", "--rate", "600", "--json"]);
    r.code(0);
    let j = r.json();
    assert_eq!(j["targets"], 40);
    assert_eq!(j["replayed"], 40);
    let state = sim.state();
    assert_eq!(
        state["rate_limited"]["action"], 0,
        "no 429 from the per-action limit"
    );
    let by_id = replays(&sim);
    assert_eq!(by_id.len(), 40);
    for (id, (keys, statuses)) in &by_id {
        assert_eq!(keys.len(), 1, "one key per event: {id}");
        assert_eq!(statuses, &vec![202], "one POST per event: {id}");
        assert!(keys.iter().next().unwrap().ends_with(id.as_str()));
    }
    // The runner delivers them; nothing is delivered twice.
    crate::api::wait_until(|| {
        sim.state()["outbox"]["dead"] == 0 && sim.state()["outbox"]["pending"] == 0
    });
    let deliveries = sim.state()["deliveries"].clone();
    assert!(
        deliveries
            .as_object()
            .unwrap()
            .values()
            .all(|n| n.as_u64() == Some(1)),
        "{deliveries}"
    );
    assert!(dead_ids(&sim).is_empty());
}

#[test]
fn a_sent_event_is_never_replayed_without_force() {
    let sim = fast("healthy");
    sim.control(json!({"add_sent": 1}));
    let id = sim.state()["deliveries"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let r = sim.run(&["replay", &id, "--yes"]);
    r.code(1)
        .stderr_has("not dead right now")
        .stdout_has("nothing to replay");
    assert!(replays(&sim).is_empty(), "nothing was posted");
    // With --force it is, and the app sends it again: that is why it takes --force.
    let r = sim.run(&["replay", &id, "--force", "--yes", "--rate", "600"]);
    r.code(0).stderr_has("a sent one is sent again");
    crate::api::wait_until(|| sim.state()["deliveries"][&id] == 2);
}

#[test]
fn the_409_loop_of_the_upstream_code_stops_the_run_and_points_at_the_database() {
    let sim = fast("upstream-defects");
    // On PostgreSQL no endpoint lists dead outbox events (§13): --from-dlq finds none to pick,
    // and says that is not "nothing dead".
    let r = sim.run(&["replay", "--from-dlq", "--yes", "--rate", "600"]);
    r.code(1)
        .stdout_has("nothing could be listed to replay")
        .stdout_has("5 outbox event(s) are dead but could not be listed")
        .stdout_has("cleanops replay --from-dlq --via db --dry-run");
    assert!(replays(&sim).is_empty());
    // By id, as read from the database: whether they are dead cannot be read from the API, so
    // they are not "not dead", and not sent unasked.
    let ids: Vec<String> = sim.state()["outbox"]["dead_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 5);
    let mut args = vec!["replay", "--yes", "--rate", "600"];
    args.extend(ids.iter().map(String::as_str));
    sim.run(&args)
        .code(1)
        .stderr_has("cannot tell whether it is dead")
        .stderr_has("--via db");
    assert!(replays(&sim).is_empty());
    // Forced through the API: every keyed POST answers an empty 409; the run stops after the
    // first event instead of spending minutes on each, and points at the database.
    args.push("--force");
    sim.run(&args)
        .code(1)
        .stdout_has("1 never recorded by the server")
        .stdout_has("cleanops replay --from-dlq --via db --dry-run")
        .stderr_has("stopped after the first event");
    args.push("--json");
    let j = sim.run(&args).json();
    let results = j["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "one event, not minutes on each: {j}");
    assert_eq!(results[0]["result"], "not_recorded", "{j}");
    assert!(
        results[0]["detail"]
            .as_str()
            .unwrap()
            .contains("never recorded")
    );
    // Every retry of an event carried the same key.
    assert!(
        replays(&sim).values().all(|(keys, _)| keys.len() <= 2),
        "one key per run and event"
    );
}

#[test]
fn gone_events_and_429s_are_handled() {
    let sim = TestSim::start_with("dlq-backlog", |o| {
        o.action_limit_per_minute = 3;
        o.global_limit_per_minute = 2000;
    });
    // A missing event: 404, skipped, not a failure.
    let r = sim.run(&[
        "replay",
        "00000000-0000-4000-8000-00000000dead",
        "--kind",
        "export",
        "--force",
        "--yes",
        "--rate",
        "600",
    ]);
    r.code(0).stdout_has("gone (404)");
    // The app allows 3 outbox replays a minute here: the 4th is paced back, retried with the
    // same key, then reported as unknown (resumable), never hidden.
    let r = sim.run(&[
        "replay",
        "--from-dlq",
        "--kind",
        "outbox",
        "--limit",
        "4",
        "--yes",
        "--rate",
        "600",
        "--json",
    ]);
    r.code(1);
    let j = r.json();
    assert_eq!(j["replayed"], 3, "{j}");
    assert_eq!(j["unknown"], 1, "{j}");
    assert!(sim.state()["rate_limited"]["action"].as_u64().unwrap() >= 1);
}

#[test]
fn dry_run_and_confirmation() {
    let sim = fast("dlq-backlog");
    let r = sim.run(&["replay", "--from-dlq", "--kind", "export", "--dry-run"]);
    r.code(0)
        .stdout_has("would POST")
        .stdout_has("/v1/admin/export-dead-letter/")
        .stdout_has("Idempotency-Key: cleanops-")
        .stdout_has("Authorization: Basic ********");
    assert!(replays(&sim).is_empty());
    assert!(
        !sim.home.path().join("state/cleanops/replay").exists(),
        "a dry run writes no journal"
    );
    sim.run(&["replay", "--from-dlq"])
        .code(6)
        .stderr_has("--yes");
    sim.run(&["replay"]).code(2).stderr_has("what to replay?");
}

#[test]
fn filters_pick_the_events() {
    let sim = fast("dlq-backlog");
    let j = sim
        .run(&[
            "replay",
            "--from-dlq",
            "--kind",
            "outbox",
            "--event-type",
            "email",
            "--error",
            "SEND_FAILED",
            "--limit",
            "4",
            "--yes",
            "--rate",
            "600",
            "--json",
        ])
        .code(0)
        .json();
    assert_eq!(j["targets"], 4);
    let ids: Vec<&str> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|k| *k == "outbox"));
    let j = sim
        .run(&[
            "replay",
            "--from-dlq",
            "--older-than",
            "100d",
            "--yes",
            "--json",
        ])
        .code(0)
        .json();
    assert_eq!(j["targets"], 0);
}

#[test]
fn export_replays_that_fail_again_are_failures() {
    let sim = fast("dlq-backlog");
    sim.control(json!({"fail_delivery": true}));
    let j = sim
        .run(&[
            "replay",
            "--from-dlq",
            "--kind",
            "export",
            "--yes",
            "--rate",
            "600",
            "--json",
        ])
        .code(1)
        .json();
    assert_eq!(j["failed"], 3);
    assert!(
        j["results"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("failed again")
    );
}

#[test]
fn batch_replay_explains_a_skipped_batch() {
    let sim = fast("dlq-backlog");
    sim.run(&["replay", "--batch", "--limit", "5", "--yes"])
        .code(1)
        .stdout_has("auto replay is disabled there");
    sim.control(json!({"auto_replay_enabled": true}));
    let j = sim
        .run(&["replay", "--batch", "--limit", "5", "--yes", "--json"])
        .code(0)
        .json();
    assert!(j["answer"]["processed"].as_u64().unwrap() > 0, "{j}");
}

/// SIGKILL a run at random points, resume, again and again: every event is replayed, and all
/// the POSTs of one event carry the same key.
#[test]
fn killed_runs_resume_without_double_sends_or_losses() {
    let sim = fast("healthy");
    sim.control(json!({"add_dead": {"kind": "outbox", "count": 24}}));
    let journal_dir = sim.home.path().join("state/cleanops/replay");
    for round in 0..3 {
        let before = runs(&journal_dir);
        let mut child = spawn(&sim, &["replay", "--from-dlq", "--yes", "--rate", "600"]);
        // Kill it somewhere in the middle of its run.
        crate::api::wait_until(|| runs(&journal_dir).len() > before.len());
        std::thread::sleep(Duration::from_millis(fastrand::u64(0..1200)));
        let _ = child.kill();
        let _ = child.wait();
        let run = runs(&journal_dir)
            .into_iter()
            .find(|r| !before.contains(r))
            .unwrap();
        // Resume, killed now and then, until it finishes.
        let mut finished = false;
        for attempt in 0..20 {
            let mut resume = spawn(&sim, &["replay", "--resume", &run, "--yes"]);
            if attempt % 2 == 0 {
                std::thread::sleep(Duration::from_millis(100 + fastrand::u64(0..500)));
                let _ = resume.kill();
            }
            let status = resume.wait().unwrap();
            if status.code() == Some(0) {
                finished = true;
                break;
            }
        }
        assert!(finished, "round {round}: the run never finished");
        // Events added between rounds for the next round.
        if round < 2 {
            sim.control(json!({"add_dead": {"kind": "outbox", "count": 8}}));
        }
    }
    let by_id = replays(&sim);
    assert_eq!(by_id.len(), 24 + 8 + 8, "every event was replayed");
    for (id, (keys, statuses)) in &by_id {
        assert_eq!(
            keys.len(),
            1,
            "{id} was posted with {} keys: {keys:?}",
            keys.len()
        );
        assert!(
            statuses.contains(&202),
            "{id} never got through: {statuses:?}"
        );
    }
    let listed = crate::run_env(&["replay", "--list-runs", "--json"], &sim.env(), &sim.home)
        .code(0)
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 3);
}

fn spawn(sim: &TestSim, args: &[&str]) -> std::process::Child {
    let mut cmd = Command::new(crate::bin());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sim.home.path())
        .env("XDG_STATE_HOME", sim.home.path().join("state"))
        .env("XDG_CONFIG_HOME", sim.home.path().join("config"))
        .env("CLEANOPS_PROJECT_DIR", sim.home.path().join("cleaning"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in sim.env() {
        cmd.env(k, v);
    }
    cmd.spawn().expect("cleanops starts")
}

/// The run ids in the journal directory, oldest first (they sort by their start time).
fn runs(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_suffix(".jsonl")
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn verify_reports_events_that_die_again() {
    // A live clock: "the runner's next loop" is a heartbeat newer than the end of the run.
    let sim = TestSim::start_with("dlq-backlog", |o| {
        o.fixed_now = None;
        o.action_limit_per_minute = 600;
        o.global_limit_per_minute = 2000;
        o.runner_interval = Duration::from_millis(200);
    });
    sim.control(json!({"fail_delivery": true}));
    let r = crate::run_env_live(
        &[
            "replay",
            "--from-dlq",
            "--kind",
            "outbox",
            "--limit",
            "3",
            "--verify",
            "--yes",
            "--rate",
            "600",
            "--json",
        ],
        &sim.env(),
        &sim.home,
    );
    r.code(1);
    let j = r.json();
    assert_eq!(j["replayed"], 3);
    assert_eq!(j["dead_again"].as_array().unwrap().len(), 3, "{j}");
    // Delivered fine, nothing comes back.
    sim.control(json!({"fail_delivery": false}));
    let r = crate::run_env_live(
        &[
            "replay",
            "--from-dlq",
            "--kind",
            "outbox",
            "--limit",
            "3",
            "--verify",
            "--yes",
            "--rate",
            "600",
        ],
        &sim.env(),
        &sim.home,
    );
    r.code(0).stdout_has("none of them is dead again");
}

#[test]
fn odd_ids_are_refused_before_any_request() {
    let sim = fast("dlq-backlog");
    sim.run(&["replay", "../../queue/dlq/replay?confirm=true", "--yes"])
        .code(2)
        .stderr_has("is not an event id");
    assert!(replays(&sim).is_empty());
}

#[test]
fn ctrl_c_stops_after_the_current_request_and_leaves_a_resumable_journal() {
    let sim = fast("dlq-backlog");
    // One POST a second: Ctrl-C lands between two of them.
    let mut child = spawn(
        &sim,
        &[
            "replay",
            "--from-dlq",
            "--kind",
            "outbox",
            "--limit",
            "6",
            "--yes",
            "--rate",
            "60",
        ],
    );
    let journal_dir = sim.home.path().join("state/cleanops/replay");
    crate::api::wait_until(|| !runs(&journal_dir).is_empty());
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "interrupted");
    let run = runs(&journal_dir).pop().unwrap();
    let text = std::fs::read_to_string(journal_dir.join(format!("{run}.jsonl"))).unwrap();
    assert!(text.contains(r#""interrupted":true"#), "{text}");
    let done = replays(&sim).len();
    assert!(done > 0 && done < 6, "stopped part way: {done}");
    let j = crate::run_env(
        &[
            "replay", "--resume", &run, "--yes", "--rate", "600", "--json",
        ],
        &sim.env(),
        &sim.home,
    )
    .code(0)
    .json();
    assert_eq!(j["targets"].as_u64().unwrap() as usize, 6 - done);
    assert_eq!(replays(&sim).len(), 6);
}
