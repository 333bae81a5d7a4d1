//! The dead-letter queue through the app's database (`dlq --via db`, `replay --via db`), on a
//! real PostgreSQL 15 in the Docker test stack holding the app's tables as the deployed app has
//! them (tests/stack/dlq-schema.sql): what the API cannot list or replay on PostgreSQL.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::stack::{Stack, docker_or_skip};
use crate::{Run, TestSim};

/// Six dead outbox events of the app's org (three e-mails, two webhooks, one export), and what
/// must never be listed or reset: a sent one, a pending one, another org's dead one, and an
/// export row without an error. Two dead export events.
const SEED: &str = "
INSERT INTO outbox_events (event_id, org_id, kind, payload_json, dedupe_key, status, attempts, last_error, created_at)
SELECT ('5eed0000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, '00000000-0000-0000-0000-000000000001', k,
  CASE k WHEN 'email' THEN json_build_object('recipient', 'client' || n || '@example.test', 'subject', 'Booking reminder #' || n)
         WHEN 'webhook' THEN json_build_object('url', 'https://hooks.example.test/' || n)
         ELSE json_build_object('export_type', 'lead') END,
  'seed-' || n, 'dead', 5, CASE k WHEN 'email' THEN 'send_failed' ELSE 'ConnectError' END,
  now() - make_interval(hours => 10 - n)
FROM generate_series(1, 6) AS n, LATERAL (SELECT (ARRAY['email', 'email', 'email', 'webhook', 'webhook', 'export'])[n] AS k) AS kinds;
INSERT INTO outbox_events (event_id, org_id, kind, payload_json, dedupe_key, status, attempts, last_error, created_at) VALUES
  ('5eed0000-0000-4000-8000-000000000007', '00000000-0000-0000-0000-000000000001', 'email', '{}', 'sent-7', 'sent', 1, NULL, now() - interval '1 hour'),
  ('5eed0000-0000-4000-8000-000000000008', '00000000-0000-0000-0000-000000000001', 'webhook', '{}', 'pending-8', 'pending', 0, NULL, now() - interval '1 hour'),
  ('5eed0000-0000-4000-8000-000000000009', '00000000-0000-0000-0000-0000000000ff', 'email', '{}', 'other-9', 'dead', 5, 'send_failed', now() - interval '1 hour');
INSERT INTO export_events (event_id, mode, target_url_host, attempts, last_error_code, org_id, created_at) VALUES
  ('exp-1', 'webhook', 'crm.example.test', 3, 'status_502', '00000000-0000-0000-0000-000000000001', now() - interval '2 hours'),
  ('exp-2', 'webhook', 'crm.example.test', 3, 'timeout', '00000000-0000-0000-0000-000000000001', now() - interval '3 hours'),
  ('exp-3', 'accounting_csv', NULL, 1, NULL, '00000000-0000-0000-0000-000000000001', now());
";

const ENV_FILE: &str =
    "POSTGRES_USER=cleaning\nPOSTGRES_DB=cleaning\nJOB_HEARTBEAT_TTL_SECONDS=5\n";

fn seeded() -> Option<Stack> {
    if !docker_or_skip() {
        return None;
    }
    let stack = Stack::up_postgres(ENV_FILE);
    stack.psql(SEED);
    Some(stack)
}

/// cleanops against the stack's database; the API URL is one nothing listens on (`api_url`
/// overrides it when the test brings a simulator).
fn run(stack: &Stack, api_url: Option<&str>, args: &[&str]) -> Run {
    let mut env = stack.env();
    for (k, v) in env.iter_mut() {
        if k == "CLEANOPS_API_URL" {
            *v = api_url.unwrap_or("http://127.0.0.1:9").to_string();
        }
    }
    crate::run_env_live(args, &env, &stack.dir)
}

/// `event_id status` of every outbox row, sorted.
fn outbox_rows(stack: &Stack) -> Vec<String> {
    let mut rows: Vec<String> = stack
        .psql("SELECT event_id::text || ' ' || status || ' ' || attempts || ' ' || coalesce(last_error, '-') FROM outbox_events")
        .lines()
        .map(str::to_string)
        .collect();
    rows.sort();
    rows
}

fn ids(j: &Value) -> Vec<String> {
    let mut ids: Vec<String> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn seed_id(n: u32) -> String {
    format!("5eed0000-0000-4000-8000-{n:012}")
}

#[test]
fn the_database_dlq_lists_what_the_api_would_for_the_apps_org() {
    let Some(stack) = seeded() else { return };
    let r = run(&stack, None, &["dlq", "--via", "db", "--json"]);
    let j = r.code(1).json();
    assert_eq!(
        (j["outbox_dead"].as_u64(), j["export_dead"].as_u64()),
        (Some(6), Some(2)),
        "{j}"
    );
    let mut want: Vec<String> = (1..=6).map(seed_id).collect();
    want.extend(["exp-1".to_string(), "exp-2".to_string()]);
    want.sort();
    assert_eq!(ids(&j), want, "dead ones of the app's org only");
    let email = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["event_id"] == seed_id(1).as_str())
        .unwrap();
    assert_eq!(email["kind"], "outbox");
    assert_eq!(email["event_type"], "email");
    assert_eq!(email["status"], "dead");
    assert_eq!(email["last_error"], "send_failed");
    assert_eq!(
        email["summary"], "Email to c***@example.test: Booking reminder #1",
        "masked like the API's"
    );
    let export = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["event_id"] == "exp-1")
        .unwrap();
    assert_eq!(export["status"], "error_status_502");
    assert_eq!(export["summary"], "Lead export (webhook): crm.example.test");
    assert!(j["fallback"].as_str().unwrap().contains("read-only"), "{j}");
    // On the screen, newest first, with the same masking.
    let r = run(&stack, None, &["dlq", "--via", "db"]);
    r.code(1)
        .stdout_has("8 dead event(s) in the DLQ  (outbox 6, export 2)")
        .stdout_has("c***@example.test");
    // Nothing was changed by reading.
    assert!(
        outbox_rows(&stack)
            .iter()
            .filter(|r| r.contains(" dead "))
            .count()
            == 7
    );
}

#[test]
fn replay_via_db_resets_only_dead_events_once_and_journals_it() {
    let Some(stack) = seeded() else { return };
    let before = outbox_rows(&stack);
    // The dry run prints the exact SQL and changes nothing.
    let r = run(
        &stack,
        None,
        &["replay", "--from-dlq", "--via", "db", "--dry-run"],
    );
    r.code(0)
        .stdout_has("UPDATE outbox_events SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL")
        .stdout_has("AND status = 'dead' AND event_id IN (")
        .stdout_has("psql -X -q -A -t -v ON_ERROR_STOP=1 -U cleaning -d cleaning");
    assert_eq!(outbox_rows(&stack), before, "a dry run changes nothing");

    let r = run(
        &stack,
        None,
        &["replay", "--from-dlq", "--via", "db", "--yes", "--json"],
    );
    let j = r.code(0).json();
    assert_eq!(
        (j["targets"].as_u64(), j["replayed"].as_u64()),
        (Some(6), Some(6)),
        "{j}"
    );
    r.stderr_has("dead export event(s) are not part of this run");
    let after = outbox_rows(&stack);
    for n in 1..=6 {
        let row = after.iter().find(|r| r.starts_with(&seed_id(n))).unwrap();
        assert!(
            row.ends_with(" pending 0 -"),
            "reset as the app's replay does: {row}"
        );
    }
    for n in [7, 8, 9] {
        let id = seed_id(n);
        assert_eq!(
            after.iter().find(|r| r.starts_with(&id)),
            before.iter().find(|r| r.starts_with(&id)),
            "{id} (sent, pending, another org's) is untouched"
        );
    }
    let j = run(&stack, None, &["dlq", "--via", "db", "--json"]).json();
    assert_eq!(
        (j["outbox_dead"].as_u64(), j["export_dead"].as_u64()),
        (Some(0), Some(2))
    );
    // Again: nothing left, and the events reset a moment ago are not reset twice.
    let r = run(
        &stack,
        None,
        &["replay", "--from-dlq", "--via", "db", "--yes"],
    );
    r.code(0).stdout_has("nothing to replay");
    // The journal and the audit trail hold the run.
    let audit =
        std::fs::read_to_string(stack.dir.path().join("state/cleanops/audit.jsonl")).unwrap();
    assert!(audit.contains("in the database"), "{audit}");
    let runs = run(&stack, None, &["replay", "--list-runs", "--json"]).json();
    assert_eq!(runs[0]["targets"], 6);
}

#[test]
fn an_event_no_longer_dead_when_its_batch_runs_is_left_alone() {
    let Some(stack) = seeded() else { return };
    // Named, a sent event is refused before anything is run.
    run(
        &stack,
        None,
        &["replay", &seed_id(7), "--via", "db", "--yes"],
    )
    .code(1)
    .stderr_has("not dead right now");
    // A run whose targets were fixed while both were dead (here: a resumed run, which does
    // not list again), and one of them was delivered meanwhile: the guard leaves it alone.
    run(
        &stack,
        None,
        &["replay", &seed_id(4), "--via", "db", "--yes"],
    )
    .code(0);
    let runs = run(&stack, None, &["replay", "--list-runs", "--json"]).json();
    let target = runs[0]["api_url"].as_str().unwrap().to_string();
    let run_id = "20260101T000000Z-abcd";
    let record = serde_json::json!({
        "type": "run", "run_id": run_id, "started_at": "2026-01-01T00:00:00Z", "api_url": target,
        "correlation_id": "cleanops-replay-x", "rate_per_minute": 0, "force": false, "via": "db",
        "targets": [{"id": seed_id(1), "kind": "outbox", "event_type": "email"},
                    {"id": seed_id(2), "kind": "outbox", "event_type": "email"}],
    });
    std::fs::write(
        stack
            .dir
            .path()
            .join(format!("state/cleanops/replay/{run_id}.jsonl")),
        format!("{record}\n"),
    )
    .unwrap();
    stack.psql(&format!(
        "UPDATE outbox_events SET status = 'sent' WHERE event_id = '{}'",
        seed_id(2)
    ));
    let r = run(
        &stack,
        None,
        &["replay", "--resume", run_id, "--yes", "--json"],
    );
    let j = r.code(0).json();
    assert_eq!(
        (j["replayed"].as_u64(), j["not_dead"].as_u64()),
        (Some(1), Some(1)),
        "{j}"
    );
    let rows = outbox_rows(&stack);
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&format!("{} sent", seed_id(2)))),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&format!("{} pending", seed_id(1)))),
        "{rows:?}"
    );
}

#[test]
fn verify_watches_the_events_leave_pending() {
    let Some(stack) = seeded() else { return };
    // The runner's part, played here: once they are pending, five are sent and one dies again.
    let runner = std::thread::scope(|scope| {
        let handle = scope.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(30);
            while stack.psql("SELECT count(*) FROM outbox_events WHERE status = 'pending'").trim() != "7" {
                assert!(Instant::now() < deadline, "the replay never reset them");
                std::thread::sleep(Duration::from_millis(100));
            }
            stack.psql(&format!(
                "UPDATE outbox_events SET status = CASE WHEN event_id = '{}' THEN 'dead' ELSE 'sent' END, attempts = 1 \
                 WHERE status = 'pending' AND event_id::text LIKE '5eed%' AND event_id <> '{}'",
                seed_id(3),
                seed_id(8)
            ));
        });
        let r = run(
            &stack,
            None,
            &[
                "replay",
                "--from-dlq",
                "--via",
                "db",
                "--yes",
                "--verify",
                "--json",
            ],
        );
        handle.join().unwrap();
        r
    });
    let j = runner.code(1).json();
    assert_eq!(j["replayed"], 6, "{j}");
    assert_eq!(j["dead_again"], serde_json::json!([seed_id(3)]), "{j}");
    runner.stderr_has("5 sent");
}

#[test]
fn exports_and_force_are_refused_with_the_reason() {
    let Some(stack) = seeded() else { return };
    let before = outbox_rows(&stack);
    run(
        &stack,
        None,
        &[
            "replay",
            "--from-dlq",
            "--via",
            "db",
            "--kind",
            "export",
            "--yes",
        ],
    )
    .code(2)
    .stderr_has("inside the replay request");
    run(&stack, None, &["replay", "exp-1", "--via", "db", "--yes"])
        .code(2)
        .stderr_has("not an outbox event id");
    run(
        &stack,
        None,
        &["replay", &seed_id(7), "--via", "db", "--force", "--yes"],
    )
    .code(2)
    .stderr_has("--force does not go with --via db");
    assert_eq!(outbox_rows(&stack), before);
}

#[test]
fn a_role_under_row_level_security_sees_the_apps_org() {
    let Some(stack) = seeded() else { return };
    stack.psql(
        "CREATE ROLE app LOGIN; GRANT SELECT, UPDATE ON outbox_events, export_events, job_heartbeats TO app",
    );
    std::fs::write(
        &stack.env_file,
        ENV_FILE.replace("POSTGRES_USER=cleaning", "POSTGRES_USER=app"),
    )
    .unwrap();
    let j = run(&stack, None, &["dlq", "--via", "db", "--json"]).json();
    assert_eq!(
        j["export_dead"], 2,
        "export rows are visible through the org setting: {j}"
    );
    assert!(
        j["fallback"]
            .as_str()
            .unwrap()
            .contains("as app on cleaning"),
        "{j}"
    );
}

#[test]
fn dlq_reads_the_database_where_the_api_cannot_list_outbox_events() {
    let Some(stack) = seeded() else { return };
    // The app as deployed on PostgreSQL: the outbox listings answer 500 once one is dead.
    let sim = TestSim::start("upstream-defects");
    let mut env = stack.env();
    env.retain(|(k, _)| k != "CLEANOPS_API_URL");
    env.extend(sim.env());
    let r = crate::run_env_live(&["dlq", "--json"], &env, &stack.dir);
    let j = r.code(1).json();
    assert!(
        j["fallback"]
            .as_str()
            .unwrap()
            .contains("outbox events listed through the database"),
        "{j}"
    );
    assert_eq!(
        j["outbox_dead"], 6,
        "the database's count of dead outbox events: {j}"
    );
    assert!(ids(&j).contains(&seed_id(1)), "{j}");
    assert!(j["unlisted"].as_array().unwrap().is_empty(), "{j}");
    // Only the API: the outbox kind is unknown, said, not "none".
    let r = crate::run_env_live(&["dlq", "--via", "api"], &env, &stack.dir);
    r.code(1)
        .stdout_has("outbox event(s) could not be listed")
        .stdout_has("cleanops dlq --via db");
}
