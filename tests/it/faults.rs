//! Answers outside the contract and servers that misbehave: a clear error, the right exit code,
//! no panic, bounded time.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::TestSim;

#[test]
fn garbage_answers_are_exit_5_with_an_excerpt() {
    let sim = TestSim::start("healthy");
    let cases = [
        ("html", "text/html", "proxy"),
        ("malformed", "application/json", "ok"),
        ("unknown-shape", "application/json", "hello"),
        ("invalid-utf8", "application/json", "unexpected answer"),
        ("oversized", "application/json", "larger than 4 MiB"),
        ("truncated", "", "broke off mid-body"),
    ];
    for (fault, content_type, needle) in cases {
        sim.control(json!({"fault": fault}));
        for cmd in [
            &["status", "--api-only"][..],
            &["heartbeat", "--no-jobs"],
            &["dlq"],
        ] {
            let r = sim.run(cmd);
            assert_eq!(r.code, 5, "{fault} {cmd:?}: {}{}", r.stdout, r.stderr);
            r.stderr_has(needle).stderr_has(content_type);
            assert!(
                r.stdout.is_empty(),
                "nothing on stdout for {fault}: {}",
                r.stdout
            );
        }
    }
}

#[test]
fn connection_refused_is_exit_3_naming_the_host() {
    // A port that was free a moment ago: bind, read it, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = tempfile::tempdir().unwrap();
    let env = vec![(
        "CLEANOPS_API_URL".to_string(),
        format!("http://127.0.0.1:{port}"),
    )];
    let r = crate::run_env(&["status", "--api-only"], &env, &home);
    r.code(3)
        .stderr_has("could not connect to 127.0.0.1")
        .stderr_has("retrying GET /readyz");
    let j = crate::run_env(&["status", "--api-only", "--json"], &env, &home);
    j.code(3);
    assert!(j.stdout.is_empty());
}

#[test]
fn a_listener_that_never_answers_ends_within_the_timeout() {
    // Accepts connections (the backlog does) and never reads or answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let home = tempfile::tempdir().unwrap();
    let env = vec![("CLEANOPS_API_URL".to_string(), url)];
    let r = crate::run_env(&["status", "--api-only", "--timeout", "1s"], &env, &home);
    r.code(3).stderr_has("no answer within 1s");
    // Generous bound: what matters is that it ends, not how fast this machine is.
    assert!(
        r.elapsed < Duration::from_secs(1) + Duration::from_secs(4),
        "took {:?}",
        r.elapsed
    );
    drop(listener);
}

#[test]
fn the_simulator_hanging_is_the_same() {
    let sim = TestSim::start("healthy");
    sim.control(json!({"fault": "hang"}));
    let r = sim.run(&["dlq", "--timeout", "1s"]);
    r.code(3).stderr_has("no answer within 1s");
}

#[test]
fn a_502_from_a_proxy_is_retried_then_reported() {
    let sim = TestSim::start("healthy");
    sim.control(json!({"fault": "html", "fault_path_prefix": "/readyz"}));
    sim.run(&["status", "--api-only"])
        .code(5)
        .stderr_has("retrying GET /readyz")
        .stderr_has("HTTP 502");
}

#[test]
fn a_name_that_does_not_resolve_is_exit_3() {
    let home = tempfile::tempdir().unwrap();
    let env = vec![(
        "CLEANOPS_API_URL".to_string(),
        "https://no-such-host.invalid".to_string(),
    )];
    crate::run_env(&["status", "--api-only", "--timeout", "3s"], &env, &home)
        .code(3)
        .stderr_has("no-such-host.invalid");
}

#[test]
fn rate_limiting_is_reported_not_hidden() {
    let sim = TestSim::start_with("dlq-backlog", |o| o.global_limit_per_minute = 2);
    sim.run(&["dlq"]).code(1);
    sim.run(&["dlq"]).code(1);
    sim.run(&["dlq", "--timeout", "2s"])
        .code(3)
        .stderr_has("rate limited")
        .stderr_has("30 requests a minute");
}

// ---------------------------------------------------------------- the Docker engine

fn engine_env(host: &str) -> Vec<(String, String)> {
    vec![
        ("DOCKER_HOST".to_string(), host.to_string()),
        (
            "CLEANOPS_API_URL".to_string(),
            "http://127.0.0.1:9".to_string(),
        ),
    ]
}

#[test]
fn a_missing_socket_is_exit_3_naming_the_host() {
    let home = tempfile::tempdir().unwrap();
    let sock = home.path().join("no-such.sock");
    let host = format!("unix://{}", sock.display());
    let r = crate::run_env(&["logs"], &engine_env(&host), &home);
    r.code(3)
        .stderr_has(&host)
        .stderr_has("is Docker installed and running");
}

#[test]
fn a_socket_we_may_not_open_hints_at_the_docker_group() {
    // Root opens any socket; the hint is checked on the error mapping instead.
    let home = tempfile::tempdir().unwrap();
    let sock = home.path().join("closed.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    std::fs::set_permissions(&sock, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let host = format!("unix://{}", sock.display());
    let r = crate::run_env(&["logs", "--timeout", "2s"], &engine_env(&host), &home);
    // As root the socket opens and nothing answers: unreachable all the same.
    assert_eq!(r.code, 3, "{}", r.stderr);
    r.stderr_has(&host);
}

#[test]
fn an_engine_that_never_answers_is_exit_3_within_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("tcp://{}", listener.local_addr().unwrap());
    let home = tempfile::tempdir().unwrap();
    let r = crate::run_env(&["logs", "--timeout", "1s"], &engine_env(&host), &home);
    r.code(3)
        .stderr_has(&host)
        .stderr_has("no answer within 1s");
    assert!(r.elapsed < Duration::from_secs(6), "took {:?}", r.elapsed);
}

#[test]
fn status_prints_the_api_half_when_the_engine_is_gone() {
    let sim = TestSim::start("healthy");
    let mut env = sim.env();
    env.push((
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    ));
    let r = crate::run_env(&["status"], &env, &sim.home);
    // Ready, but the engine could not be asked: the worse of the two.
    r.code(3)
        .stdout_has("✓ ready")
        .stderr_has("unix:///nonexistent/docker.sock");
    let j = crate::run_env(&["status", "--json"], &env, &sim.home).json();
    assert_eq!(j["ready"], true);
    assert!(
        j["containers"]["error"]
            .as_str()
            .unwrap()
            .contains("nonexistent")
    );
}
