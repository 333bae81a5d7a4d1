//! Answers outside the contract and servers that misbehave: a clear error, the right exit code,
//! no panic, bounded time.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cleanops_sim::engine::{FakeEngine, FakeLogLine};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
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

// ---------------------------------------------------------------- TLS

/// A readiness answer of a healthy app, for the canned servers below.
pub(crate) const READY_BODY: &str = r#"{"ok":true,"checks":[{"name":"db","ok":true,"ms":4.2,"detail":{"message":"database reachable"}},{"name":"migrations","ok":true,"ms":3.1,"detail":{"migrations_current":true,"current_version":"20260301_0042","expected_head":"20260301_0042","expected_heads":["20260301_0042"],"migrations_check":"ok"}},{"name":"jobs","ok":true,"ms":2.5,"detail":{"enabled":true,"last_heartbeat":"2026-04-05T20:29:17.300000+00:00","runner_id":"3f9c2a1b7d4e","age_seconds":42.7,"threshold_seconds":180,"jobs_enabled":true}}]}"#;

/// Reads an HTTP/1.1 request head (up to the blank line); false when the peer went away or
/// the head never ended.
pub(crate) fn read_head(stream: &mut impl Read) -> bool {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return false;
        }
    }
    true
}

pub(crate) fn http_response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nDate: Sun, 05 Apr 2026 20:30:00 GMT\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// An HTTPS server on 127.0.0.1 with a self-signed certificate for `localhost` and
/// `127.0.0.1`, made now: every request gets [`READY_BODY`]. Returns its URL and the
/// certificate's PEM file (in `dir`). The server lives until the test process ends.
/// With `as_ca`, the certificate is a CA's (basicConstraints CA:TRUE) used as the server's own,
/// a mistake TLS refuses whatever the client trusts.
fn self_signed_https_server(dir: &Path, as_ca: bool) -> (String, PathBuf) {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("certificate parameters");
    if as_ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    let key_pair = rcgen::KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key_pair).expect("a certificate");
    let pem = dir.join("self-signed.pem");
    std::fs::write(&pem, cert.pem()).expect("the PEM file");
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
    cleanops::tls::install_crypto_provider();
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a TLS server configuration"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                // A client that refuses the certificate ends the handshake here.
                if !read_head(&mut tls) {
                    return;
                }
                let answer = http_response("200 OK", "application/json", READY_BODY);
                let _ = tls.write_all(answer.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (url, pem)
}

#[test]
fn a_self_signed_certificate_is_refused_with_the_cacert_hint_and_accepted_with_it() {
    let home = tempfile::tempdir().unwrap();
    let (url, pem) = self_signed_https_server(home.path(), false);
    let env = vec![("CLEANOPS_API_URL".to_string(), url.clone())];

    let r = crate::run_env(&["status", "--api-only", "--timeout", "3s"], &env, &home);
    r.code(3)
        .stderr_has("the TLS certificate of 127.0.0.1 was refused")
        .stderr_has("not trust")
        .stderr_has("--cacert");
    assert!(
        !r.stderr.contains("retrying"),
        "a refused certificate is not retried:\n{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.elapsed < Duration::from_secs(8), "took {:?}", r.elapsed);

    let pem = pem.display().to_string();
    let r = crate::run_env(
        &["status", "--api-only", "--timeout", "3s", "--cacert", &pem],
        &env,
        &home,
    );
    r.code(0).stdout_has("ready");
    let j = crate::run_env(
        &["status", "--api-only", "--json", "--cacert", &pem],
        &env,
        &home,
    );
    assert_eq!(j.code(0).json()["ready"], true);

    // The name in the certificate counts too: `localhost` is in it.
    let by_name = url.replace("127.0.0.1", "localhost");
    let env = vec![("CLEANOPS_API_URL".to_string(), by_name)];
    crate::run_env(
        &["status", "--api-only", "--timeout", "3s", "--cacert", &pem],
        &env,
        &home,
    )
    .code(0);
}

#[test]
fn a_ca_certificate_used_as_the_servers_own_is_explained_not_retried() {
    let home = tempfile::tempdir().unwrap();
    let (url, pem) = self_signed_https_server(home.path(), true);
    let env = vec![("CLEANOPS_API_URL".to_string(), url)];
    let pem = pem.display().to_string();
    let r = crate::run_env(
        &["status", "--api-only", "--timeout", "3s", "--cacert", &pem],
        &env,
        &home,
    );
    r.code(3)
        .stderr_has(
            "a CA certificate (basicConstraints CA:TRUE) used as the server's own certificate",
        )
        .stderr_has("subjectAltName");
    assert!(!r.stderr.contains("CaUsedAsEndEntity"), "{}", r.stderr);
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
}

// ---------------------------------------------------------------- more of the engine

/// A plain HTTP server on 127.0.0.1 answering every request with `answer`; lives until the test
/// process ends. Returns `tcp://ADDR`.
fn canned_http_server(answer: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("tcp://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                if read_head(&mut stream) {
                    let _ = stream.write_all(answer.as_bytes());
                }
            });
        }
    });
    host
}

#[test]
fn an_engine_answering_500_is_exit_5_naming_the_host() {
    let host = canned_http_server(http_response(
        "500 Internal Server Error",
        "application/json",
        r#"{"message":"boom"}"#,
    ));
    let home = tempfile::tempdir().unwrap();
    for args in [&["logs"][..], &["logs", "--json"], &["logs", "-f", "jobs"]] {
        let r = crate::run_env(args, &engine_env(&host), &home);
        r.code(5)
            .stderr_has(&host)
            .stderr_has("500")
            .stderr_has("boom");
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.elapsed < Duration::from_secs(10), "took {:?}", r.elapsed);
    }
}

/// `cleanops ARGS` started in the background with the same clean environment as
/// [`crate::run_env`] (no fixed clock: the fake engine runs on real time).
pub(crate) fn spawn_cleanops(
    args: &[&str],
    env: &[(String, String)],
    home: &tempfile::TempDir,
) -> Child {
    let mut cmd = Command::new(crate::bin());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("CLEANOPS_PROJECT_DIR", home.path().join("cleaning"))
        .env("NO_COLOR", "1")
        .env("DOCKER_HOST", crate::NO_ENGINE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("the binary starts")
}

/// How long `logs -f` may take to give up once the engine is gone: the command's own limit
/// (`ENGINE_GONE_LIMIT` in src/commands/logs.rs, 30 s) plus slack.
const FOLLOW_GIVE_UP_BOUND: Duration = Duration::from_secs(45);

/// Takes about 31 s: the command gives up after its own 30 s (`ENGINE_GONE_LIMIT`, not
/// overridable).
#[test]
fn the_engine_going_away_during_logs_follow_is_exit_3_in_bounded_time() {
    let now = time::OffsetDateTime::now_utc();
    let engine = FakeEngine::new(cleanops_sim::engine::compose_project("cleaning", now));
    let (handle, runtime) = crate::serve_engine(&engine);
    let host = handle.host();
    let home = tempfile::tempdir().unwrap();
    let mut env = engine_env(&host);
    env.push(("CLEANOPS_PROJECT_NAME".into(), "cleaning".into()));
    let mut child = spawn_cleanops(&["logs", "-f", "--tail", "5", "jobs"], &env, &home);

    // Both pipes are read on threads; the first line on stdout says the follow is under way.
    let (first_tx, first_rx) = std::sync::mpsc::channel::<()>();
    let mut stdout = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        let mut told = false;
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    if !told && all.contains(&b'\n') {
                        told = true;
                        let _ = first_tx.send(());
                    }
                }
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = first_rx.recv_timeout(Duration::from_secs(20)).is_ok();
    if !started {
        let _ = child.kill();
    }
    assert!(started, "no line within 20 s: {}", err.join().unwrap());
    // A line pushed now arrives through the open follow.
    engine.push_log(
        "cleaning-jobs-1",
        FakeLogLine::stderr(
            time::OffsetDateTime::now_utc(),
            "INFO:httpx:HTTP Request: POST https://example.invalid/followed \"HTTP/1.1 200 OK\"",
        ),
    );
    std::thread::sleep(Duration::from_millis(300));

    runtime.block_on(handle.shutdown());
    let gone = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if gone.elapsed() > FOLLOW_GIVE_UP_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "logs -f still ran {FOLLOW_GIVE_UP_BOUND:?} after the engine went away: {}",
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = gone.elapsed();
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
    eprintln!(
        "logs -f gave up {took:?} after the engine went away (exit {:?}, {} \"restarted\" markers)",
        status.code(),
        stdout.matches("restarted ──").count()
    );
    assert_eq!(
        status.code(),
        Some(3),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stderr.contains("stopped answering"), "{stderr}");
    assert!(stderr.contains(&host), "the host is named: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains("example.invalid/followed"),
        "the live line: {stdout}"
    );
    assert!(
        !stdout.contains("restarted ──"),
        "nothing restarted while the engine was gone:\n{stdout}"
    );
    for secret in [crate::ADMIN_PASSWORD, crate::VIEWER_PASSWORD] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
}
