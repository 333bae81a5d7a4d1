//! status, heartbeat and dlq against the simulator: every branch, exit code and JSON document.

use serde_json::json;

use crate::{TestSim, VIEWER_PASSWORD};

// ---------------------------------------------------------------- status

#[test]
fn status_healthy_is_ready_and_exits_0() {
    let sim = TestSim::start("healthy");
    let r = sim.run(&["status", "--api-only"]);
    r.code(0)
        .stdout_has("ready")
        .stdout_has("database reachable")
        .stdout_has("in sync at merge_20260224_01");
    r.stdout_has("job heartbeat fresh");
    let j = sim.run(&["status", "--api-only", "--json"]).code(0).json();
    assert_eq!(j["ready"], true);
    assert_eq!(j["http_status"], 200);
    let names: Vec<&str> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db", "migrations", "jobs"]);
}

#[test]
fn status_reads_the_503_body_of_a_stale_heartbeat() {
    let sim = TestSim::start("stale-heartbeat");
    let r = sim.run(&["status", "--api-only"]);
    r.code(1)
        .stdout_has("not ready")
        .stdout_has("job heartbeat stale: 21m18s old, threshold 3m, runner 3f9c2a1b7d4e")
        .stdout_has("→ cleanops diagnose");
    let j = sim.run(&["status", "--api-only", "--json"]).code(1).json();
    assert_eq!(j["ready"], false);
    assert_eq!(j["http_status"], 503);
    let jobs = &j["checks"][2];
    assert_eq!(jobs["name"], "jobs");
    assert_eq!(jobs["detail"]["runner_id"], "3f9c2a1b7d4e");
    assert!(
        jobs["detail"].get("message").is_none(),
        "the stale branch has no message"
    );
}

#[test]
fn status_reads_every_branch() {
    let sim = TestSim::start("healthy");
    let cases = [
        (
            json!({"heartbeat_missing": true}),
            1,
            "job heartbeat missing: the runner has not finished a loop yet (threshold 3m)",
        ),
        (
            json!({"scenario": "healthy", "jobs_enabled": false, "heartbeat_required": false}),
            0,
            "job heartbeat check disabled",
        ),
        (
            json!({"scenario": "db-down"}),
            1,
            "database check failed: OperationalError",
        ),
        (
            json!({"scenario": "db-down"}),
            1,
            "pending: no current version (database down or alembic_version missing)",
        ),
        (
            json!({"scenario": "db-down"}),
            1,
            "job heartbeat check failed: OperationalError",
        ),
        (
            json!({"scenario": "healthy", "db_check": "timeout"}),
            1,
            "database check timed out (after 2s)",
        ),
        (
            json!({"scenario": "healthy", "db_check": "no-factory"}),
            1,
            "database session factory unavailable",
        ),
        (
            json!({"scenario": "healthy", "migrations_check": "pending"}),
            1,
            "pending: at ",
        ),
        (
            json!({"scenario": "healthy", "migrations_check": "skipped"}),
            0,
            "not checked: the API has no alembic files",
        ),
        (
            json!({"scenario": "healthy", "migrations_check": "timeout"}),
            1,
            "migration check timed out",
        ),
    ];
    for (control, code, reading) in cases {
        sim.control(control.clone());
        let r = sim.run(&["status", "--api-only"]);
        assert_eq!(r.code, code, "{control}: {}", r.stdout);
        r.stdout_has(reading);
    }
}

#[test]
fn status_tolerates_the_older_shape() {
    let sim = TestSim::start("stale-heartbeat");
    sim.control(json!({"legacy_readyz": true}));
    let j = sim.run(&["status", "--api-only", "--json"]).code(1).json();
    assert_eq!(j["legacy_shape"], true);
    assert!(
        j["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "jobs" && c["ok"] == false)
    );
}

#[test]
fn status_wait_ready_returns_once_the_runner_heartbeats() {
    let sim = TestSim::start_with("stale-heartbeat", |o| {
        o.runner_interval = std::time::Duration::from_millis(100)
    });
    // Start the runner only after the first poll has seen it stale.
    let url = sim.url.clone();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        let body = r#"{"runner_running": true}"#;
        post(&format!("{url}/_sim/control"), body);
    });
    let r = sim.run(&[
        "status",
        "--api-only",
        "--wait-ready",
        "--timeout",
        "30s",
        "--interval",
        "500ms",
    ]);
    starter.join().unwrap();
    r.code(0)
        .stdout_has("✓ ready")
        .stderr_has("waiting for /readyz to be ready");
}

#[test]
fn status_wait_ready_gives_up_with_exit_1() {
    let sim = TestSim::start("stale-heartbeat");
    let r = sim.run(&[
        "status",
        "--api-only",
        "--wait-ready",
        "--timeout",
        "1s",
        "--interval",
        "500ms",
    ]);
    r.code(1)
        .stderr_has("gave up waiting for /readyz to be ready after 1s");
}

/// A minimal HTTP POST over a raw socket (the tests need no HTTP client of their own).
pub fn post(url: &str, body: &str) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 2"),
        "control answered: {answer}"
    );
}

// ---------------------------------------------------------------- heartbeat

#[test]
fn heartbeat_classes_and_exit_codes() {
    let sim = TestSim::start("healthy");
    let cases = [
        (json!({"heartbeat_age_seconds": 20.0}), 0, "fresh"),
        (json!({"heartbeat_age_seconds": 120.0}), 0, "late"),
        (json!({"heartbeat_age_seconds": 600.0}), 1, "stale"),
        (json!({"heartbeat_missing": true}), 1, "missing"),
        (
            json!({"scenario": "healthy", "jobs_enabled": false, "heartbeat_required": false}),
            1,
            "disabled",
        ),
        (json!({"scenario": "db-down"}), 1, "failed"),
    ];
    for (control, code, class) in cases {
        sim.control(control.clone());
        let r = sim.run(&["heartbeat", "--json"]);
        assert_eq!(r.code, code, "{control}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.json()["heartbeat"]["class"], class, "{control}");
    }
}

#[test]
fn heartbeat_stale_names_age_threshold_and_runner() {
    let sim = TestSim::start("stale-heartbeat");
    let r = sim.run(&["heartbeat"]);
    r.code(1)
        .stdout_has("job heartbeat stale: 21m18s old, threshold 3m, runner 3f9c2a1b7d4e");
    r.stdout_has("only at the END of a loop");
    let j = sim.run(&["heartbeat", "--json"]).code(1).json();
    assert_eq!(j["heartbeat"]["runner_id"], "3f9c2a1b7d4e");
    assert_eq!(j["heartbeat"]["threshold_seconds"], 180.0);
    assert!((j["heartbeat"]["age_seconds"].as_f64().unwrap() - 1278.4).abs() < 0.01);
    assert_eq!(j["clock"]["drift_ok"], true);
}

#[test]
fn heartbeat_late_after_is_adjustable() {
    let sim = TestSim::start("healthy");
    sim.control(json!({"heartbeat_age_seconds": 60.0}));
    assert_eq!(
        sim.run(&["heartbeat", "--json"]).json()["heartbeat"]["class"],
        "fresh"
    );
    let j = sim
        .run(&["heartbeat", "--json", "--late-after", "30s"])
        .code(0)
        .json();
    assert_eq!(j["heartbeat"]["class"], "late");
}

#[test]
fn heartbeat_job_table_flags_failing_and_never_succeeded_jobs() {
    let sim = TestSim::start_with("heartbeat-missing", |o| {
        o.runner_interval = std::time::Duration::from_millis(50)
    });
    let loops = || sim.state()["runner"]["loops"].as_u64().unwrap_or(0);
    let state_of = |j: &serde_json::Value, name: &str| {
        j["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    // One loop in which gcal-sync fails on its very first run: the app records that as
    // 0 failures and no error, so only "never succeeded" gives it away.
    sim.control(json!({"fail_jobs": ["gcal-sync"], "runner_running": true}));
    wait_until(|| loops() >= 1);
    sim.control(json!({"runner_running": false}));
    let j = sim.run(&["heartbeat", "--json"]).code(0).json();
    assert_eq!(state_of(&j, "gcal-sync")["state"], "never_succeeded");
    assert_eq!(state_of(&j, "gcal-sync")["consecutive_failures"], 0);
    assert_eq!(state_of(&j, "email-dlq")["state"], "ok");
    assert_eq!(
        j["jobs"].as_array().unwrap().len(),
        24,
        "23 jobs and the runner's row"
    );
    // More loops: qbo-sync starts failing after having succeeded; gcal-sync keeps failing.
    let before = loops();
    sim.control(json!({"fail_jobs": ["gcal-sync", "qbo-sync"], "runner_running": true}));
    wait_until(|| loops() >= before + 2);
    sim.control(json!({"runner_running": false}));
    let j = sim.run(&["heartbeat", "--json"]).code(0).json();
    assert_eq!(state_of(&j, "qbo-sync")["state"], "failing");
    assert_eq!(state_of(&j, "qbo-sync")["last_error"], "RuntimeError");
    let gcal = state_of(&j, "gcal-sync");
    assert_eq!(gcal["state"], "failing");
    assert!(
        gcal["note"].as_str().unwrap().contains("never succeeded"),
        "{gcal}"
    );
    sim.run(&["heartbeat"])
        .stdout_has("never succeeded")
        .stdout_has("job(s) failing or never succeeded");
}

/// Poll the simulator's state (the runner runs on its own clock) for at most 10 s.
pub fn wait_until(cond: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "the simulator never got there"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn heartbeat_sees_clock_drift_and_future_heartbeats() {
    let sim = TestSim::start("clock-drift");
    let r = sim.run(&["heartbeat"]);
    r.code(1)
        .stdout_has("clock drift: the server's clock is 1m30s ahead of ours");
    r.stdout_has("in the future");
    let j = sim.run(&["heartbeat", "--json"]).code(1).json();
    assert_eq!(j["clock"]["drift_seconds"], 90.0);
    assert_eq!(j["clock"]["drift_ok"], false);
    assert!(j["clock"]["heartbeat_in_future_seconds"].as_f64().unwrap() > 5.0);
}

#[test]
fn heartbeat_without_credentials_skips_the_job_table() {
    let sim = TestSim::start("healthy");
    let env = vec![("CLEANOPS_API_URL".to_string(), sim.url.clone())];
    let r = crate::run_env(&["heartbeat"], &env, &sim.home);
    r.code(0).stdout_has("skipped: no admin credentials");
}

#[test]
fn heartbeat_wait_fresh() {
    let sim = TestSim::start_with("stale-heartbeat", |o| {
        o.runner_interval = std::time::Duration::from_millis(100)
    });
    sim.control(json!({"runner_running": true}));
    sim.run(&[
        "heartbeat",
        "--wait-fresh",
        "--timeout",
        "30s",
        "--interval",
        "500ms",
    ])
    .code(0)
    .stdout_has("job heartbeat fresh");
}

// ---------------------------------------------------------------- authentication

#[test]
fn each_401_reason_becomes_a_sentence_and_exit_4() {
    let sim = TestSim::start("healthy");
    // Wrong password.
    let mut env = sim.env();
    env[2].1 = "wrong-password-123".into();
    crate::run_env(&["dlq"], &env, &sim.home)
        .code(4)
        .stderr_has("the server refused the credentials (Invalid authentication)")
        .stderr_has("hint:");
    // MFA header from an untrusted peer: a ci instance reached directly refuses it and takes
    // Basic auth without it, so cleanops tries once without (tested below) and gets through.
    sim.control(json!({"trusted_proxies": []}));
    sim.run(&["dlq"]).code(0);
    sim.run(&["dlq", "--no-mfa-header"]).code(0);
    // prod with legacy Basic on: refused with the header and without; the first refusal stands.
    sim.control(json!({"app_env": "prod", "legacy_basic_enabled": true}));
    sim.run(&["dlq"])
        .code(4)
        .stderr_has("the server wants a trusted proxy and MFA")
        .stderr_has("tried once without X-Auth-MFA")
        .stderr_has("go through Caddy");
    sim.control(json!({"legacy_basic_enabled": null}));
    // A trusted peer in dev without the header: MFA wanted.
    sim.control(json!({"trusted_proxies": ["127.0.0.1", "::1"], "app_env": "dev"}));
    sim.run(&["dlq", "--no-mfa-header"])
        .code(4)
        .stderr_has("the server wants MFA");
    sim.run(&["dlq"]).code(0);
    // Proxy mode: Basic credentials are not enough.
    sim.control(json!({"app_env": "ci", "proxy_mode": true}));
    sim.run(&["dlq"]).code(4).stderr_has("proxy-auth mode");
}

#[test]
fn a_viewer_gets_403_with_the_role_explained() {
    let sim = TestSim::start("dlq-backlog");
    let env = vec![
        ("CLEANOPS_API_URL".to_string(), sim.url.clone()),
        ("ADMIN_BASIC_USERNAME".to_string(), "viewer".to_string()),
        (
            "ADMIN_BASIC_PASSWORD".to_string(),
            VIEWER_PASSWORD.to_string(),
        ),
    ];
    crate::run_env(&["dlq"], &env, &sim.home)
        .code(4)
        .stderr_has("HTTP 403")
        .stderr_has("need the admin (or owner) role");
    // The viewer may read the job table.
    crate::run_env(&["heartbeat", "--json"], &env, &sim.home).code(0);
}

#[test]
fn missing_credentials_are_a_usage_error() {
    let sim = TestSim::start("healthy");
    let env = vec![("CLEANOPS_API_URL".to_string(), sim.url.clone())];
    crate::run_env(&["dlq"], &env, &sim.home)
        .code(2)
        .stderr_has("needs admin credentials");
}

#[test]
fn credentials_never_go_over_plain_http_to_another_host() {
    let home = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "CLEANOPS_API_URL".to_string(),
            "http://api.example.invalid".to_string(),
        ),
        ("ADMIN_BASIC_USERNAME".to_string(), "admin".to_string()),
        (
            "ADMIN_BASIC_PASSWORD".to_string(),
            crate::ADMIN_PASSWORD.to_string(),
        ),
    ];
    crate::run_env(&["dlq"], &env, &home).code(2).stderr_has(
        "refusing to send the admin password over plain http:// to api.example.invalid",
    );
    // With the flag it tries (and fails to resolve the name: exit 3).
    crate::run_env(
        &["dlq", "--allow-insecure-http", "--timeout", "2s"],
        &env,
        &home,
    )
    .code(3);
}

#[test]
fn one_request_id_and_the_mfa_header_reach_the_server() {
    let sim = TestSim::start("healthy");
    sim.run(&["heartbeat"]).code(0);
    let requests = sim.state()["requests"].clone();
    let list = requests.as_array().expect("the simulator logs requests");
    let ids: std::collections::BTreeSet<&str> = list
        .iter()
        .filter_map(|r| r["request_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1, "one X-Request-ID per invocation: {requests}");
    assert!(ids.iter().next().unwrap().starts_with("cleanops-"));
    let admin = list
        .iter()
        .find(|r| r["path"] == "/v1/admin/jobs/status")
        .unwrap();
    assert_eq!(admin["mfa"], true);
    let readyz = list.iter().find(|r| r["path"] == "/readyz").unwrap();
    assert_eq!(readyz["authorization"], false, "no credentials on /readyz");
}

/// The admin requests the simulator saw: (path?query, status, X-Auth-MFA sent).
fn admin_requests(sim: &TestSim) -> Vec<(String, u64, bool)> {
    sim.state()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/v1/admin"))
        .map(|r| {
            let q = r["query"]
                .as_str()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            (
                format!("{}{q}", r["path"].as_str().unwrap()),
                r["status"].as_u64().unwrap(),
                r["mfa"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn an_instance_reached_directly_gets_its_admin_calls_without_the_mfa_header() {
    // Both spellings of the reason: the running app's (§13) and the code's (§5.3).
    for reason in ["untrusted_proxy", "proxy_untrusted"] {
        let sim = TestSim::start("healthy");
        // A ci instance reached directly: no trusted proxy.
        sim.control(json!({"trusted_proxies": [], "untrusted_reason": reason, "add_dead": {"kind": "outbox", "count": 250}}));
        let r = sim.run(&[
            "dlq",
            "--json",
            "--kind",
            "outbox",
            "--limit",
            "230",
            "--verbose",
        ]);
        r.code(1)
            .stderr_has(&format!("HTTP 401 {reason}"))
            .stderr_has("trying once without it")
            .stderr_has("no X-Auth-MFA for the rest of this run");
        assert_eq!(r.json()["listed"], 230);
        let seen = admin_requests(&sim);
        assert_eq!(seen.len(), 4, "one refused, then the three pages: {seen:?}");
        assert_eq!((seen[0].1, seen[0].2), (401, true), "{seen:?}");
        assert_eq!(
            (seen[1].1, seen[1].2),
            (200, false),
            "the same page again, without"
        );
        assert_eq!(seen[0].0, seen[1].0);
        assert!(
            seen[2..]
                .iter()
                .all(|(_, status, mfa)| *status == 200 && !mfa),
            "the rest of the run sends no header: {seen:?}"
        );
        // Without --verbose it just works, silently.
        let quiet = sim.run(&["heartbeat"]);
        quiet.code(0);
        assert!(!quiet.stderr.contains("X-Auth-MFA"), "{}", quiet.stderr);
    }
}

#[test]
fn where_the_header_is_needed_it_stays() {
    // Behind a trusted proxy in prod (legacy Basic switched on): the header is what works, and
    // a refusal of another kind is never retried without it.
    let sim = TestSim::start("healthy");
    sim.control(json!({"app_env": "prod", "legacy_basic_enabled": true}));
    sim.run(&["heartbeat"]).code(0);
    let seen = admin_requests(&sim);
    assert_eq!(seen.len(), 1);
    assert!(seen[0].2);
    let mut env = sim.env();
    env[2].1 = "wrong-password-123".into();
    crate::run_env(&["dlq"], &env, &sim.home)
        .code(4)
        .stderr_has("refused the credentials");
    let seen = admin_requests(&sim);
    assert_eq!(
        seen.len(),
        2,
        "invalid_credentials is not retried: {seen:?}"
    );
    // prod reached directly: refused both ways; the header stays for the next call of the run.
    sim.control(json!({"trusted_proxies": []}));
    let r = sim.run(&["dlq", "--verbose"]);
    r.code(4)
        .stderr_has("refused without X-Auth-MFA too")
        .stderr_has("X-Auth-MFA: true stays");
    let seen = admin_requests(&sim);
    assert_eq!(
        seen[2..]
            .iter()
            .map(|(_, s, mfa)| (*s, *mfa))
            .collect::<Vec<_>>(),
        vec![(401, true), (401, false)]
    );
}

#[test]
fn a_connection_the_server_closed_after_its_500_is_not_the_next_calls_error() {
    // On PostgreSQL every outbox listing answers 500 once an outbox event is dead, and uvicorn
    // closes the connection after each 500 (§13): `cleanops dlq` falls back across kinds on the
    // same client, so its next request goes out on that closed connection.
    let sim = TestSim::start("upstream-defects");
    let r = sim.run(&["dlq", "--json", "--verbose"]);
    r.code(1)
        .stderr_has("the server closed the connection under the request")
        .stderr_has("once more on a new connection");
    assert!(
        !r.stderr.contains("could not be listed: connection closed")
            && !r
                .stdout
                .contains("connection closed before message completed"),
        "{}",
        r.stderr
    );
    let j = r.json();
    // The outbox listing's error is its 500, not the closed connection.
    assert_eq!(j["unlisted"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["unlisted"][0]["kind"], "outbox");
    let reason = j["unlisted"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("both answered 500"), "{reason}");
    // The listing that follows on the same client succeeds: export, with both counts.
    assert_eq!(j["outbox_dead"], 5);
    assert_eq!(j["export_dead"], 0);
    assert_eq!(j["dead"], 5);
    // One kind at a time: the outbox listing's 500, then its fallback's 500, on one client.
    let r = sim.run(&["dlq", "--kind", "outbox"]);
    r.code(5).stderr_has("both answered 500");
    assert!(!r.stderr.contains("connection closed"), "{}", r.stderr);
}

#[test]
fn a_429_says_whether_cleanops_own_calls_account_for_it() {
    // The window is full: 30 requests from this address in the last minute.
    let sim = TestSim::start("healthy");
    sim.control(json!({"spend_global_limit": {"count": 30, "age_seconds": 10}}));
    // None of them by cleanops (its record is empty): someone else behind this address.
    sim.run(&["dlq", "--kind", "export", "--timeout", "2s"])
        .code(3)
        .stderr_has("HTTP 429")
        .stderr_has("not cleanops alone")
        .stderr_has("other users, scripts or monitoring share this client IP");
    // The same after cleanops itself sent them (its record says so): its own budget.
    let sim = TestSim::start("healthy");
    sim.control(json!({"spend_global_limit": {"count": 30, "age_seconds": 10}}));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let calls: Vec<f64> = (0..30).map(|_| now - 10.0).collect();
    let dir = sim.home.path().join("state/cleanops");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("api-memory.json"),
        json!({"apis": {format!("{}/", sim.url): {"seen": now, "calls": calls}}}).to_string(),
    )
    .unwrap();
    sim.run(&["dlq", "--kind", "export", "--timeout", "2s"])
        .code(3)
        .stderr_has("our own budget")
        .stderr_has("cleanops diagnose --watch");
    // /readyz is exempt: status still answers.
    sim.run(&["status", "--api-only"]).code(0);
}

// ---------------------------------------------------------------- dlq

#[test]
fn dlq_lists_the_backlog() {
    let sim = TestSim::start("dlq-backlog");
    let r = sim.run(&["dlq"]);
    r.code(1)
        .stdout_has("40 dead event(s) in the DLQ")
        .stdout_has("(outbox 37, export 3)");
    r.stdout_has("newest 20 shown")
        .stdout_has("***@example.com")
        .stdout_has("e-mail addresses masked");
    let j = sim.run(&["dlq", "--json", "--all"]).code(1).json();
    assert_eq!(j["dead"], 40);
    assert_eq!(j["listed"], 40);
    assert_eq!(j["truncated"], false);
    let items = j["items"].as_array().unwrap();
    let created: Vec<&str> = items
        .iter()
        .map(|i| i["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "newest first");
    assert!(
        items
            .iter()
            .all(|i| !i["summary"].as_str().unwrap().contains("person")),
        "masked"
    );
    let shown = sim.run(&["dlq", "--json", "--show-pii"]).json();
    assert!(shown["items"][0]["summary"].as_str().unwrap().contains('@'));
}

#[test]
fn dlq_max_sets_the_exit_code() {
    let sim = TestSim::start("dlq-backlog");
    sim.run(&["dlq", "--max", "39"]).code(1);
    sim.run(&["dlq", "--max", "40"]).code(0);
    let empty = TestSim::start("healthy");
    empty.run(&["dlq"]).code(0).stdout_has("0 dead event(s)");
}

#[test]
fn dlq_pages_past_the_servers_100() {
    let sim = TestSim::start("healthy");
    sim.control(json!({"add_dead": {"kind": "outbox", "count": 250}}));
    let j = sim
        .run(&["dlq", "--json", "--kind", "outbox", "--limit", "230"])
        .code(1)
        .json();
    assert_eq!(j["listed"], 230);
    assert_eq!(j["truncated"], true);
    let ids: std::collections::BTreeSet<&str> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 230, "no item twice across pages");
    let pages = sim.state()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/v1/admin/queue/dlq")
        .count();
    assert_eq!(pages, 3);
}

#[test]
fn dlq_falls_back_when_kind_all_answers_500() {
    let sim = TestSim::start("upstream-defects");
    let r = sim.run(&["dlq"]);
    r.code(1)
        .stderr_has("kind=all failed")
        .stderr_has("/v1/admin/outbox/dead-letter")
        .stdout_has("5 dead event(s)");
    let asked_all = |sim: &TestSim| {
        admin_requests(sim)
            .iter()
            .filter(|(q, _, _)| q.contains("kind=all"))
            .count()
    };
    assert_eq!(asked_all(&sim), 1);
    // The next run remembers that kind=all answers 500 here and does not ask it again.
    let j = sim.run(&["dlq", "--json"]).code(1).json();
    assert_eq!(asked_all(&sim), 1, "kind=all is remembered");
    let fallback = j["fallback"].as_str().unwrap();
    assert!(
        fallback.contains("kind=all answered 500 on this API"),
        "{fallback}"
    );
    assert_eq!(j["outbox_dead"], 5, "counted from the export listing");
    // On PostgreSQL no endpoint lists dead outbox events once one exists (§13).
    assert_eq!(j["listed"], 0);
    assert_eq!(j["unlisted"][0]["kind"], "outbox");
    assert!(
        j["unlisted"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("/v1/admin/outbox/dead-letter")
    );
    // A proxy's error page on the fallback: still said which kind, still counted.
    sim.control(json!({"fault": "html", "fault_path_prefix": "/v1/admin/outbox/dead-letter"}));
    let j = sim.run(&["dlq", "--json"]).code(1).json();
    assert_eq!(j["unlisted"][0]["kind"], "outbox");
    assert_eq!(j["outbox_dead"], 5, "counted from the export listing");
    // With no outbox event dead, the fallback lists exports only and still counts.
    let sim = TestSim::start("upstream-defects");
    sim.control(
        json!({"scenario": "healthy", "upstream_defects": true, "add_dead": {"kind": "export", "count": 2}}),
    );
    let j = sim.run(&["dlq", "--json"]).code(1).json();
    assert_eq!(j["dead"], 2);
    assert_eq!(j["listed"], 2);
    assert!(j["unlisted"].as_array().unwrap().is_empty());
}

#[test]
fn dlq_kind_export_and_outbox() {
    let sim = TestSim::start("dlq-backlog");
    let j = sim
        .run(&["dlq", "--json", "--kind", "export"])
        .code(1)
        .json();
    assert_eq!(j["dead"], 3);
    assert!(
        j["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "export")
    );
    let j = sim
        .run(&["dlq", "--json", "--kind", "outbox", "--limit", "5"])
        .code(1)
        .json();
    assert_eq!(j["dead"], 37);
    assert_eq!(j["listed"], 5);
}
