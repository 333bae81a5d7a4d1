//! `cleanops escalate` and `notify` against local recording servers standing in for PagerDuty
//! (Events API v2) and Slack (incoming webhooks). Each stand-in checks what it receives
//! against the services' documentation, answers as they do, and records every request: the
//! exact JSON sent, how many times, with which key. Also the retries on 429, refusals, an
//! unreachable service, TLS with a certificate made now, the audit file and the timeline, and
//! the Docker test stack with the jobs container killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

use crate::stack::{Stack, docker_or_skip};
use crate::{ADMIN_PASSWORD, Run, TestSim};

/// Routing keys (32 characters, as PagerDuty's are) and the Slack webhook's secret token: no
/// output or file may contain them; the key only in its own field of the body.
const PRIMARY_KEY: &str = "pdkeyPRIMARY0123456789abcdefABCD";
const SECONDARY_KEY: &str = "pdkeySECONDARY456789abcdefABCDEF";
const HOOK_TOKEN: &str = "hooktokenXq7Zr2Lm9Vw4Ks8Np3";
const ROLE_HOOK_TOKEN: &str = "rolehookTk5Yp1Qa6Zs0Wx7Ec2";

// ------------------------------------------------------------------ recording servers

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    /// The request head, lowercased.
    head: String,
    body: String,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// What the stand-in answers the n-th request (from 0) with: a whole HTTP response, or None to
/// hold the connection without answering.
type Answer = dyn Fn(&Seen, usize) -> Option<String> + Send + Sync;

/// An HTTP/1.1 server on loopback (plain, or TLS with a certificate made now) that records
/// every request and answers as told. Lives until the test process ends.
struct Service {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn read_request(stream: &mut impl Read) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => head.push_str(&line),
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(4 * 1024 * 1024)];
    reader.read_exact(&mut body).ok()?;
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    Some(Seen {
        path,
        head: head.to_ascii_lowercase(),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn respond(
    stream: &mut (impl Read + Write),
    answer: &Answer,
    seen: &Mutex<Vec<Seen>>,
    n: &AtomicUsize,
) {
    let Some(req) = read_request(stream) else {
        return;
    };
    let i = n.fetch_add(1, Ordering::SeqCst);
    seen.lock().unwrap().push(req.clone());
    match answer(&req, i) {
        Some(text) => {
            let _ = stream.write_all(text.as_bytes());
            let _ = stream.flush();
        }
        None => std::thread::sleep(Duration::from_secs(30)),
    }
}

impl Service {
    fn start(answer: impl Fn(&Seen, usize) -> Option<String> + Send + Sync + 'static) -> Service {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let count = Arc::new(AtomicUsize::new(0));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let (answer, log, count) = (answer.clone(), log.clone(), count.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    respond(&mut stream, &*answer, &log, &count);
                });
            }
        });
        Service { url, seen }
    }

    /// The same over TLS, with a certificate for `127.0.0.1` and `localhost` made now; returns
    /// its PEM file (in `dir`) for `--cacert`.
    fn start_tls(
        dir: &Path,
        answer: impl Fn(&Seen, usize) -> Option<String> + Send + Sync + 'static,
    ) -> (Service, PathBuf) {
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .unwrap();
        let key_pair = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key_pair).unwrap();
        let pem = dir.join("service-ca.pem");
        std::fs::write(&pem, cert.pem()).unwrap();
        cleanops::tls::install_crypto_provider();
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(
                    vec![CertificateDer::from(cert.der().to_vec())],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der())),
                )
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let count = Arc::new(AtomicUsize::new(0));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let (answer, log, count, config) =
                    (answer.clone(), log.clone(), count.clone(), config.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    respond(&mut tls, &*answer, &log, &count);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        (Service { url, seen }, pem)
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn response(status: &str, content_type: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )
}

// ------------------------------------------------------------------ the services' rules

/// PagerDuty's Events API v2 as documented: the fields, their value sets and lengths. An
/// empty list is a valid event.
fn pagerduty_problems(event: &Value, key_shown: Option<&str>) -> Vec<String> {
    let mut p = Vec::new();
    let Some(obj) = event.as_object() else {
        return vec!["not an object".into()];
    };
    let allowed = [
        "routing_key",
        "event_action",
        "dedup_key",
        "payload",
        "images",
        "links",
        "client",
        "client_url",
    ];
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            p.push(format!("unknown field {k}"));
        }
    }
    match (obj.get("routing_key").and_then(Value::as_str), key_shown) {
        (Some(k), None) if k.chars().count() == 32 => {}
        (Some(k), Some(shown)) if k == shown => {}
        other => p.push(format!("routing_key {other:?}")),
    }
    let action = obj
        .get("event_action")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !["trigger", "acknowledge", "resolve"].contains(&action) {
        p.push(format!("event_action {action:?}"));
    }
    match obj.get("dedup_key").and_then(Value::as_str) {
        Some(d) if !d.is_empty() && d.chars().count() <= 255 => {}
        other => p.push(format!("dedup_key {other:?}")),
    }
    if action == "trigger" {
        let payload = &obj["payload"];
        let summary = payload["summary"].as_str().unwrap_or("");
        if summary.is_empty() || summary.chars().count() > 1024 {
            p.push(format!(
                "payload.summary of {} characters",
                summary.chars().count()
            ));
        }
        if payload["source"].as_str().is_none_or(str::is_empty) {
            p.push("payload.source".into());
        }
        let severity = payload["severity"].as_str().unwrap_or("");
        if !["critical", "error", "warning", "info"].contains(&severity) {
            p.push(format!("payload.severity {severity:?}"));
        }
        if let Some(t) = payload.get("timestamp")
            && t.as_str()
                .is_none_or(|t| cleanops::clock::parse_rfc3339(t).is_err())
        {
            p.push(format!("payload.timestamp {t}"));
        }
        for k in ["component", "group", "class"] {
            if payload.get(k).is_some_and(|v| !v.is_string()) {
                p.push(format!("payload.{k}"));
            }
        }
        if payload
            .get("custom_details")
            .is_some_and(|v| !v.is_object())
        {
            p.push("payload.custom_details".into());
        }
        for link in obj
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if link["href"].as_str().is_none() {
                p.push(format!("a link without href: {link}"));
            }
        }
    } else if obj.contains_key("payload") {
        p.push(format!("a payload on {action}"));
    }
    if event.to_string().len() > 512 * 1024 {
        p.push("larger than 512 KB".into());
    }
    p
}

/// A Slack message as incoming webhooks take it: `text` and at most 50 blocks of sections (at
/// most 3000 characters of mrkdwn each) and context lines, about 40,000 characters in all.
fn slack_problems(message: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let Some(obj) = message.as_object() else {
        return vec!["not an object".into()];
    };
    for k in obj.keys() {
        if !["text", "blocks"].contains(&k.as_str()) {
            p.push(format!("unknown field {k}"));
        }
    }
    let mut total = obj["text"].as_str().map(|t| t.chars().count()).unwrap_or(0);
    if total == 0 {
        p.push("no text".into());
    }
    let blocks = obj["blocks"].as_array().cloned().unwrap_or_default();
    if blocks.is_empty() || blocks.len() > 50 {
        p.push(format!("{} blocks", blocks.len()));
    }
    for b in &blocks {
        let text = match b["type"].as_str() {
            Some("section") if b["text"]["type"] == "mrkdwn" => b["text"]["text"].as_str(),
            Some("context") => b["elements"][0]["text"].as_str(),
            _ => None,
        };
        match text {
            Some(t) if !t.is_empty() && t.chars().count() <= 3000 => total += t.chars().count(),
            _ => p.push(format!("a bad block: {b}")),
        }
    }
    if total > 40_000 {
        p.push(format!("{total} characters"));
    }
    p
}

/// PagerDuty as documented: 202 for a valid event, 400 `invalid event` otherwise.
fn pagerduty_answer(req: &Seen, _: usize) -> Option<String> {
    let event: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
    let problems = pagerduty_problems(&event, None);
    Some(if problems.is_empty() {
        response(
            "202 Accepted",
            "application/json",
            "",
            &json!({"status": "success", "message": "Event processed", "dedup_key": event["dedup_key"]}).to_string(),
        )
    } else {
        response(
            "400 Bad Request",
            "application/json",
            "",
            &json!({"status": "invalid event", "message": "Event object is invalid", "errors": problems}).to_string(),
        )
    })
}

/// Slack as documented: `200 ok` as text, `400 invalid_payload` for what it cannot read.
fn slack_answer(req: &Seen, _: usize) -> Option<String> {
    let message: Value = serde_json::from_str(&req.body).unwrap_or(Value::Null);
    Some(if slack_problems(&message).is_empty() {
        response("200 OK", "text/html", "", "ok")
    } else {
        response("400 Bad Request", "text/html", "", "invalid_payload")
    })
}

// ------------------------------------------------------------------ the deployment

/// A HOME with a profile whose chain is primary and secondary by PagerDuty (the secondary by
/// Slack too), tertiary by name only, and an incident channel.
struct Setup {
    home: tempfile::TempDir,
    env: Vec<(String, String)>,
}

fn write_secret(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("{text}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

impl Setup {
    fn new(api_url: &str, pagerduty: &str, slack: &str) -> Setup {
        let home = tempfile::tempdir().unwrap();
        Setup::in_home(home, api_url, pagerduty, slack)
    }

    fn in_home(home: tempfile::TempDir, api_url: &str, pagerduty: &str, slack: &str) -> Setup {
        let keys = home.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        write_secret(&keys.join("primary.key"), PRIMARY_KEY);
        write_secret(&keys.join("secondary.key"), SECONDARY_KEY);
        write_secret(
            &keys.join("incident.hook"),
            &format!("{slack}/services/T0INCIDENT/B0INCIDENT/{HOOK_TOKEN}"),
        );
        write_secret(
            &keys.join("secondary.hook"),
            &format!("{slack}/services/T0INCIDENT/B0BACKEND/{ROLE_HOOK_TOKEN}"),
        );
        let k = |name: &str| keys.join(name).display().to_string();
        let config = format!(
            r#"default_profile = "it"

[profiles.it]
pagerduty_url = "{pagerduty}/v2/enqueue"
incident_slack_webhook_file = "{incident}"

[[profiles.it.escalation]]
role = "primary"
name = "On-call engineer (Ops)"
contact = "ops phone +49 30 1234 5678"
handles = ["manual"]
pagerduty_routing_key_file = "{primary}"

[[profiles.it.escalation]]
role = "secondary"
name = "Backend lead"
handles = ["upstream"]
pagerduty_routing_key_file = "{secondary}"
slack_webhook_file = "{secondary_hook}"

[[profiles.it.escalation]]
role = "tertiary"
name = "Infrastructure owner"
contact = "infra phone +49 30 8765 4321"
handles = ["infrastructure"]
"#,
            incident = k("incident.hook"),
            primary = k("primary.key"),
            secondary = k("secondary.key"),
            secondary_hook = k("secondary.hook"),
        );
        let dir = home.path().join("config/cleanops");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), config).unwrap();
        let env = vec![
            ("CLEANOPS_API_URL".into(), api_url.to_string()),
            ("ADMIN_BASIC_USERNAME".into(), "admin".into()),
            ("ADMIN_BASIC_PASSWORD".into(), ADMIN_PASSWORD.into()),
            // No engine: the diagnosis is the API's alone, the same on every machine.
            (
                "DOCKER_HOST".into(),
                "unix:///nonexistent/docker.sock".into(),
            ),
        ];
        Setup { home, env }
    }

    /// `cleanops ARGS`, checked for keys and webhooks in its output.
    fn run(&self, args: &[&str]) -> Run {
        let r = crate::run_env(args, &self.env, &self.home);
        no_secret(&format!("{}{}", r.stdout, r.stderr), &format!("{args:?}"));
        r
    }

    fn audit(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.home.path().join("state/cleanops/audit.jsonl"))
            .unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Every file cleanops wrote (audit, kept diagnosis) holds no key or webhook.
    fn files_hold_no_secret(&self) {
        let state = self.home.path().join("state");
        let mut todo = vec![state];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    no_secret(&text, &p.display().to_string());
                    assert!(!text.contains(ADMIN_PASSWORD), "{}", p.display());
                }
            }
        }
    }
}

#[track_caller]
fn no_secret(text: &str, place: &str) {
    for secret in [
        PRIMARY_KEY,
        SECONDARY_KEY,
        HOOK_TOKEN,
        ROLE_HOOK_TOKEN,
        "T0INCIDENT",
    ] {
        assert!(!text.contains(secret), "{secret} in {place}:\n{text}");
    }
}

/// The PagerDuty events received, checked against the documentation, with no secret but the
/// routing key in its own field.
#[track_caller]
fn events(pd: &Service) -> Vec<Value> {
    pd.requests()
        .iter()
        .map(|r| {
            assert_eq!(r.path, "/v2/enqueue");
            assert!(r.head.starts_with("post "), "{}", r.head);
            assert!(
                r.head.contains("content-type: application/json"),
                "{}",
                r.head
            );
            assert!(!r.head.contains("authorization"), "{}", r.head);
            let e = r.json();
            let problems = pagerduty_problems(&e, None);
            assert!(problems.is_empty(), "{problems:?} in {e:#}");
            let key = e["routing_key"].as_str().unwrap().to_string();
            assert_eq!(
                r.body.matches(&key).count(),
                1,
                "the key only in routing_key"
            );
            let other = if key == PRIMARY_KEY {
                SECONDARY_KEY
            } else {
                PRIMARY_KEY
            };
            assert!(!r.body.contains(other) && !r.body.contains(ADMIN_PASSWORD));
            assert!(!r.body.contains(HOOK_TOKEN) && !r.body.contains(ROLE_HOOK_TOKEN));
            e
        })
        .collect()
}

#[track_caller]
fn messages(slack: &Service) -> Vec<(String, Value)> {
    slack
        .requests()
        .iter()
        .map(|r| {
            let m = r.json();
            let problems = slack_problems(&m);
            assert!(problems.is_empty(), "{problems:?} in {m:#}");
            no_secret(&r.body, "a Slack message");
            assert!(!r.body.contains(ADMIN_PASSWORD));
            (r.path.clone(), m)
        })
        .collect()
}

fn records<'a>(audit: &'a [Value], action: &str) -> Vec<&'a Value> {
    audit
        .iter()
        .filter(|r| r["action"] == action && r["phase"] != "start")
        .collect()
}

// ------------------------------------------------------------------ the whole incident

#[test]
fn escalate_ack_resolve_and_notify_send_the_documented_requests_once_each() {
    let sim = TestSim::start("db-down");
    let pd = Service::start(pagerduty_answer);
    let slack = Service::start(slack_answer);
    let s = Setup::new(&sim.url, &pd.url, &slack.url);

    // The diagnosis names who to escalate to for a database that will not come back.
    let r = s.run(&["diagnose"]);
    r.code(1)
        .stdout_has("Needs a person")
        .stdout_has("a database that will not come back")
        .stdout_has("Infrastructure owner (tertiary), infra phone +49 30 8765 4321")
        .stdout_has("→ cleanops escalate tertiary");
    let md = s.run(&["diagnose", "--markdown"]);
    md.stdout_has("**Needs a person**")
        .stdout_has("`cleanops escalate tertiary`");
    let j = s.run(&["diagnose", "--json"]).json();
    assert_eq!(j["escalation"]["role"], "tertiary");
    assert_eq!(j["escalation"]["need"], "infrastructure");
    assert_eq!(j["escalation"]["command"], "cleanops escalate tertiary");

    // A dry run prints the exact event, key masked; nothing is sent or recorded.
    let dry = s.run(&["escalate", "--dry-run", "--json"]).code(0).json();
    assert_eq!(dry["role"]["id"], "primary", "the head of the chain first");
    assert_eq!(dry["diagnosis"]["reused"], true, "the diagnosis just made");
    let shown = &dry["requests"][0]["body"];
    assert!(
        pagerduty_problems(shown, Some("********")).is_empty(),
        "{shown:#}"
    );
    assert_eq!(shown["event_action"], "trigger");
    let text = s.run(&["escalate", "--dry-run"]);
    text.code(0)
        .stdout_has("\"event_action\": \"trigger\"")
        .stdout_has("\"routing_key\": \"********\"")
        .stdout_has(&format!("{}/v2/enqueue", pd.url));
    assert!(pd.requests().is_empty());
    assert!(records(&s.audit(), "escalate").is_empty());

    // Off a terminal without --yes: refused at once, nothing sent.
    s.run(&["escalate"]).code(6).stderr_has("--yes");
    assert!(pd.requests().is_empty());

    // The first escalation pages the primary.
    let r = s.run(&["escalate", "--yes", "--note", "db restarts did not help"]);
    r.code(0)
        .stdout_has("PagerDuty: paged On-call engineer (Ops) (primary): Event processed");
    let sent = events(&pd);
    assert_eq!(sent.len(), 1);
    let trigger = &sent[0];
    assert_eq!(trigger["routing_key"], PRIMARY_KEY);
    assert_eq!(trigger["event_action"], "trigger");
    let dedup = trigger["dedup_key"].as_str().unwrap().to_string();
    let port = sim.url.trim_start_matches("http://");
    assert_eq!(
        dedup,
        format!("cleanops/job-scheduler-stale/cleaning@{port}")
    );
    let p = &trigger["payload"];
    assert_eq!(p["severity"], "critical");
    assert_eq!(p["source"], format!("{port} (compose project cleaning)"));
    assert_eq!(p["class"], "database-unreachable");
    assert_eq!(p["component"], "jobs");
    assert_eq!(p["group"], "cleaning");
    assert_eq!(p["timestamp"], crate::NOW);
    assert!(
        p["summary"]
            .as_str()
            .unwrap()
            .starts_with("cleaning job scheduler: The database is unreachable"),
        "{p}"
    );
    let d = &p["custom_details"];
    assert_eq!(d["note"], "db restarts did not help");
    assert_eq!(d["escalated_to"], "On-call engineer (Ops) (primary)");
    assert_eq!(d["causes"][0]["id"], "database-unreachable");
    assert_eq!(d["next_command"], "cleanops db-check --via db");
    assert!(d["checks"].as_array().unwrap().len() >= 5);

    // The next escalation pages the secondary, by PagerDuty and Slack, under the same alert.
    let j = s.run(&["escalate", "--yes", "--json"]).code(0).json();
    assert_eq!(j["role"]["id"], "secondary");
    assert_eq!(j["result"], "ok");
    assert_eq!(j["deliveries"].as_array().unwrap().len(), 2);
    let sent = events(&pd);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["routing_key"], SECONDARY_KEY);
    assert_eq!(sent[1]["dedup_key"], dedup.as_str(), "one alert, not two");
    let posted = messages(&slack);
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].0,
        format!("/services/T0INCIDENT/B0BACKEND/{ROLE_HOOK_TOKEN}")
    );
    assert!(posted[0].1["text"].as_str().unwrap().starts_with(
        "Escalated to Backend lead (secondary): cleaning job scheduler: The database is unreachable"
    ));

    // Acknowledged: for both roles paged, each by its own key, the same dedup_key.
    s.run(&["escalate", "--ack", "--yes"])
        .code(0)
        .stdout_has("acknowledged for primary")
        .stdout_has("acknowledged for secondary");
    let sent = events(&pd);
    assert_eq!(sent.len(), 4);
    for (e, key) in sent[2..].iter().zip([PRIMARY_KEY, SECONDARY_KEY]) {
        assert_eq!(e["event_action"], "acknowledge");
        assert_eq!(e["routing_key"], key);
        assert_eq!(e["dedup_key"], dedup.as_str());
        assert_eq!(e.as_object().unwrap().len(), 3, "{e}");
    }
    assert_eq!(
        messages(&slack).len(),
        2,
        "the secondary's channel hears of it"
    );

    // Not resolved while /readyz is not ready.
    s.run(&["escalate", "--resolve", "--yes"])
        .code(1)
        .stderr_has("refusing to resolve: /readyz is not ready")
        .stderr_has("--force");
    assert_eq!(pd.requests().len(), 4);

    // Healthy again: resolved, for both.
    sim.control(json!({"scenario": "healthy"}));
    s.run(&["escalate", "--resolve", "--yes"])
        .code(0)
        .stdout_has("resolved for primary");
    let sent = events(&pd);
    assert_eq!(sent.len(), 6);
    for e in &sent[4..] {
        assert_eq!(e["event_action"], "resolve");
        assert_eq!(e["dedup_key"], dedup.as_str());
    }

    // The incident channel gets the diagnosis once.
    let before = slack.requests().len();
    let r = s.run(&["notify", "--yes", "--max-age", "0s"]);
    r.code(0)
        .stdout_has("Slack: posted the diagnosis of")
        .stdout_has("to the incident channel");
    let posted = messages(&slack);
    assert_eq!(posted.len(), before + 1);
    let (path, m) = posted.last().unwrap();
    assert_eq!(
        path,
        &format!("/services/T0INCIDENT/B0INCIDENT/{HOOK_TOKEN}")
    );
    let body = m.to_string();
    assert!(body.contains("*cleanops diagnose"), "{body}");
    assert!(
        body.contains("```"),
        "the checks table as a code block: {body}"
    );

    // The record: every escalation, acknowledgement, resolve and notification with its role.
    let audit = s.audit();
    let results = |action: &str| -> Vec<(String, String)> {
        records(&audit, action)
            .iter()
            .map(|r| {
                (
                    r["role"].as_str().unwrap_or("").to_string(),
                    r["result"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        results("escalate"),
        [
            ("primary".into(), "ok".into()),
            ("secondary".into(), "ok".into())
        ]
    );
    assert_eq!(
        results("acknowledge"),
        [("primary, secondary".into(), "ok".into())]
    );
    assert_eq!(
        results("resolve"),
        [("primary, secondary".into(), "ok".into())]
    );
    assert_eq!(
        results("notify"),
        [("incident-channel".into(), "ok".into())]
    );
    let md = s.run(&["timeline", "--markdown"]);
    md.code(0)
        .stdout_has("| escalate → primary |")
        .stdout_has("| escalate → secondary |")
        .stdout_has("| acknowledge → primary, secondary |")
        .stdout_has("| resolve → primary, secondary |")
        .stdout_has("| notify → incident-channel |")
        .stdout_has("pagerduty fp ");
    let tl = s.run(&["timeline", "--json"]).json();
    assert!(
        tl["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["role"] == "secondary" && e["action"] == "escalate")
    );
    s.files_hold_no_secret();

    // The incident is over: the next escalation starts at the head of the chain again.
    let dry = s.run(&["escalate", "--dry-run", "--json"]).json();
    assert_eq!(dry["role"]["id"], "primary");
    // And the timeline can go to the channel too.
    s.run(&["notify", "--timeline", "--yes"]).code(0);
    let (_, m) = messages(&slack).pop().unwrap();
    assert!(
        m.to_string().contains("resolve → primary, secondary"),
        "{m}"
    );
}

#[test]
fn a_role_known_by_name_only_is_recorded_with_its_contact() {
    let sim = TestSim::start("stale-heartbeat");
    let pd = Service::start(pagerduty_answer);
    let slack = Service::start(slack_answer);
    let s = Setup::new(&sim.url, &pd.url, &slack.url);
    s.run(&["escalate", "--yes"]).code(0);
    s.run(&["escalate", "--yes"]).code(0);
    let r = s.run(&["escalate", "--yes"]);
    r.code(0)
        .stdout_has("escalation to Infrastructure owner (tertiary) recorded")
        .stdout_has("Call them now: infra phone +49 30 8765 4321");
    // The whole chain has been paged: the next one must be named.
    s.run(&["escalate", "--yes"])
        .code(2)
        .stderr_has("every role after tertiary has been paged")
        .stderr_has("cleanops escalate ROLE");
    s.run(&["escalate", "tertiary", "--json", "--yes"])
        .code(0)
        .json();
    s.run(&["escalate", "nobody"])
        .code(2)
        .stderr_has("primary, secondary, tertiary");
    let md = s.run(&["timeline", "--markdown"]);
    md.stdout_has("| escalate → tertiary |")
        .stdout_has("manual");
    // Without a profile, the chain is the runbook's three roles as names.
    let home = tempfile::tempdir().unwrap();
    let env = vec![
        ("CLEANOPS_API_URL".to_string(), sim.url.clone()),
        (
            "DOCKER_HOST".to_string(),
            "unix:///nonexistent/docker.sock".to_string(),
        ),
    ];
    let j = crate::run_env(&["escalate", "--json"], &env, &home)
        .code(0)
        .json();
    assert_eq!(j["role"]["name"], "On-call engineer (Ops)");
    assert_eq!(j["sent"], false);
    let j = crate::run_env(&["config", "show", "--json"], &env, &home)
        .code(0)
        .json();
    let rows = j["settings"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("escalation."))
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names[1].starts_with("secondary: Backend lead"), "{names:?}");
    // Only the two roles with keys were sent anything; the tertiary twice recorded.
    assert_eq!(events(&pd).len(), 2);
    assert_eq!(messages(&slack).len(), 1);
    let audit = s.audit();
    let tertiary: Vec<_> = records(&audit, "escalate")
        .into_iter()
        .filter(|r| r["role"] == "tertiary")
        .collect();
    assert_eq!(tertiary.len(), 2);
    assert!(tertiary.iter().all(|r| r["result"] == "manual"));
}

#[test]
fn config_show_masks_every_key_and_webhook() {
    let s = Setup::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
    );
    let r = s.run(&["config", "show"]);
    r.code(0)
        .stdout_has("PagerDuty routing key ******** (fp ")
        .stdout_has("Slack webhook http://127.0.0.1:9/******** (fp ")
        .stdout_has("tertiary: Infrastructure owner")
        .stdout_has("no PagerDuty or Slack");
    let j = s.run(&["config", "show", "--json"]).code(0).json();
    assert!(j.to_string().contains("incident_slack_webhook"));
    // Plain http to another host is refused before anything is read or sent, and a webhook's
    // URL is never echoed in the error.
    let cfg = s.home.path().join("config/cleanops/config.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace(
            "pagerduty_url = \"http://127.0.0.1:9",
            "pagerduty_url = \"http://events.example",
        ),
    )
    .unwrap();
    s.run(&["escalate", "--dry-run"])
        .code(2)
        .stderr_has("refusing plain http:// to events.example");
    std::fs::write(&cfg, &text).unwrap();
    write_secret(
        &s.home.path().join("keys/incident.hook"),
        &format!("http://hooks.example/services/T0INCIDENT/B0/{HOOK_TOKEN}"),
    );
    s.run(&["notify", "--dry-run"])
        .code(2)
        .stderr_has("is plain http:// to hooks.example");
}

// ------------------------------------------------------------------ strict about failure

#[test]
fn a_429_is_retried_as_retry_after_asks() {
    let sim = TestSim::start("stale-heartbeat");
    let pd = Service::start(|req, n| {
        if n == 0 {
            Some(response(
                "429 Too Many Requests",
                "application/json",
                "Retry-After: 1\r\n",
                "{}",
            ))
        } else {
            pagerduty_answer(req, n)
        }
    });
    let slack = Service::start(|req, n| {
        if n == 0 {
            Some(response(
                "429 Too Many Requests",
                "text/html",
                "Retry-After: 1\r\n",
                "rate_limited",
            ))
        } else {
            slack_answer(req, n)
        }
    });
    let s = Setup::new(&sim.url, &pd.url, &slack.url);
    let r = s.run(&["escalate", "--yes"]);
    r.code(0)
        .stderr_has("retrying POST")
        .stderr_has("in 1.0s (HTTP 429");
    assert!(r.elapsed >= Duration::from_secs(1));
    let sent = events(&pd);
    assert_eq!(sent.len(), 2, "the same event again");
    assert_eq!(sent[0], sent[1]);
    let r = s.run(&["notify", "--yes"]);
    r.code(0).stderr_has("in 1.0s (HTTP 429");
    assert_eq!(messages(&slack).len(), 2);

    // Always 429: four attempts, then exit 3 in plain words.
    let pd = Service::start(|_, _| {
        Some(response(
            "429 Too Many Requests",
            "application/json",
            "Retry-After: 0\r\n",
            "{}",
        ))
    });
    let s = Setup::new(&sim.url, &pd.url, "http://127.0.0.1:9");
    s.run(&["escalate", "--yes"])
        .code(3)
        .stderr_has("PagerDuty rate-limited the event for On-call engineer (Ops) (primary)");
    assert_eq!(pd.requests().len(), 4);
    let audit = s.audit();
    assert_eq!(records(&audit, "escalate")[0]["result"], "failed");
    // A failed page is no page: the next escalation is for the same role.
    let dry = s.run(&["escalate", "--dry-run", "--json"]).json();
    assert_eq!(dry["role"]["id"], "primary");
}

#[test]
fn refusals_are_said_in_plain_words_and_not_retried() {
    let sim = TestSim::start("stale-heartbeat");
    let pd = Service::start(|_, _| {
        Some(response(
            "400 Bad Request",
            "application/json",
            "",
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}"#,
        ))
    });
    let slack = Service::start(|req, _| {
        Some(if req.path.contains("B0INCIDENT") {
            response("404 Not Found", "text/html", "", "no_service")
        } else {
            response("400 Bad Request", "text/html", "", "invalid_payload")
        })
    });
    let s = Setup::new(&sim.url, &pd.url, &slack.url);
    let r = s.run(&["escalate", "--yes"]);
    r.code(4)
        .stderr_has("PagerDuty refused the routing key of On-call engineer (Ops) (primary) (HTTP 400, invalid event)")
        .stderr_has("Length of 'routing_key' is incorrect")
        .stderr_has("primary.key");
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
    assert_eq!(pd.requests().len(), 1);
    let r = s.run(&["notify", "--yes"]);
    r.code(4)
        .stderr_has("no_service")
        .stderr_has("the webhook was disabled, removed, or is mistyped");
    // The secondary's own webhook: Slack cannot read the message (5), PagerDuty refuses (4);
    // both said, the first decides the exit code, the JSON has both.
    let j = s.run(&["escalate", "secondary", "--yes", "--json"]);
    j.code(4).stderr_has("invalid_payload");
    let doc = j.json();
    assert_eq!(doc["result"], "failed");
    assert_eq!(doc["deliveries"][1]["http_status"], 400);
    assert_eq!(doc["exit_code"], 4);
}

#[test]
fn an_unreachable_or_silent_service_is_exit_3_in_bounded_time() {
    let sim = TestSim::start("stale-heartbeat");
    let closed = {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}")
    };
    let s = Setup::new(&sim.url, &closed, &closed);
    let r = s.run(&["escalate", "--yes"]);
    r.code(3)
        .stderr_has("could not connect to 127.0.0.1")
        .stderr_has("retrying POST");
    let r = s.run(&["notify", "--yes"]);
    r.code(3).stderr_has("could not connect");
    // A service that takes the request and never answers: --timeout bounds each attempt; a
    // Slack message is not sent again (it may have been posted).
    let silent = Service::start(|_, _| None);
    let s = Setup::new(&sim.url, &silent.url, &silent.url);
    let r = s.run(&["notify", "--yes", "--timeout", "1s"]);
    r.code(3)
        .stderr_has("no answer within 1s")
        .stderr_has("may or may not have been posted");
    assert_eq!(silent.requests().len(), 1);
    assert!(r.elapsed < Duration::from_secs(15), "took {:?}", r.elapsed);
}

#[test]
fn tls_to_the_services_with_a_certificate_made_now() {
    let sim = TestSim::start("stale-heartbeat");
    let dir = tempfile::tempdir().unwrap();
    let (pd, pem) = Service::start_tls(dir.path(), pagerduty_answer);
    let s = Setup::new(&sim.url, &pd.url, "http://127.0.0.1:9");
    let r = s.run(&["escalate", "--yes", "--timeout", "3s"]);
    r.code(3)
        .stderr_has("the TLS certificate of 127.0.0.1 was refused")
        .stderr_has("--cacert");
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
    assert!(pd.requests().is_empty());
    let pem = pem.display().to_string();
    s.run(&["escalate", "--yes", "--cacert", &pem])
        .code(0)
        .stdout_has("Event processed");
    assert_eq!(events(&pd).len(), 1);
}

#[test]
fn remediate_escalates_once_when_the_walk_stops() {
    let sim = TestSim::start("db-down");
    let pd = Service::start(pagerduty_answer);
    let s = Setup::new(&sim.url, &pd.url, "http://127.0.0.1:9");
    // The plan says it.
    s.run(&["remediate", "--dry-run", "--escalate-after", "10m"])
        .code(0)
        .stdout_has("cleanops escalate (the next role: On-call engineer (Ops) (primary))");
    assert!(pd.requests().is_empty());
    // The database check needs the engine, which is not there: the walk stops, and pages.
    let j = s
        .run(&["remediate", "--yes", "--json", "--escalate-after", "10m"])
        .code(1)
        .json();
    assert_eq!(j["escalated"]["role"], "primary");
    assert_eq!(j["escalated"]["exit_code"], 0);
    let sent = events(&pd);
    assert_eq!(sent.len(), 1, "once");
    let note = sent[0]["payload"]["custom_details"]["note"]
        .as_str()
        .unwrap();
    assert!(
        note.starts_with("escalated by cleanops remediate --escalate-after: step 1"),
        "{note}"
    );
    // Without the flag, no page.
    s.run(&["remediate", "--yes", "--json"]).code(1);
    assert_eq!(pd.requests().len(), 1);
}

// ------------------------------------------------------------------ the Docker test stack

#[test]
fn on_the_stack_with_jobs_killed_escalate_ack_resolve_and_notify() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(crate::docker::ENV);
    let pd = Service::start(pagerduty_answer);
    let slack = Service::start(slack_answer);
    // The stack's HOME, with a chain whose only role reached is the primary.
    let setup = Setup::in_home(
        tempfile::tempdir().unwrap(),
        &stack.api_url,
        &pd.url,
        &slack.url,
    );
    let cfg = std::fs::read_to_string(setup.home.path().join("config/cleanops/config.toml"))
        .unwrap()
        .replace(
            &format!(
                "pagerduty_routing_key_file = \"{}\"\nslack_webhook_file",
                setup.home.path().join("keys/secondary.key").display()
            ),
            "# no key\nslack_webhook_file",
        );
    let dir = stack.dir.path().join("config/cleanops");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), cfg).unwrap();
    let run = |args: &[&str]| {
        let r = stack.cleanops(args);
        no_secret(&format!("{}{}", r.stdout, r.stderr), &format!("{args:?}"));
        r
    };
    stack.docker(&["kill", &stack.container_id("jobs")]);
    // The killed runner's last heartbeat, long gone stale (the runbook's alert).
    stack.control(json!({"heartbeat_age_seconds": 1278.4}));

    // The dry run: a valid Events API v2 trigger carrying the verdict.
    let r = run(&["escalate", "--dry-run"]);
    r.code(0);
    let start = r.stdout.find("\n{\n").expect("the event in the dry run") + 1;
    let end = start + r.stdout[start..].find("\n}\n").expect("its end") + 2;
    let event: Value = serde_json::from_str(&r.stdout[start..end]).unwrap();
    assert!(
        pagerduty_problems(&event, Some("********")).is_empty(),
        "{event:#}"
    );
    assert_eq!(event["event_action"], "trigger");
    assert_eq!(event["payload"]["severity"], "critical");
    assert_eq!(event["payload"]["class"], "jobs-container-down");
    assert!(
        event["payload"]["summary"]
            .as_str()
            .unwrap()
            .contains("The jobs container is not running"),
        "{event:#}"
    );
    assert!(
        event["payload"]["source"]
            .as_str()
            .unwrap()
            .contains(&format!("compose project {}", stack.project))
    );
    assert!(pd.requests().is_empty());

    run(&["escalate", "--yes"]).code(0);
    run(&["escalate", "--ack", "--yes"]).code(0);
    run(&["escalate", "--resolve", "--yes"])
        .code(1)
        .stderr_has("refusing to resolve");
    run(&["restart", "jobs", "--yes", "--wait-heartbeat"]).code(0);
    run(&["escalate", "--resolve", "--yes"]).code(0);
    run(&["notify", "--yes"]).code(0);
    let sent = events(&pd);
    let actions: Vec<&str> = sent
        .iter()
        .map(|e| e["event_action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["trigger", "acknowledge", "resolve"], "once each");
    assert!(sent.iter().all(|e| e["routing_key"] == PRIMARY_KEY));
    assert!(sent.iter().all(|e| e["dedup_key"] == sent[0]["dedup_key"]));
    assert_eq!(messages(&slack).len(), 1);
    let md = run(&["timeline", "--markdown"]);
    md.code(0)
        .stdout_has("| escalate → primary |")
        .stdout_has("| acknowledge → primary |")
        .stdout_has("| resolve → primary |")
        .stdout_has("| notify → incident-channel |")
        .stdout_has("| restart |");
}
