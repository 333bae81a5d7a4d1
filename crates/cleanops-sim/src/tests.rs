//! The simulator over real HTTP: status codes, headers, content types and the order of gates,
//! as a client meets them. The state logic has its own unit tests next to it.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use time::macros::datetime;

use super::{Control, Scenario, Sim, SimOptions};

const ADMIN: (&str, &str) = ("admin", "sim-admin-password");
const VIEWER: (&str, &str) = ("viewer", "sim-viewer-password");

struct Client {
    http: reqwest::Client,
    base: String,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

impl Client {
    async fn send(
        &self,
        method: &str,
        path: &str,
        user: Option<(&str, &str)>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some((u, p)) = user {
            req = req.basic_auth(u, Some(p));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("the simulator answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.expect("a whole body").to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, user: Option<(&str, &str)>) -> Answer {
        self.send("GET", path, user, &[]).await
    }

    async fn replay(&self, path: &str, key: Option<&str>) -> Answer {
        let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
        self.send("POST", path, Some(ADMIN), &headers).await
    }
}

async fn start(scenario: Scenario) -> (Sim, Client) {
    start_with(SimOptions {
        scenario,
        fixed_now: Some(datetime!(2026-04-05 20:11:19.123456 UTC)),
        ..SimOptions::default()
    })
    .await
}

async fn start_with(opts: SimOptions) -> (Sim, Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = Sim::start(listener, opts).await.unwrap();
    // A new connection for every request: the simulator closes one after each 500, as uvicorn
    // does, and these tests are about answers, not connection reuse (see
    // `a_500_closes_its_connection`).
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let client = Client {
        http,
        base: sim.url(),
    };
    (sim, client)
}

fn control(sim: &Sim, doc: Value) {
    let c: Control = serde_json::from_value(doc).unwrap();
    sim.control(c).unwrap();
}

fn item_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn health_routes_and_routing_errors() {
    let (sim, c) = start(Scenario::Healthy).await;
    let a = c.get("/healthz", None).await;
    assert_eq!((a.status, a.json()), (200, json!({"status": "ok"})));
    assert_eq!(a.header("date"), Some("Sun, 05 Apr 2026 20:11:19 GMT"));
    assert!(a.header("x-request-id").is_some());

    let a = c.send("HEAD", "/healthz", None, &[]).await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty());

    let a = c.send("HEAD", "/readyz", None, &[]).await;
    assert_eq!(a.status, 405);
    let a = c.send("POST", "/readyz", None, &[]).await;
    assert_eq!(a.json(), json!({"detail": "Method Not Allowed"}));
    assert_eq!(a.content_type(), Some("application/json"));

    let a = c.get("/nope", None).await;
    assert_eq!((a.status, a.json()), (404, json!({"detail": "Not Found"})));

    let a = c
        .send("GET", "/healthz", None, &[("X-Request-ID", "req-123")])
        .await;
    assert_eq!(a.header("x-request-id"), Some("req-123"));

    // The runbook's POSTs to the lists: 405, after authentication.
    let a = c
        .send("POST", "/v1/admin/outbox/dead-letter", Some(ADMIN), &[])
        .await;
    assert_eq!(
        (a.status, a.json()),
        (405, json!({"detail": "Method Not Allowed"}))
    );
    let a = c
        .send("POST", "/v1/admin/export-dead-letter", None, &[])
        .await;
    assert_eq!(a.status, 401);
    // "View Details" targets do not exist.
    let a = c.get("/v1/admin/outbox/x", Some(ADMIN)).await;
    assert_eq!(a.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn readyz_answers_json_on_503_too() {
    let (sim, c) = start(Scenario::StaleHeartbeat).await;
    let a = c.get("/readyz", None).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.content_type(), Some("application/json"));
    let body = a.json();
    assert_eq!(body["ok"], false);
    assert_eq!(body["checks"][2]["detail"]["age_seconds"], 1278.4);

    control(&sim, json!({"scenario": "healthy"}));
    let a = c.get("/readyz", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["checks"][2]["detail"]["age_seconds"], 42.7);
    sim.shutdown().await;
}

#[tokio::test]
async fn authentication_and_roles() {
    let (sim, c) = start(Scenario::DlqBacklog).await;
    let a = c.get("/v1/admin/jobs/status", None).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.json(), json!({"detail": "Invalid authentication"}));
    assert_eq!(a.content_type(), Some("application/json"));
    assert_eq!(a.header("www-authenticate"), Some("Basic"));
    assert_eq!(
        a.header("x-admin-auth-fail-reason"),
        Some("invalid_credentials")
    );

    let a = c.get("/v1/admin/whoami", Some(VIEWER)).await;
    assert_eq!(
        a.json(),
        json!({"username": "viewer", "role": "viewer", "org_id": "00000000-0000-0000-0000-000000000001"})
    );
    let a = c.get("/v1/admin/jobs/status", Some(VIEWER)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json().as_array().unwrap().len(), 24);

    // The viewer may not read the DLQ: 403 problem+json, checked before query validation.
    let a = c.get("/v1/admin/queue/dlq?kind=email", Some(VIEWER)).await;
    assert_eq!(a.status, 403);
    assert_eq!(a.content_type(), Some("application/problem+json"));
    assert_eq!(
        a.header("x-admin-auth-fail-reason"),
        Some("forbidden_permission")
    );
    assert!(a.header("www-authenticate").is_none());
    let body = a.json();
    assert_eq!(body["title"], "Forbidden");
    assert_eq!(body["type"], "https://example.com/problems/domain-error");
    assert_eq!(body["request_id"], a.header("x-request-id").unwrap());
    let a = c
        .replay(
            "/v1/admin/outbox/00000b0c-0000-4000-8000-000000000001/replay",
            Some("k"),
        )
        .await;
    assert_eq!(a.status, 202, "the admin may");
    let a = c
        .send(
            "POST",
            "/v1/admin/outbox/00000b0c-0000-4000-8000-000000000001/replay",
            Some(VIEWER),
            &[("Idempotency-Key", "k")],
        )
        .await;
    assert_eq!(a.status, 403);
    sim.shutdown().await;
}

#[tokio::test]
async fn dlq_validation_and_paging() {
    let (sim, c) = start(Scenario::DlqBacklog).await;
    let a = c
        .get(
            "/v1/admin/queue/dlq?kind=email&limit=101&offset=-1",
            Some(ADMIN),
        )
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(a.content_type(), Some("application/problem+json"));
    let body = a.json();
    assert_eq!(body["title"], "Validation Error");
    assert_eq!(
        body["errors"],
        json!([
            {"field": "kind", "message": "Input should be 'outbox', 'export' or 'all'"},
            {"field": "limit", "message": "Input should be less than or equal to 100"},
            {"field": "offset", "message": "Input should be greater than or equal to 0"},
        ])
    );
    let a = c.get("/v1/admin/queue/dlq?limit=abc", Some(ADMIN)).await;
    assert_eq!(
        a.json()["errors"][0]["message"],
        "Input should be a valid integer, unable to parse string as an integer"
    );

    let first = c
        .get("/v1/admin/queue/dlq?limit=30", Some(ADMIN))
        .await
        .json();
    let second = c
        .get("/v1/admin/queue/dlq?limit=30&offset=30", Some(ADMIN))
        .await
        .json();
    assert_eq!(first["total"], 40);
    let mut ids = item_ids(&first);
    ids.extend(item_ids(&second));
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);

    let list = c
        .get("/v1/admin/outbox/dead-letter?limit=500", Some(VIEWER))
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 37);
    let a = c
        .get("/v1/admin/outbox/dead-letter?limit=501", Some(VIEWER))
        .await;
    assert_eq!(a.status, 422);
    let exports = c
        .get("/v1/admin/export-dead-letter", Some(VIEWER))
        .await
        .json();
    assert_eq!(exports["total"], 5);
    sim.shutdown().await;
}

#[tokio::test]
async fn single_replay_follows_the_contract() {
    let (sim, c) = start(Scenario::DlqBacklog).await;
    let page = c
        .get("/v1/admin/queue/dlq?kind=outbox&limit=2", Some(ADMIN))
        .await
        .json();
    let ids = item_ids(&page);
    let path = |id: &str| format!("/v1/admin/outbox/{id}/replay");

    let a = c.replay(&path(&ids[0]), None).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["title"], "Idempotency key required");
    assert_eq!(
        a.json()["type"],
        "https://example.com/problems/validation-error"
    );

    let first = c.replay(&path(&ids[0]), Some("key-1")).await;
    assert_eq!(first.status, 202);
    assert_eq!(first.content_type(), Some("application/json"));
    assert!(first.header("idempotency-key").is_none(), "only on replays");
    let body = first.json();
    assert_eq!(body["status"], "pending");
    assert_eq!(body["attempts"], 0);
    assert_eq!(body["next_attempt_at"], "2026-04-05T20:11:19.123456Z");

    let again = c.replay(&path(&ids[0]), Some("key-1")).await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body, first.body, "byte-identical");
    assert_eq!(again.header("idempotency-key"), Some("key-1"));

    // Four calls so far consumed the per-action quota (5/min): the sixth is refused.
    let other = c.replay(&path(&ids[1]), Some("key-1")).await;
    assert_eq!(other.status, 409);
    assert_eq!(other.json()["title"], "Idempotency conflict");
    let missing = c
        .replay(&path("00000000-0000-4000-8000-0000000fffff"), Some("key-2"))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["detail"], "Outbox event not found");
    let limited = c.replay(&path(&ids[1]), Some("key-3")).await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.json()["detail"],
        "Rate limit exceeded for this action"
    );
    assert!(limited.header("retry-after").is_none());

    let state = sim.state();
    assert_eq!(state["outbox"]["pending"], 1);
    assert_eq!(state["rate_limited"]["action"], 1);
    let statuses: Vec<u64> = state["replays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [400, 202, 202, 409, 404, 429]);
    sim.shutdown().await;
}

#[tokio::test]
async fn replaying_a_sent_event_sends_it_again() {
    let (sim, c) = start_with(SimOptions {
        scenario: Scenario::Healthy,
        runner_interval: Duration::from_millis(20),
        ..SimOptions::default()
    })
    .await;
    control(&sim, json!({"add_sent": 1, "action_limit_per_minute": 100}));
    let id = sim.state()["deliveries"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let a = c
        .replay(&format!("/v1/admin/outbox/{id}/replay"), Some("again"))
        .await;
    assert_eq!(a.status, 202);
    let non_uuid = c.replay("/v1/admin/outbox/abc/replay", Some("x")).await;
    assert_eq!(non_uuid.status, 500);
    assert_eq!(non_uuid.json()["detail"], "Unexpected error");
    for _ in 0..200 {
        if sim.state()["deliveries"][&id] == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sim.state()["deliveries"][&id], 2, "delivered twice");
    sim.shutdown().await;
}

#[tokio::test]
async fn upstream_defects() {
    let (sim, c) = start(Scenario::UpstreamDefects).await;
    assert_eq!(c.get("/v1/admin/queue/dlq", Some(ADMIN)).await.status, 500);
    let a = c.get("/v1/admin/queue/dlq?kind=outbox", Some(ADMIN)).await;
    assert_eq!(a.status, 500);
    assert_eq!(
        a.json()["type"],
        "https://example.com/problems/server-error"
    );
    assert_eq!(
        c.get("/v1/admin/queue/dlq?kind=export", Some(ADMIN))
            .await
            .status,
        200
    );

    // kind=export still answers, with the true counts of both kinds (§13).
    let export = c
        .get("/v1/admin/queue/dlq?kind=export", Some(ADMIN))
        .await
        .json();
    assert_eq!(export["outbox_dead_count"], 5);
    assert_eq!(export["export_dead_count"], 0);
    // No endpoint lists dead outbox events once one exists.
    let a = c.get("/v1/admin/outbox/dead-letter", Some(ADMIN)).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.json()["detail"], "Unexpected error");

    let id = sim.shared.world().outbox[0].event_id.clone();
    // Every keyed replay: an empty 409 with Retry-After: 1, forever (§12).
    for attempt in 0..3 {
        let a = c
            .replay(&format!("/v1/admin/outbox/{id}/replay"), Some("k-1"))
            .await;
        assert_eq!(a.status, 409, "attempt {attempt}");
        assert!(a.body.is_empty());
        assert!(a.content_type().is_none());
        assert_eq!(a.header("retry-after"), Some("1"));
        assert_eq!(a.header("idempotency-key"), Some("k-1"));
    }
    assert_eq!(sim.state()["outbox"]["dead"], 5, "untouched");
    let a = c
        .replay(&format!("/v1/admin/outbox/{id}/replay"), None)
        .await;
    assert_eq!(a.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_replay_gates() {
    let (sim, c) = start(Scenario::DlqBacklog).await;
    let a = c.replay("/v1/admin/queue/dlq/replay", Some("b")).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["detail"], "confirm_batch_replay_required");
    let a = c
        .send(
            "POST",
            "/v1/admin/queue/dlq/replay?confirm=true",
            Some(ADMIN),
            &[("Idempotency-Key", "b"), ("X-Correlation-ID", "corr-1")],
        )
        .await;
    assert_eq!(a.status, 202);
    assert_eq!(
        a.json(),
        json!({"processed": 0, "sent": 0, "failed": 0, "skipped": 1, "correlation_id": "corr-1"})
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn global_rate_limit_counts_401s_but_not_health() {
    let (sim, c) = start(Scenario::Healthy).await;
    control(&sim, json!({"global_limit_per_minute": 2}));
    for _ in 0..5 {
        assert_eq!(c.get("/readyz", None).await.status, 200);
    }
    assert_eq!(c.get("/v1/admin/whoami", None).await.status, 401);
    assert_eq!(c.get("/v1/admin/whoami", Some(ADMIN)).await.status, 200);
    let a = c.get("/v1/admin/whoami", Some(ADMIN)).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.content_type(), Some("application/problem+json"));
    assert_eq!(a.json()["detail"], "Rate limit exceeded");
    assert_eq!(a.json()["title"], "Too Many Requests");
    assert!(a.header("retry-after").is_none());
    assert_eq!(sim.state()["rate_limited"]["global"], 1);
    let requests = sim.state()["requests"].as_array().unwrap().len();
    assert_eq!(requests, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn db_down_breaks_admin_reads_but_not_auth() {
    let (sim, c) = start(Scenario::DbDown).await;
    assert_eq!(c.get("/readyz", None).await.status, 503);
    assert_eq!(c.get("/v1/admin/whoami", Some(ADMIN)).await.status, 200);
    let a = c.get("/v1/admin/jobs/status", Some(ADMIN)).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.json()["title"], "Internal Server Error");
    assert_eq!(c.get("/v1/admin/jobs/status", None).await.status, 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn runner_writes_heartbeats_and_crashes_with_the_db() {
    let (sim, c) = start_with(SimOptions {
        scenario: Scenario::HeartbeatMissing,
        runner_interval: Duration::from_millis(20),
        ..SimOptions::default()
    })
    .await;
    assert_eq!(
        c.get("/v1/admin/jobs/status", Some(ADMIN)).await.json(),
        json!([])
    );
    assert_eq!(c.get("/readyz", None).await.status, 503);
    control(&sim, json!({"runner_running": true}));
    for _ in 0..200 {
        if sim.state()["runner"]["loops"].as_u64().unwrap() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sim.state()["runner"]["loops"].as_u64().unwrap() >= 2);
    assert_eq!(c.get("/readyz", None).await.status, 200);
    let rows = c.get("/v1/admin/jobs/status", Some(ADMIN)).await.json();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 24);

    control(&sim, json!({"db_down": true}));
    let state = sim.state();
    assert_eq!(state["runner"]["running"], false);
    assert_eq!(state["runner"]["crashes"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults() {
    let (sim, c) = start(Scenario::Healthy).await;
    control(
        &sim,
        json!({"fault": "html", "fault_path_prefix": "/readyz"}),
    );
    let a = c.get("/readyz", None).await;
    assert_eq!(a.status, 502);
    assert_eq!(a.content_type(), Some("text/html"));
    assert_eq!(c.get("/healthz", None).await.status, 200, "not covered");

    control(
        &sim,
        json!({"fault": "malformed", "fault_path_prefix": null}),
    );
    let a = c.get("/healthz", None).await;
    assert_eq!(a.body, br#"{"ok": tru"#);
    control(&sim, json!({"fault": "invalid-utf8"}));
    let a = c.get("/readyz", None).await;
    assert!(std::str::from_utf8(&a.body).is_err());
    control(&sim, json!({"fault": "oversized"}));
    let a = c.get("/readyz", None).await;
    assert!(a.body.len() >= 10_000_000);
    assert!(serde_json::from_slice::<Value>(&a.body).is_ok());

    control(&sim, json!({"fault": "truncated"}));
    let resp = c
        .http
        .get(format!("{}/readyz", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err(), "the body breaks off");

    control(&sim, json!({"fault": "hang"}));
    let hung = c
        .http
        .get(format!("{}/readyz", c.base))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(hung.unwrap_err().is_timeout());
    // The control API is never faulted.
    let state = c.get("/_sim/state", None).await;
    assert_eq!(state.status, 200);
    control(&sim, json!({"fault": null}));
    assert_eq!(c.get("/healthz", None).await.status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn control_over_http_refuses_unknown_fields() {
    let (sim, c) = start(Scenario::Healthy).await;
    let resp = c
        .http
        .post(format!("{}/_sim/control", c.base))
        .body(r#"{"runner_runing": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("runner_runing"));
    let resp = c
        .http
        .post(format!("{}/_sim/control", c.base))
        .body(r#"{"scenario": "dlq-backlog", "latency_ms": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["scenario"], "dlq-backlog");
    assert_eq!(body["outbox"]["dead"], 37);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_runner_process_reports_its_loops() {
    let (sim, c) = start(Scenario::HeartbeatMissing).await;
    let post = |body: Value| {
        let req = c
            .http
            .post(format!("{}/_sim/worker-loop", c.base))
            .json(&body);
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let view = c.get("/_sim/processes", None).await.json();
    assert_eq!(
        view,
        json!({"db_down": false, "fail_jobs": [], "loop_seconds": 0.0})
    );

    // A first loop in which a job fails: its row hides the failure (docs/app-contract.md §6.3).
    let (status, body) =
        post(json!({"runner_id": "0123456789ab", "failed_jobs": ["gcal-sync"]})).await;
    assert_eq!((status, body), (200, json!({"loops": 1})));
    let rows = c.get("/v1/admin/jobs/status", Some(ADMIN)).await.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 24);
    let gcal = rows.iter().find(|r| r["name"] == "gcal-sync").unwrap();
    assert_eq!(gcal["consecutive_failures"], 0);
    assert_eq!(gcal["last_success_at"], Value::Null);
    assert!(rows.iter().all(|r| r["runner_id"] == "0123456789ab"));
    assert_eq!(c.get("/readyz", None).await.status, 200);

    // `--job` loops write only their rows, and still the heartbeat.
    let (status, _) =
        post(json!({"runner_id": "x", "jobs": ["nps-send"], "failed_jobs": []})).await;
    assert_eq!(status, 200);
    assert_eq!(sim.state()["job_rows"], 25);

    // Wrong reports change nothing.
    for bad in [
        json!({"runner_id": "x", "jobs": ["storage_janitor"]}),
        json!({"runner_id": "x", "failed_jobs": ["nope"]}),
        json!({"runner_id": "x", "jobs": []}),
        json!({"runner_id": "x".repeat(129)}),
        json!({"runner": "x"}),
    ] {
        let (status, body) = post(bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    assert_eq!(sim.state()["runner"]["loops"], 2);

    // With the database down, nothing is written and the process is told so.
    control(&sim, json!({"db_down": true, "fail_jobs": ["qbo-sync"]}));
    let (status, body) = post(json!({"runner_id": "x"})).await;
    assert_eq!((status, body), (503, json!({"error": "db_down"})));
    assert_eq!(sim.state()["runner"]["loops"], 2);
    let view = c.get("/_sim/processes", None).await.json();
    assert_eq!(view["db_down"], true);
    assert_eq!(view["fail_jobs"], json!(["qbo-sync"]));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_500_closes_its_connection() {
    let (sim, _) = start(Scenario::UpstreamDefects).await;
    // A client that keeps connections, like cleanops's.
    let pooled = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = |path: &str| format!("{}{path}", sim.url());
    let get = |path: &str| {
        pooled
            .get(url(path))
            .basic_auth(ADMIN.0, Some(ADMIN.1))
            .send()
    };
    // Keep-alive after an ordinary answer: the same connection serves the next request.
    let ok = get("/v1/admin/queue/dlq?kind=export").await.unwrap();
    assert_eq!(ok.status(), 200);
    ok.bytes().await.unwrap();
    let ok = get("/v1/admin/jobs/status").await.unwrap();
    assert_eq!(ok.status(), 200);
    ok.bytes().await.unwrap();

    let failed = get("/v1/admin/queue/dlq?kind=all").await.unwrap();
    assert_eq!(failed.status(), 500);
    assert!(
        failed.headers().get("connection").is_none(),
        "uvicorn says nothing: the close comes unannounced"
    );
    failed.bytes().await.unwrap();
    // The next request goes out on the pooled connection, which the server is closing.
    let err = get("/v1/admin/queue/dlq?kind=export")
        .await
        .expect_err("a reused connection closed after a 500");
    let chain = {
        let mut text = err.to_string();
        let mut src = std::error::Error::source(&err);
        while let Some(s) = src {
            text.push_str(&format!(": {s}"));
            src = s.source();
        }
        text
    };
    assert!(
        chain.contains("connection closed before message completed")
            || chain.contains("reset")
            || chain.contains("broken pipe"),
        "{chain}"
    );
    // On a fresh connection it answers.
    let again = get("/v1/admin/queue/dlq?kind=export").await.unwrap();
    assert_eq!(again.status(), 200);
    let logged = sim.state()["requests"].as_array().unwrap().len();
    assert_eq!(
        logged, 4,
        "the request on the closing connection was never read"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn jobs_enabled_is_read_by_the_api_only() {
    // Contract §13: the runner ignores JOBS_ENABLED and runs either way; in the api, with
    // JOB_HEARTBEAT_REQUIRED, it decides whether readiness enforces the heartbeat.
    let (sim, c) = start_with(SimOptions {
        scenario: Scenario::HeartbeatMissing,
        runner_interval: Duration::from_millis(20),
        ..SimOptions::default()
    })
    .await;
    control(&sim, json!({"jobs_enabled": false, "runner_running": true}));
    for _ in 0..200 {
        if sim.state()["runner"]["loops"].as_u64().unwrap() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        sim.state()["runner"]["loops"].as_u64().unwrap() >= 2,
        "the runner loops with JOBS_ENABLED=false"
    );
    // Still enforced through JOB_HEARTBEAT_REQUIRED: a stale heartbeat fails readiness.
    control(
        &sim,
        json!({"runner_running": false, "heartbeat_age_seconds": 600}),
    );
    let a = c.get("/readyz", None).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.json()["checks"][2]["detail"]["jobs_enabled"], false);
    // Both off: the check is not enforced.
    control(&sim, json!({"heartbeat_required": false}));
    let a = c.get("/readyz", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["checks"][2]["detail"]["enabled"], false);
    // JOBS_ENABLED alone (on) enforces it again.
    control(&sim, json!({"jobs_enabled": true}));
    assert_eq!(c.get("/readyz", None).await.status, 503);
    sim.shutdown().await;
}
