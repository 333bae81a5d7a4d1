//! Hostile servers, inputs and timing (docs/security.md names the guarantee each test holds):
//! concurrent replays, ids that try to become paths, credentials that try to travel, local
//! files that never end, outputs that cannot be written, answers outside any sane range, and a
//! replay interrupted or throttled under pressure.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::faults::{READY_BODY, http_response, spawn_cleanops};
use crate::{ADMIN_PASSWORD, TestSim};

// ------------------------------------------------------------------ a recording server

/// What a [`Recorder`] does with one request.
enum Reply {
    Send(String),
    /// Hold the connection open without answering (until the client gives up).
    Hang,
}

/// An HTTP/1.1 server on loopback that records every request head it receives (lowercased)
/// and answers each as `answer` decides. Lives until the test process ends.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start(answer: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(answer);
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let (answer, log) = (answer.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &*answer, &log));
            }
        });
        Recorder { url, seen }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, answer: &dyn Fn(&str) -> Reply, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => head.push_str(&line),
        }
    }
    let head = head.to_ascii_lowercase();
    log.lock().unwrap().push(head.clone());
    match answer(&head) {
        Reply::Send(text) => {
            let _ = (&stream).write_all(text.as_bytes());
        }
        Reply::Hang => std::thread::sleep(Duration::from_secs(60)),
    }
}

fn json_reply(status: &str, body: &Value) -> Reply {
    Reply::Send(http_response(status, "application/json", &body.to_string()))
}

/// A DLQ page holding these (id, kind) items, as the app shapes it.
fn dlq_page(items: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|(id, kind)| {
            json!({"event_id": id, "kind": kind, "event_type": "webhook", "org_id": "00000000-0000-0000-0000-000000000001",
                   "status": "dead", "attempts": 5, "last_error": "status_502", "created_at": "2026-04-05T10:00:00Z",
                   "payload_summary": "Webhook to https://hooks.example", "quick_actions": []})
        })
        .collect();
    let n = items.len();
    json!({"items": items, "total": n, "outbox_dead_count": n, "export_dead_count": 0})
}

fn admin_env(url: &str) -> Vec<(String, String)> {
    vec![
        ("CLEANOPS_API_URL".into(), url.into()),
        ("ADMIN_BASIC_USERNAME".into(), "admin".into()),
        ("ADMIN_BASIC_PASSWORD".into(), ADMIN_PASSWORD.into()),
    ]
}

fn wait_output(child: Child) -> crate::Run {
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    crate::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig}");
}

/// Read the child's stderr line by line until one contains `needle` (or give up after
/// `limit`); the rest keeps flowing into the returned buffer.
fn stderr_until(child: &mut Child, needle: &str, limit: Duration) -> Arc<Mutex<String>> {
    let stderr = child.stderr.take().unwrap();
    let buf = Arc::new(Mutex::new(String::new()));
    let sink = buf.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let mut b = sink.lock().unwrap();
            b.push_str(&line);
            b.push('\n');
        }
    });
    let deadline = Instant::now() + limit;
    while !buf.lock().unwrap().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "stderr never said {needle:?}:\n{}",
            buf.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    buf
}

// ------------------------------------------------------------------ one replay at a time

/// A simulator whose limits let a test replay dozens of events in seconds.
fn fast(scenario: &str) -> TestSim {
    TestSim::start_with(scenario, |o| {
        o.action_limit_per_minute = 600;
        o.global_limit_per_minute = 5000;
        o.runner_interval = Duration::from_millis(50);
    })
}

/// Per event id: the keys its replay POSTs carried, and how many POSTs there were.
fn posts(sim: &TestSim) -> BTreeMap<String, (BTreeSet<String>, usize)> {
    let mut by_id: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    for r in sim.state()["replays"].as_array().unwrap() {
        let e = by_id
            .entry(r["event_id"].as_str().unwrap().to_string())
            .or_default();
        e.0.insert(r["idempotency_key"].as_str().unwrap_or("").to_string());
        e.1 += 1;
    }
    by_id
}

fn assert_each_posted_once(sim: &TestSim, events: usize) {
    let by_id = posts(sim);
    assert_eq!(by_id.len(), events, "every event was posted");
    for (id, (keys, n)) in &by_id {
        assert_eq!((keys.len(), *n), (1, 1), "{id}: one POST under one key");
    }
}

fn two_replays_apart(gap: Duration) {
    let sim = fast("dlq-backlog");
    let args = ["replay", "--from-dlq", "--yes", "--rate", "600", "--json"];
    let first = spawn_cleanops(&args, &sim.env(), &sim.home);
    std::thread::sleep(gap);
    let second = spawn_cleanops(&args, &sim.env(), &sim.home);
    let (a, b) = (wait_output(first), wait_output(second));
    let (winner, loser) = if a.code == 6 { (b, a) } else { (a, b) };
    winner.code(0);
    loser.code(6).stderr_has("another replay against");
    // Who holds the lock: its pid once its record is written, or, in the moment between taking
    // the lock and writing that record, that it is just starting.
    assert!(
        loser.stderr.contains("pid ") || loser.stderr.contains("it is just starting"),
        "the refusal names no holder:\n{}",
        loser.stderr
    );
    assert_eq!(winner.json()["replayed"], 40);
    assert_each_posted_once(&sim, 40);
}

#[test]
fn two_replays_started_together_post_every_event_once() {
    two_replays_apart(Duration::ZERO);
}

#[test]
fn two_replays_started_apart_post_every_event_once() {
    two_replays_apart(Duration::from_millis(1500));
}

#[test]
fn two_resumes_of_one_run_do_not_both_post() {
    let sim = fast("dlq-backlog");
    // A run at 60 a minute, killed after its first events: resumable.
    let mut run = spawn_cleanops(
        &["replay", "--from-dlq", "--yes", "--rate", "60"],
        &sim.env(),
        &sim.home,
    );
    let err = stderr_until(&mut run, "[2/40]", Duration::from_secs(20));
    signal(&run, "KILL");
    let _ = run.wait();
    let said = err.lock().unwrap().clone();
    let run_id = said
        .lines()
        .find_map(|l| l.strip_prefix("run ")?.split(':').next())
        .expect("the run id on stderr")
        .to_string();
    let args = ["replay", "--resume", &run_id, "--yes", "--rate", "600"];
    let a = spawn_cleanops(&args, &sim.env(), &sim.home);
    let b = spawn_cleanops(&args, &sim.env(), &sim.home);
    let (a, b) = (wait_output(a), wait_output(b));
    let mut codes = [a.code, b.code];
    codes.sort();
    assert_eq!(
        codes,
        [0, 6],
        "one resume ran, the other refused:\n{}\n{}",
        a.stderr,
        b.stderr
    );
    // One key per event; only the event in doubt when the run was killed may have been posted
    // a second time, with its same key (which the app answers from its record).
    let by_id = posts(&sim);
    assert_eq!(by_id.len(), 40);
    assert!(by_id.values().all(|(keys, _)| keys.len() == 1), "{by_id:?}");
    assert!(
        by_id.values().filter(|(_, n)| *n > 1).count() <= 1,
        "{by_id:?}"
    );
}

#[test]
fn an_event_replayed_by_someone_else_meanwhile_is_not_posted_again() {
    let sim = fast("dlq-backlog");
    // The run's sixth target (the dry run lists them in order): at 60 a minute the run reaches
    // it after about five seconds.
    let plan = sim.run(&["replay", "--from-dlq", "--limit", "6", "--dry-run"]);
    let sixth = plan
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("POST "))
        .filter_map(|l| l.split('/').rev().nth(1))
        .next_back()
        .expect("the plan's last POST")
        .to_string();
    let run = spawn_cleanops(
        &[
            "replay",
            "--from-dlq",
            "--limit",
            "6",
            "--yes",
            "--rate",
            "60",
            "--json",
        ],
        &sim.env(),
        &sim.home,
    );
    std::thread::sleep(Duration::from_millis(700));
    // Someone else (another machine: another state directory, so another lock) replays it first.
    let elsewhere = tempfile::tempdir().unwrap();
    crate::run_env(
        &["replay", &sixth, "--yes", "--rate", "600"],
        &sim.env(),
        &elsewhere,
    )
    .code(0);
    let r = wait_output(run);
    r.code(0);
    let j = r.json();
    assert_eq!(
        (j["replayed"].as_u64(), j["not_dead"].as_u64()),
        (Some(5), Some(1)),
        "{j}"
    );
    let by_id = posts(&sim);
    assert_eq!(by_id.len(), 6);
    assert!(
        by_id.values().all(|(keys, n)| keys.len() == 1 && *n == 1),
        "{by_id:?}"
    );
}

// ------------------------------------------------------------------ ids that reach a URL

#[test]
fn hostile_ids_from_the_listing_never_reach_a_url() {
    let hostile = [
        "../../../admin/users/1/delete",
        "a?b=c#frag",
        "%2F..%2Fadmin",
        "x\n✓ replayed 40 of 40",
        "5b0c0d7e-0000-4000-8000-00000000000\u{1b}",
    ];
    let items: Vec<(&str, &str)> = hostile.iter().map(|id| (*id, "outbox")).collect();
    let page = dlq_page(&items);
    let server = Recorder::start(move |head| {
        if head.starts_with("get /v1/admin/queue/dlq") {
            json_reply("200 OK", &page)
        } else {
            json_reply("200 OK", &json!({}))
        }
    });
    let home = tempfile::tempdir().unwrap();
    let r = crate::run_env(
        &["replay", "--from-dlq", "--yes", "--rate", "600"],
        &admin_env(&server.url),
        &home,
    );
    r.code(1)
        .stderr_has("not an outbox event id the app issues");
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("✓ replayed 40")),
        "{}",
        r.stdout
    );
    let posted: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|h| !h.starts_with("get "))
        .collect();
    assert!(
        posted.is_empty(),
        "nothing but listings was sent: {posted:?}"
    );

    // Named on the command line: refused before any request at all.
    let quiet = Recorder::start(|_| Reply::Hang);
    for id in [
        "../../../admin/users/1/delete",
        "a?b=c#frag",
        "%2F",
        "a\r\nX-Evil: 1",
    ] {
        crate::run_env(&["replay", id, "--yes"], &admin_env(&quiet.url), &home)
            .code(2)
            .stderr_has("not an event id the app issues");
    }
    assert!(quiet.requests().is_empty(), "{:?}", quiet.requests());
}

#[test]
fn only_the_documented_202_counts_as_replayed() {
    let id = "5b0c0d7e-0000-4000-8000-000000000001";
    let page = dlq_page(&[(id, "outbox")]);
    // A proxy (or anything but the app) answering POSTs with a bare 200.
    let server = Recorder::start(move |head| {
        if head.starts_with("get ") {
            json_reply("200 OK", &page)
        } else {
            json_reply("200 OK", &json!({"ok": true}))
        }
    });
    let home = tempfile::tempdir().unwrap();
    let r = crate::run_env(
        &["replay", "--from-dlq", "--yes", "--rate", "600", "--json"],
        &admin_env(&server.url),
        &home,
    );
    r.code(1);
    let j = r.json();
    assert_eq!(
        (j["replayed"].as_u64(), j["unknown"].as_u64()),
        (Some(0), Some(1)),
        "{j}"
    );
    assert!(
        j["results"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("not the documented 202"),
        "{j}"
    );
    let post = server
        .requests()
        .into_iter()
        .find(|h| h.starts_with("post "))
        .expect("the replay was posted");
    assert!(
        post.starts_with(&format!("post /v1/admin/outbox/{id}/replay http/1.1")),
        "{post}"
    );
}

// ------------------------------------------------------------------ credentials

#[test]
fn credentials_in_the_api_url_are_refused_and_never_printed() {
    let server =
        Recorder::start(|_| Reply::Send(http_response("200 OK", "application/json", READY_BODY)));
    let home = tempfile::tempdir().unwrap();
    let with_userinfo = server
        .url
        .replace("http://", "http://admin:hunter2-url-secret@");
    for args in [
        vec!["status", "--api-only"],
        vec!["-v", "status", "--api-only", "--json"],
        vec!["config", "show"],
        vec!["diagnose", "--json"],
    ] {
        let mut argv = args.clone();
        argv.extend(["--api-url", &with_userinfo]);
        let r = crate::run_env(&argv, &[], &home);
        r.code(2)
            .stderr_has("carries a username or password")
            .stderr_has("ADMIN_BASIC_PASSWORD");
        assert!(
            !r.stdout.contains("hunter2") && !r.stderr.contains("hunter2"),
            "{args:?}:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
    // The same from the environment; and nothing reached the server.
    let env = vec![("CLEANOPS_API_URL".to_string(), with_userinfo.clone())];
    let r = crate::run_env(&["status", "--api-only"], &env, &home);
    r.code(2);
    assert!(!r.stderr.contains("hunter2"));
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert!(
        !std::fs::read_to_string(home.path().join("state/cleanops/audit.jsonl"))
            .unwrap_or_default()
            .contains("hunter2")
    );
}

#[test]
fn a_proxy_never_sees_the_admin_password() {
    let sim = TestSim::start("healthy");
    let proxy = Recorder::start(|_| json_reply("502 Bad Gateway", &json!({"detail": "proxy"})));
    let port = sim.url.rsplit(':').next().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    // Loopback API URLs, however spelled, go straight to the app.
    for host in ["127.0.0.1", "127.1", "LOCALHOST", "localhost"] {
        let mut env = admin_env(&format!("http://{host}:{port}"));
        env.push(("HTTP_PROXY".into(), proxy.url.clone()));
        env.push(("http_proxy".into(), proxy.url.clone()));
        env.push(("ALL_PROXY".into(), proxy.url.clone()));
        crate::run_env(&["dlq", "--json"], &env, &home).code(0);
        crate::run_env(&["status", "--api-only"], &env, &home).code(0);
    }
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
    // Another host over plain http through the proxy: refused before sending, even with
    // --allow-insecure-http (that flag trusts the network, not a proxy in it).
    let mut env = admin_env("http://api.internal.test:8000");
    env.push(("HTTP_PROXY".into(), proxy.url.clone()));
    crate::run_env(&["dlq", "--allow-insecure-http"], &env, &home)
        .code(2)
        .stderr_has("through the proxy in HTTP_PROXY")
        .stderr_has("NO_PROXY");
    assert!(
        proxy
            .requests()
            .iter()
            .all(|h| !h.contains("authorization")),
        "{:?}",
        proxy.requests()
    );
}

#[test]
fn server_words_in_errors_cannot_drive_the_terminal() {
    let evil = "bad\u{1b}[2J\u{1b}]0;PWNED\u{7}\r\u{9b}31m\u{202e}✓ all fine";
    for (status, reason) in [
        ("401 Unauthorized", "invalid_credentials"),
        ("403 Forbidden", "forbidden_permission"),
        ("500 Internal Server Error", ""),
    ] {
        let body =
            json!({"title": evil, "detail": evil, "errors": [{"field": evil, "message": evil}]})
                .to_string();
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/problem+json\r\nX-Admin-Auth-Fail-Reason: {reason}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let server = Recorder::start(move |_| Reply::Send(answer.clone()));
        let home = tempfile::tempdir().unwrap();
        for args in [vec!["dlq"], vec!["status", "--api-only"]] {
            let r = crate::run_env(&args, &admin_env(&server.url), &home);
            assert!(r.code >= 4, "{status} {args:?}: {}", r.code);
            assert!(
                !r.stderr
                    .chars()
                    .any(|c| c != '\n' && (c.is_control() || c == '\u{202e}')),
                "{status} {args:?}: raw control characters on stderr: {:?}",
                r.stderr
            );
            if reason.is_empty() {
                continue;
            }
            assert!(r.stderr.contains("\\u{1b}"), "shown escaped: {}", r.stderr);
        }
    }
}

// ------------------------------------------------------------------ bounded local input

#[test]
fn files_that_never_end_are_refused_at_once() {
    let sim = TestSim::start("healthy");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(5 * 1024 * 1024)
        .unwrap();
    let env = vec![("CLEANOPS_API_URL".to_string(), sim.url.clone())];
    for (flag, file, says) in [
        ("--password-file", "/dev/zero", "a device"),
        ("--password-file", fifo.to_str().unwrap(), "a FIFO"),
        (
            "--password-file",
            big.to_str().unwrap(),
            "larger than 4 MiB",
        ),
        ("--env-file", "/dev/zero", "a device"),
        ("--env-file", fifo.to_str().unwrap(), "a FIFO"),
        ("--config", "/dev/zero", "a device"),
        ("--config", fifo.to_str().unwrap(), "a FIFO"),
        ("--cacert", big.to_str().unwrap(), "larger than 4 MiB"),
        ("--cacert", fifo.to_str().unwrap(), "a FIFO"),
    ] {
        let r = crate::run_env(&["status", "--api-only", flag, file], &env, &sim.home);
        r.code(2).stderr_has(says).stderr_has(file);
        assert!(
            r.elapsed < Duration::from_secs(5),
            "{flag} {file}: {:?}",
            r.elapsed
        );
    }
}

#[test]
fn a_bom_is_read_as_editors_mean_it_and_a_shared_password_file_is_flagged() {
    let sim = TestSim::start("healthy");
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        "\u{feff}ADMIN_BASIC_USERNAME=admin\nJOBS_ENABLED=true\n",
    )
    .unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, format!("\u{feff}{ADMIN_PASSWORD}\r\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let env = vec![("CLEANOPS_API_URL".to_string(), sim.url.clone())];
    let (env_file, pw) = (env_file.display().to_string(), pw.display().to_string());
    let r = crate::run_env(
        &[
            "dlq",
            "--json",
            "--env-file",
            &env_file,
            "--password-file",
            &pw,
        ],
        &env,
        &sim.home,
    );
    r.code(0).stderr_has("readable by every user");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = crate::run_env(
        &[
            "dlq",
            "--json",
            "--env-file",
            &env_file,
            "--password-file",
            &pw,
        ],
        &env,
        &sim.home,
    );
    r.code(0);
    assert!(!r.stderr.contains("readable by every user"), "{}", r.stderr);
}

// ------------------------------------------------------------------ honest exits

#[test]
fn output_that_cannot_be_written_is_not_success() {
    let sim = TestSim::start("healthy");
    let env = admin_env(&sim.url);
    let bin = crate::bin().display().to_string();
    for (args, redirect) in [
        ("status --api-only --json", "> /dev/full"),
        ("config show --json", "> /dev/full"),
        ("status --api-only --json", ">&-"),
        ("dlq", "> /dev/full"),
    ] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"{bin}\" {args} {redirect}"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", sim.home.path())
            .env("XDG_STATE_HOME", sim.home.path().join("state"))
            .env("XDG_CONFIG_HOME", sim.home.path().join("config"))
            .env("CLEANOPS_PROJECT_DIR", sim.home.path().join("cleaning"))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{args} {redirect}: {stderr}");
        assert!(stderr.contains("stdout"), "{args} {redirect}: {stderr}");
    }
}

#[test]
fn zero_bounds_and_hasty_polls_are_refused() {
    let sim = TestSim::start("healthy");
    for (args, says) in [
        (vec!["diagnose", "--deadline", "0"], "more than zero"),
        (
            vec!["status", "--wait-ready", "--interval", "0"],
            "at least 500ms",
        ),
        (
            vec!["heartbeat", "--wait-fresh", "--interval", "100ms"],
            "at least 500ms",
        ),
        (vec!["status", "--timeout", "0"], "timeout"),
    ] {
        sim.run(&args).code(2).stderr_has(says);
    }
}

// ------------------------------------------------------------------ answers outside any range

#[test]
fn heartbeat_numbers_outside_any_sane_range_are_unexpected_answers() {
    for (age, threshold, field) in [
        ("1e26", "18446744073709551616", "age_seconds"),
        ("-1e308", "180", "age_seconds"),
        ("42.7", "18446744073709551616", "threshold_seconds"),
        ("42.7", "-5", "threshold_seconds"),
        ("42.7", "0", "threshold_seconds"),
    ] {
        let body = READY_BODY
            .replace("\"age_seconds\":42.7", &format!("\"age_seconds\":{age}"))
            .replace(
                "\"threshold_seconds\":180",
                &format!("\"threshold_seconds\":{threshold}"),
            );
        let server = Recorder::start(move |_| {
            Reply::Send(http_response("200 OK", "application/json", &body))
        });
        let home = tempfile::tempdir().unwrap();
        let env = vec![("CLEANOPS_API_URL".to_string(), server.url.clone())];
        for args in [["heartbeat", "--no-jobs"], ["status", "--api-only"]] {
            crate::run_env(&args, &env, &home).code(5).stderr_has(field);
        }
    }
}

// ------------------------------------------------------------------ replay under pressure

/// A listing of three events; POSTs as `post` answers them.
fn replay_server(post: impl Fn() -> Reply + Send + Sync + 'static) -> Recorder {
    let ids = [
        "5b0c0d7e-0000-4000-8000-000000000001",
        "5b0c0d7e-0000-4000-8000-000000000002",
        "5b0c0d7e-0000-4000-8000-000000000003",
    ];
    let page = dlq_page(&ids.iter().map(|i| (*i, "outbox")).collect::<Vec<_>>());
    Recorder::start(move |head| {
        if head.starts_with("get ") {
            json_reply("200 OK", &page)
        } else {
            post()
        }
    })
}

#[test]
fn ctrl_c_at_the_default_rate_stops_within_a_second() {
    let server =
        replay_server(|| json_reply("202 Accepted", &json!({"event_id": "will-not-match"})));
    let home = tempfile::tempdir().unwrap();
    // The default rate: 5 a minute, so the second POST is 12.6 s away when Ctrl-C comes.
    let mut run = spawn_cleanops(
        &["replay", "--from-dlq", "--yes"],
        &admin_env(&server.url),
        &home,
    );
    let err = stderr_until(&mut run, "[1/3]", Duration::from_secs(10));
    stderr_until_more(&err, "waiting", Duration::from_secs(5));
    let sent = Instant::now();
    signal(&run, "INT");
    let r = wait_output(run);
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(r.code, 130, "{}", err.lock().unwrap());
    assert!(err.lock().unwrap().contains("cleanops replay --resume"));
}

fn stderr_until_more(buf: &Arc<Mutex<String>>, needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !buf.lock().unwrap().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "stderr never said {needle:?}:\n{}",
            buf.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_ctrl_c_leaves_at_once_with_the_resume_command() {
    // The POST never comes back: the first Ctrl-C would wait for it (30 s here).
    let server = replay_server(|| Reply::Hang);
    let home = tempfile::tempdir().unwrap();
    let mut run = spawn_cleanops(
        &["replay", "--from-dlq", "--yes", "--timeout", "30s"],
        &admin_env(&server.url),
        &home,
    );
    let err = stderr_until(&mut run, "journal", Duration::from_secs(10));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.requests().iter().any(|h| h.starts_with("post ")) {
        assert!(Instant::now() < deadline, "no POST was sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&run, "INT");
    stderr_until_more(&err, "Ctrl-C again", Duration::from_secs(5));
    let second = Instant::now();
    signal(&run, "INT");
    let r = wait_output(run);
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "took {:?}",
        second.elapsed()
    );
    assert_eq!(r.code, 130);
    stderr_until_more(
        &err,
        "resume with: cleanops replay --resume",
        Duration::from_secs(2),
    );
}

#[test]
fn constant_429s_are_waited_out_visibly_as_retry_after_asks() {
    let server = replay_server(|| {
        let body = r#"{"detail":"Rate limit exceeded for this action"}"#;
        Reply::Send(format!(
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 3\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ))
    });
    let home = tempfile::tempdir().unwrap();
    let mut run = spawn_cleanops(
        &["replay", "--from-dlq", "--yes", "--rate", "600"],
        &admin_env(&server.url),
        &home,
    );
    let err = stderr_until(
        &mut run,
        "as the server's Retry-After asks",
        Duration::from_secs(10),
    );
    assert!(
        err.lock().unwrap().contains("waiting 3s"),
        "{}",
        err.lock().unwrap()
    );
    // Cancellation reaches that wait too.
    let sent = Instant::now();
    signal(&run, "INT");
    let r = wait_output(run);
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(r.code, 130);
}
