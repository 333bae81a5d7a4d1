//! The HTTP side: the router, and one front middleware that stands for the app's middleware
//! stack (request id, global rate limit, admin authentication) plus what the simulator adds
//! in front of it (latency, faults).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use serde_json::json;

use super::admin;
use super::auth::{Identity, mfa_asserted};
use super::clock::{self, http_date, random_uuid};
use super::conn::Peer;
use super::control::Control;
use super::faults;
use super::health;
use super::respond;
use super::runner::{LoopRefused, LoopReport};
use super::state::{RequestLog, Shared};

type App = Arc<Shared>;

/// Paths the global limiter never counts (`RateLimitMiddleware.exempt_paths`).
const RATE_EXEMPT: [&str; 3] = ["/healthz", "/readyz", "/healthz/backup"];

/// What the front middleware learned about a request, for the handlers.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub request_id: String,
    /// Set on `/v1/admin` paths, which never reach a handler unauthenticated.
    pub identity: Option<Identity>,
}

pub(crate) fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz).head(healthz_head))
        .route("/healthz/backup", get_only(backup))
        .route("/readyz", get_only(readyz))
        .route("/v1/admin/whoami", get_only(admin::whoami))
        .route("/v1/admin/jobs/status", get_only(admin::jobs_status))
        .route("/v1/admin/queue/dlq", get_only(admin::dlq))
        .route("/v1/admin/queue/dlq/replay", post(admin::replay_batch))
        .route(
            "/v1/admin/outbox/dead-letter",
            get_only(admin::outbox_dead_letter),
        )
        .route(
            "/v1/admin/outbox/{event_id}/replay",
            post(admin::replay_outbox),
        )
        .route(
            "/v1/admin/export-dead-letter",
            get_only(admin::export_dead_letter),
        )
        .route(
            "/v1/admin/export-dead-letter/{event_id}/replay",
            post(admin::replay_export),
        )
        .route("/_sim/control", post(sim_control))
        .route("/_sim/state", get_only(sim_state))
        .route("/_sim/processes", get_only(sim_processes))
        .route("/_sim/worker-loop", post(sim_worker_loop))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), front))
        .with_state(app)
}

/// A GET route that does not answer HEAD: FastAPI adds no implicit HEAD, so HEAD /readyz is a
/// 405, while axum would otherwise serve it from the GET handler.
fn get_only<H, T>(handler: H) -> MethodRouter<App>
where
    H: axum::handler::Handler<T, App>,
    T: 'static,
{
    get(handler).head(method_not_allowed)
}

async fn front(State(app): State<App>, req: Request, next: Next) -> Response {
    let conn = req
        .extensions()
        .get::<ConnectInfo<Peer>>()
        .map(|c| c.0.clone());
    let peer = conn
        .as_ref()
        .map(|c| c.addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(random_uuid);
    let path = req.uri().path().to_owned();
    if path == "/_sim" || path.starts_with("/_sim/") {
        // The control API is the test's back door: no latency, faults, limits, auth or log.
        let mut resp = next.run(req).await;
        respond::set_header(&mut resp, "x-request-id", &request_id);
        return resp;
    }
    let mut log = RequestLog {
        method: req.method().to_string(),
        path: path.clone(),
        query: req.uri().query().map(str::to_owned),
        status: 0,
        request_id: request_id.clone(),
        authorization: req.headers().contains_key(header::AUTHORIZATION),
        mfa: mfa_asserted(req.headers()),
        at_ms: u64::try_from(app.started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };

    let mut resp = answer(&app, req, next, &path, peer, &request_id).await;
    if resp.status() == StatusCode::INTERNAL_SERVER_ERROR
        && let Some(conn) = &conn
    {
        // An unhandled exception: uvicorn closes the connection after the 500 (docs/app-contract.md §13).
        conn.close_after_response();
    }

    // uvicorn dates every response; here from the simulated clock, so drift is visible.
    let now = {
        let mut w = app.world();
        log.status = resp.status().as_u16();
        w.log_request(log);
        w.now()
    };
    if let Some(date) = http_date(now).and_then(|d| HeaderValue::from_str(&d).ok()) {
        resp.headers_mut().insert(header::DATE, date);
    }
    respond::set_header(&mut resp, "x-request-id", &request_id);
    resp
}

/// Latency, then a fault or the app's own middleware, then the route.
async fn answer(
    app: &App,
    mut req: Request,
    next: Next,
    path: &str,
    peer: IpAddr,
    request_id: &str,
) -> Response {
    let (latency_ms, fault) = {
        let w = app.world();
        (w.latency_ms, w.fault_for(path))
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    if let Some(fault) = fault {
        return faults::respond(fault, app.shutdown.clone()).await;
    }
    match gate(app, &req, path, peer, request_id) {
        Err(resp) => resp,
        Ok(identity) => {
            req.extensions_mut().insert(Ctx {
                request_id: request_id.to_owned(),
                identity,
            });
            next.run(req).await
        }
    }
}

/// The global rate limit, then admin authentication, in the app's middleware order: the
/// limiter counts requests that then fail authentication.
fn gate(
    app: &App,
    req: &Request,
    path: &str,
    peer: IpAddr,
    request_id: &str,
) -> Result<Option<Identity>, Response> {
    let mut w = app.world();
    if !RATE_EXEMPT.contains(&path) {
        let limit = w.global_limit_per_minute;
        if !w
            .global_limiter
            .allow(&peer.to_canonical().to_string(), limit, Instant::now())
        {
            w.throttled_global += 1;
            return Err(respond::too_many("Rate limit exceeded", request_id));
        }
    }
    if !path.starts_with("/v1/admin") {
        return Ok(None);
    }
    match w.auth.authenticate(req.headers(), peer) {
        Ok(identity) => Ok(Some(identity)),
        Err(failure) => {
            let mut resp = respond::detail(StatusCode::UNAUTHORIZED, failure.detail);
            if let Some(reason) = failure.reason {
                respond::set_header(&mut resp, "www-authenticate", "Basic");
                respond::set_header(&mut resp, "x-admin-auth-fail-reason", reason);
            }
            Err(resp)
        }
    }
}

async fn healthz() -> Response {
    respond::json(StatusCode::OK, &json!({"status": "ok"}))
}

async fn healthz_head() -> StatusCode {
    StatusCode::OK
}

async fn readyz(State(app): State<App>) -> Response {
    let (ok, body) = {
        let w = app.world();
        if w.legacy_readyz {
            health::legacy_readyz(&w)
        } else {
            health::readyz(&w)
        }
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    respond::json(status, &body)
}

/// `/healthz/backup`: the simulated host made its last base backup a few hours ago.
async fn backup(State(app): State<App>) -> Response {
    const AGE_SECONDS: i64 = 3 * 3600 + 17 * 60;
    let now = app.world().now();
    let at = now - time::Duration::seconds(AGE_SECONDS);
    let marker = clock::pydantic_z(at.replace_nanosecond(0).unwrap_or(at));
    respond::json(
        StatusCode::OK,
        &json!({"backup_ok": true, "last_backup_utc": marker, "age_seconds": AGE_SECONDS}),
    )
}

async fn not_found() -> Response {
    respond::detail(StatusCode::NOT_FOUND, "Not Found")
}

async fn method_not_allowed() -> Response {
    respond::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

async fn sim_control(State(app): State<App>, body: Bytes) -> Response {
    let control: Control = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return respond::json(
                StatusCode::BAD_REQUEST,
                &json!({"error": format!("invalid control: {e}")}),
            );
        }
    };
    match app.apply_control(control) {
        Ok(()) => respond::json(StatusCode::OK, &app.world().snapshot()),
        Err(e) => respond::json(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("invalid control: {e}")}),
        ),
    }
}

async fn sim_state(State(app): State<App>) -> Response {
    respond::json(StatusCode::OK, &app.world().snapshot())
}

/// The small view the runner process and the in-container shims poll (every loop): cheaper
/// than the full `/_sim/state`, which carries the request log.
async fn sim_processes(State(app): State<App>) -> Response {
    let view = app.world().process_view();
    match serde_json::to_value(view) {
        Ok(body) => respond::json(StatusCode::OK, &body),
        Err(e) => respond::json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": e.to_string()}),
        ),
    }
}

/// A loop of `cleanops sim worker`: 200 `{"loops": N}` when recorded, 400 for a wrong report,
/// 503 `{"error": "db_down"}` when the database is down (the worker then dies like the real
/// runner does).
async fn sim_worker_loop(State(app): State<App>, body: Bytes) -> Response {
    let report: LoopReport = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return respond::json(
                StatusCode::BAD_REQUEST,
                &json!({"error": format!("invalid loop report: {e}")}),
            );
        }
    };
    let recorded = app.world().record_external_loop(report);
    match recorded {
        Ok(loops) => respond::json(StatusCode::OK, &json!({ "loops": loops })),
        Err(LoopRefused::Invalid(e)) => respond::json(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("invalid loop report: {e}")}),
        ),
        Err(LoopRefused::DbDown) => respond::json(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"error": "db_down"}),
        ),
    }
}
