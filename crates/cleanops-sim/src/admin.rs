//! The `/v1/admin` handlers. Authentication already happened in the front middleware; each
//! handler applies, in the app's order, the role check (403), query validation (422), its own
//! gates, and only then touches the world.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::auth::Identity;
use super::clock::is_uuid;
use super::limits::{Lookup, StoredResponse, fingerprint};
use super::queue::{DlqKind, ExportReplayError};
use super::respond::{self, PROBLEM_DOMAIN, PROBLEM_VALIDATION};
use super::routes::Ctx;
use super::state::{ReplayLog, Shared, World};

type App = Arc<Shared>;
type Answer = Result<Response, Response>;

/// Longest key the `admin_idempotency.key` column (String(128)) holds.
const MAX_KEY_LEN: usize = 128;

fn identity(ctx: &Ctx) -> Result<&Identity, Response> {
    // The middleware authenticates every /v1/admin path; a missing identity is our bug.
    ctx.identity
        .as_ref()
        .ok_or_else(|| respond::server_error(&ctx.request_id))
}

/// `require_viewer`: every admin role has `core.view`.
fn viewer(ctx: &Ctx) -> Result<&Identity, Response> {
    identity(ctx)
}

/// `require_admin`: owner and admin only.
fn admin(ctx: &Ctx) -> Result<&Identity, Response> {
    let id = identity(ctx)?;
    if id.role.can_admin() {
        Ok(id)
    } else {
        Err(respond::forbidden(&ctx.request_id))
    }
}

fn need_db(w: &World, ctx: &Ctx) -> Result<(), Response> {
    if w.db_usable() {
        Ok(())
    } else {
        Err(respond::server_error(&ctx.request_id))
    }
}

/// Query parameters in order; like Starlette, a repeated name means its last value.
struct Params(Vec<(String, String)>);

impl Params {
    fn of(uri: &Uri) -> Params {
        Params(
            Query::<Vec<(String, String)>>::try_from_uri(uri)
                .map(|q| q.0)
                .unwrap_or_default(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Collects pydantic-style validation errors of query parameters.
#[derive(Default)]
struct Validation(Vec<(&'static str, String)>);

impl Validation {
    /// An int with bounds, pydantic's messages on failure.
    fn int(
        &mut self,
        p: &Params,
        name: &'static str,
        default: i64,
        min: i64,
        max: Option<i64>,
    ) -> i64 {
        let Some(raw) = p.get(name) else {
            return default;
        };
        let Some(v) = parse_int(raw) else {
            self.0.push((
                name,
                "Input should be a valid integer, unable to parse string as an integer".into(),
            ));
            return default;
        };
        if v < i128::from(min) {
            self.0.push((
                name,
                format!("Input should be greater than or equal to {min}"),
            ));
            return default;
        }
        if let Some(max) = max
            && v > i128::from(max)
        {
            self.0
                .push((name, format!("Input should be less than or equal to {max}")));
            return default;
        }
        i64::try_from(v).unwrap_or(default)
    }

    fn boolean(&mut self, p: &Params, name: &'static str, default: bool) -> bool {
        let Some(raw) = p.get(name) else {
            return default;
        };
        match raw.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => true,
            "0" | "off" | "f" | "false" | "n" | "no" => false,
            _ => {
                self.0.push((
                    name,
                    "Input should be a valid boolean, unable to interpret input".into(),
                ));
                default
            }
        }
    }

    fn finish(self, ctx: &Ctx) -> Result<(), Response> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(respond::validation(self.0, &ctx.request_id))
        }
    }
}

/// An integer as pydantic reads one from a string; huge values saturate so that they fail
/// the bound check rather than the parse, as Python's unbounded ints do.
fn parse_int(raw: &str) -> Option<i128> {
    let s = raw.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = digits.parse::<i128>().unwrap_or(i128::MAX);
    Some(if negative { -v } else { v })
}

fn to_usize(v: i64) -> usize {
    usize::try_from(v).unwrap_or(0)
}

pub(crate) async fn whoami(Extension(ctx): Extension<Ctx>) -> Answer {
    let id = viewer(&ctx)?;
    Ok(respond::json(
        StatusCode::OK,
        &json!({"username": id.username, "role": id.role.as_str(), "org_id": id.org_id}),
    ))
}

pub(crate) async fn jobs_status(State(app): State<App>, Extension(ctx): Extension<Ctx>) -> Answer {
    viewer(&ctx)?;
    let w = app.world();
    need_db(&w, &ctx)?;
    Ok(respond::json(StatusCode::OK, &w.job_statuses()))
}

pub(crate) async fn dlq(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
) -> Answer {
    admin(&ctx)?;
    let params = Params::of(&uri);
    let mut v = Validation::default();
    let kind = match params.get("kind") {
        None => Some(DlqKind::All),
        Some(raw) => {
            let kind = DlqKind::parse(raw);
            if kind.is_none() {
                v.0.push(("kind", "Input should be 'outbox', 'export' or 'all'".into()));
            }
            kind
        }
    };
    let limit = v.int(&params, "limit", 50, 1, Some(100));
    let offset = v.int(&params, "offset", 0, 0, None);
    v.finish(&ctx)?;
    let kind = kind.unwrap_or(DlqKind::All);

    let w = app.world();
    need_db(&w, &ctx)?;
    if w.upstream_defects {
        // §12: the UNION of a uuid and a varchar column fails on PostgreSQL, and an outbox
        // id comes back as a UUID object that fails response validation.
        let broken = match kind {
            DlqKind::All => true,
            DlqKind::Outbox => w.outbox_dead_count() > 0,
            DlqKind::Export => false,
        };
        if broken {
            return Err(respond::server_error(&ctx.request_id));
        }
    }
    Ok(respond::json(
        StatusCode::OK,
        &w.dlq_page(kind, to_usize(limit), to_usize(offset)),
    ))
}

pub(crate) async fn outbox_dead_letter(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
) -> Answer {
    viewer(&ctx)?;
    let params = Params::of(&uri);
    let mut v = Validation::default();
    let limit = v.int(&params, "limit", 100, 1, Some(500));
    v.finish(&ctx)?;
    let w = app.world();
    need_db(&w, &ctx)?;
    if w.upstream_defects && w.outbox_dead_count() > 0 {
        // §13: the same uuid-vs-str response validation as `kind=outbox` (OutboxEventResponse).
        return Err(respond::server_error(&ctx.request_id));
    }
    Ok(respond::json(
        StatusCode::OK,
        &w.outbox_dead_letter(to_usize(limit)),
    ))
}

pub(crate) async fn export_dead_letter(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
) -> Answer {
    viewer(&ctx)?;
    let params = Params::of(&uri);
    let mut v = Validation::default();
    let limit = v.int(&params, "limit", 100, 1, Some(500));
    let offset = v.int(&params, "offset", 0, 0, None);
    v.finish(&ctx)?;
    let w = app.world();
    need_db(&w, &ctx)?;
    Ok(respond::json(
        StatusCode::OK,
        &w.export_list(to_usize(limit), to_usize(offset)),
    ))
}

/// One replay request, as the shared gates need it.
struct Replay<'a> {
    ctx: &'a Ctx,
    org_id: &'a str,
    /// The per-action rate limit bucket and the idempotency endpoint id (the same string).
    action: &'static str,
    headers: &'a HeaderMap,
    path: &'a str,
    body: &'a [u8],
}

/// A key accepted by the gates, for saving the response afterwards.
struct Claim {
    key: String,
    fingerprint: String,
}

impl Replay<'_> {
    fn key(&self) -> Option<&str> {
        self.headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
    }

    /// Steps 3 and 4 of docs/app-contract.md §3.1: the per-org action limit (before idempotency, so
    /// retries consume quota), then the idempotency store.
    fn gates(&self, w: &mut World) -> Result<Claim, Response> {
        let ctx = self.ctx;
        let bucket = format!("org:{}:action:{}", self.org_id, self.action);
        let limit = w.action_limit_per_minute;
        if !w.action_limiter.allow(&bucket, limit, Instant::now()) {
            w.throttled_action += 1;
            return Err(respond::too_many(
                "Rate limit exceeded for this action",
                &ctx.request_id,
            ));
        }
        let key = match self.key() {
            Some(k) if !k.is_empty() => k.to_owned(),
            _ => {
                return Err(respond::problem_full(
                    StatusCode::BAD_REQUEST,
                    PROBLEM_VALIDATION,
                    "Idempotency key required",
                    "Idempotency-Key header is required for this endpoint",
                    &ctx.request_id,
                    Vec::new(),
                ));
            }
        };
        if key.chars().count() > MAX_KEY_LEN {
            // The claim does not fit its String(128) column: a DB error.
            return Err(respond::server_error(&ctx.request_id));
        }
        if w.upstream_defects {
            // §12: the claim is never recorded, so every keyed call looks in flight.
            return Err(respond::in_flight(&key));
        }
        need_db(w, ctx)?;
        let fp = fingerprint("POST", self.path, self.body);
        match w.idempotency.lookup(self.org_id, &key, self.action, &fp) {
            Lookup::Fresh => Ok(Claim {
                key,
                fingerprint: fp,
            }),
            Lookup::Replay(stored) => {
                let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::ACCEPTED);
                let mut resp = respond::raw_json(status, stored.body);
                respond::set_header(&mut resp, "idempotency-key", &key);
                Err(resp)
            }
            Lookup::Conflict => Err(respond::problem_full(
                StatusCode::CONFLICT,
                PROBLEM_DOMAIN,
                "Idempotency conflict",
                "Idempotency-Key has already been used with a different payload",
                &ctx.request_id,
                Vec::new(),
            )),
        }
    }

    /// Saves a completed 202 and returns it.
    fn complete(&self, w: &mut World, claim: Claim, body: &serde_json::Value) -> Response {
        let text = body.to_string();
        w.idempotency.save(
            self.org_id,
            &claim.key,
            self.action,
            &claim.fingerprint,
            StoredResponse {
                status: StatusCode::ACCEPTED.as_u16(),
                body: text.clone(),
            },
        );
        respond::raw_json(StatusCode::ACCEPTED, text)
    }
}

/// What the replay handlers extract from a request.
struct ReplayRequest {
    ctx: Ctx,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl ReplayRequest {
    fn replay<'a>(&'a self, id: &'a Identity, action: &'static str) -> Replay<'a> {
        Replay {
            ctx: &self.ctx,
            org_id: &id.org_id,
            action,
            headers: &self.headers,
            path: self.uri.path(),
            body: &self.body,
        }
    }
}

/// Runs a replay under the world lock and logs its answer, whatever it is.
fn logged(
    app: &App,
    kind: &'static str,
    event_id: Option<&str>,
    req: &ReplayRequest,
    handle: impl FnOnce(&mut World) -> Answer,
) -> Response {
    let mut w = app.world();
    let resp = handle(&mut w).unwrap_or_else(|resp| resp);
    w.replays.push(ReplayLog {
        event_id: event_id.map(str::to_owned),
        kind,
        idempotency_key: req
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        status: resp.status().as_u16(),
    });
    resp
}

pub(crate) async fn replay_outbox(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    event_id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let event_id = event_id.map(|p| p.0).unwrap_or_default();
    let req = ReplayRequest {
        ctx,
        uri,
        headers,
        body,
    };
    logged(&app, "outbox", Some(&event_id), &req, |w| {
        let ctx = &req.ctx;
        let id = admin(ctx)?;
        let replay = req.replay(id, "outbox_replay");
        let claim = replay.gates(w)?;
        if !is_uuid(&event_id) {
            // The running app answers 500 for an id that is not a UUID.
            return Err(respond::server_error(&ctx.request_id));
        }
        // Not found: nothing is saved, the claim is rolled back and the key stays usable.
        let body = w.replay_outbox(&event_id).ok_or_else(|| {
            respond::problem(
                StatusCode::NOT_FOUND,
                PROBLEM_DOMAIN,
                "Outbox event not found",
                &ctx.request_id,
            )
        })?;
        Ok(replay.complete(w, claim, &body))
    })
}

pub(crate) async fn replay_export(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    event_id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let event_id = event_id.map(|p| p.0).unwrap_or_default();
    let req = ReplayRequest {
        ctx,
        uri,
        headers,
        body,
    };
    logged(&app, "export", Some(&event_id), &req, |w| {
        let ctx = &req.ctx;
        let id = admin(ctx)?;
        let replay = req.replay(id, "export_replay");
        let claim = replay.gates(w)?;
        let body = w.replay_export(&event_id, &id.username).map_err(|e| {
            let (status, detail) = match e {
                ExportReplayError::NotFound => (StatusCode::NOT_FOUND, "Export event not found"),
                ExportReplayError::PayloadUnavailable => {
                    (StatusCode::BAD_REQUEST, "export_payload_unavailable")
                }
                ExportReplayError::TargetMissing => {
                    (StatusCode::BAD_REQUEST, "export_target_missing")
                }
            };
            respond::problem(status, PROBLEM_DOMAIN, detail, &ctx.request_id)
        })?;
        Ok(replay.complete(w, claim, &body))
    })
}

pub(crate) async fn replay_batch(
    State(app): State<App>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = ReplayRequest {
        ctx,
        uri,
        headers,
        body,
    };
    logged(&app, "batch", None, &req, |w| {
        let ctx = &req.ctx;
        let id = admin(ctx)?;
        let params = Params::of(&req.uri);
        let mut v = Validation::default();
        let confirm = v.boolean(&params, "confirm", false);
        let limit = v.int(&params, "limit", 10, 1, Some(100));
        v.finish(ctx)?;
        // Checked first of the handler's own gates, before the rate limit.
        if !confirm {
            return Err(respond::problem(
                StatusCode::BAD_REQUEST,
                PROBLEM_DOMAIN,
                "confirm_batch_replay_required",
                &ctx.request_id,
            ));
        }
        let replay = req.replay(id, "dlq_batch_replay");
        let claim = replay.gates(w)?;
        let correlation_id = req
            .headers
            .get("x-correlation-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .unwrap_or(&ctx.request_id)
            .to_owned();
        let body = w.replay_batch(to_usize(limit), &correlation_id);
        Ok(replay.complete(w, claim, &body))
    })
}
