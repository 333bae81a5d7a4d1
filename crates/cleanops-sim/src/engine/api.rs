//! The routes: what `src/docker/` calls, answered from the world, with the engine's JSON.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::wire::{self, MULTIPLEXED, RAW};
use super::{API_VERSION, ApiError, ENGINE_VERSION, ExecRecord, FakeState, MIN_API_VERSION};
use super::{Shared, Slot};

#[derive(Clone)]
pub(super) struct AppState {
    pub shared: Arc<Shared>,
    /// True once the server shuts down: log follows end.
    pub down: watch::Receiver<bool>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response()
    }
}

pub(super) fn router(state: AppState) -> Router {
    let shared = state.shared.clone();
    let routes = Router::new()
        .route("/_ping", get(ping))
        .route("/version", get(version))
        .route("/containers/json", get(list_containers))
        .route("/containers/{id}/json", get(inspect_container))
        .route("/containers/{id}/logs", get(logs))
        .route("/containers/{id}/restart", post(restart))
        .route("/containers/{id}/stop", post(stop))
        .route("/containers/{id}/start", post(start))
        .route("/containers/{id}/exec", post(create_exec))
        .route("/exec/{id}/start", post(super::exec::start_exec))
        .route("/exec/{id}/json", get(inspect_exec))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state);
    // The version prefix comes off before routing: the outer router's layer runs first.
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(shared, front))
}

/// `/v1.43/containers/json` → `/containers/json`; `None` when there is no version prefix.
pub(super) fn strip_version(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v")?;
    let end = rest.find('/')?;
    let version = &rest[..end];
    let (major, minor) = version.split_once('.').unwrap_or((version, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| &rest[end..])
}

/// Every request: recorded, its version prefix removed, the engine's headers added.
async fn front(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    shared.record(format!("{} {}", req.method(), req.uri()));
    let stripped = strip_version(req.uri().path()).map(|rest| match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    });
    if let Some(uri) = stripped.and_then(|s| s.parse::<Uri>().ok()) {
        *req.uri_mut() = uri;
    }
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert("api-version", HeaderValue::from_static(API_VERSION));
    headers.insert("docker-experimental", HeaderValue::from_static("false"));
    headers.insert("ostype", HeaderValue::from_static("linux"));
    headers.insert(
        header::SERVER,
        HeaderValue::from_static("Docker/24.0.7-sim (linux)"),
    );
    res
}

async fn not_found() -> ApiError {
    ApiError::page_not_found()
}

async fn ping() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache, no-store, must-revalidate"),
            (header::PRAGMA, "no-cache"),
        ],
        "OK",
    )
        .into_response()
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

async fn version() -> Response {
    axum::Json(json!({
        "Platform": {"Name": "Docker Engine - Community (cleanops simulation)"},
        "Components": [{
            "Name": "Engine",
            "Version": ENGINE_VERSION,
            "Details": {
                "ApiVersion": API_VERSION,
                "MinAPIVersion": MIN_API_VERSION,
                "Os": "linux",
                "Arch": arch(),
                "GitCommit": "311b9ff",
                "GoVersion": "go1.20.10",
                "KernelVersion": "6.1.0-sim",
                "Experimental": "false",
                "BuildTime": "2023-10-26T09:08:02.000000000+00:00",
            },
        }],
        "Version": ENGINE_VERSION,
        "ApiVersion": API_VERSION,
        "MinAPIVersion": MIN_API_VERSION,
        "GitCommit": "311b9ff",
        "GoVersion": "go1.20.10",
        "Os": "linux",
        "Arch": arch(),
        "KernelVersion": "6.1.0-sim",
        "BuildTime": "2023-10-26T09:08:02.000000000+00:00",
    }))
    .into_response()
}

/// Query parameters, the last of a repeated name winning.
fn params(q: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn flag(p: &HashMap<String, String>, name: &str) -> bool {
    p.get(name).is_some_and(|v| wire::truthy(v))
}

/// All the labels a container reports: the compose ones, then its own over them.
fn labels_of(slot: &Slot) -> BTreeMap<String, String> {
    let c = &slot.c;
    let mut labels = BTreeMap::new();
    if !c.project.is_empty() {
        labels.insert("com.docker.compose.project".into(), c.project.clone());
        labels.insert("com.docker.compose.service".into(), c.service.clone());
        labels.insert(
            "com.docker.compose.container-number".into(),
            c.number.to_string(),
        );
        labels.insert("com.docker.compose.oneoff".into(), "False".into());
    }
    labels.extend(c.labels.clone());
    labels
}

/// `filters={"label":["k=v","k"],...}` (or the old `{"label":{"k=v":true}}`).
struct Filters(HashMap<String, Vec<String>>);

impl Filters {
    fn parse(raw: Option<&String>) -> Result<Filters, ApiError> {
        let raw = match raw.map(|s| s.trim()) {
            None | Some("") => return Ok(Filters(HashMap::new())),
            Some(s) => s,
        };
        let v: Value = serde_json::from_str(raw)
            .map_err(|e| ApiError::bad_request(format!("invalid filter: {e}")))?;
        let Value::Object(map) = v else {
            return Err(ApiError::bad_request("invalid filter: not an object"));
        };
        let mut out = HashMap::new();
        for (key, values) in map {
            if !matches!(key.as_str(), "label" | "name" | "id" | "status") {
                return Err(ApiError::bad_request(format!("invalid filter '{key}'")));
            }
            let list: Vec<String> = match values {
                Value::Array(a) => a
                    .into_iter()
                    .map(|x| match x {
                        Value::String(s) => Ok(s),
                        _ => Err(ApiError::bad_request(format!(
                            "invalid filter '{key}': values must be strings"
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
                Value::Object(o) => o
                    .into_iter()
                    .filter(|(_, on)| on.as_bool() == Some(true))
                    .map(|(k, _)| k)
                    .collect(),
                _ => {
                    return Err(ApiError::bad_request(format!("invalid filter '{key}'")));
                }
            };
            out.insert(key, list);
        }
        Ok(Filters(out))
    }

    /// Every label filter must match; for the other keys, one of the values.
    fn matches(&self, slot: &Slot) -> bool {
        let c = &slot.c;
        let labels = labels_of(slot);
        self.0.iter().all(|(key, values)| match key.as_str() {
            "label" => values.iter().all(|f| match f.split_once('=') {
                Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
                None => labels.contains_key(f.as_str()),
            }),
            "name" => values.iter().any(|n| {
                let n = n.strip_prefix('/').unwrap_or(n);
                c.name.contains(n)
            }),
            "id" => values.iter().any(|i| c.id.starts_with(i.as_str())),
            "status" => values.iter().any(|s| s == c.state.status()),
            _ => true,
        })
    }
}

fn command_line(slot: &Slot) -> String {
    std::iter::once(slot.c.path.as_str())
        .chain(slot.c.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Status` of the list: "Up 2 hours (healthy)", "Exited (137) 14 minutes ago".
fn status_phrase(slot: &Slot, now: OffsetDateTime) -> String {
    match slot.c.state {
        FakeState::Created => "Created".into(),
        FakeState::Running { started_at } => {
            let health = match slot.c.health.as_deref() {
                Some("healthy") => " (healthy)",
                Some("unhealthy") => " (unhealthy)",
                Some("starting") => " (health: starting)",
                _ => "",
            };
            format!("Up {}{health}", wire::human_duration(now - started_at))
        }
        FakeState::Exited {
            code, finished_at, ..
        } => format!(
            "Exited ({code}) {} ago",
            wire::human_duration(now - finished_at)
        ),
        FakeState::Restarting {
            code, finished_at, ..
        } => format!(
            "Restarting ({code}) {} ago",
            wire::human_duration(now - finished_at)
        ),
    }
}

fn network(slot: &Slot) -> String {
    if slot.c.project.is_empty() {
        "bridge".into()
    } else {
        format!("{}_default", slot.c.project)
    }
}

fn summary_json(slot: &Slot, now: OffsetDateTime) -> Value {
    let c = &slot.c;
    json!({
        "Id": c.id,
        "Names": [format!("/{}", c.name)],
        "Image": c.image,
        "ImageID": format!("sha256:{}", wire::sha256_hex(&c.image)),
        "Command": command_line(slot),
        "Created": c.created_at.unix_timestamp(),
        "Ports": [],
        "Labels": labels_of(slot),
        "State": c.state.status(),
        "Status": status_phrase(slot, now),
        "HostConfig": {"NetworkMode": network(slot)},
        "NetworkSettings": {"Networks": {}},
        "Mounts": [],
    })
}

/// The image's entrypoint, when the command starts with one.
fn entrypoint_split(slot: &Slot) -> (Value, Vec<String>) {
    let c = &slot.c;
    if c.path.ends_with("entrypoint.sh") {
        (json!([c.path]), c.args.clone())
    } else {
        let mut cmd = vec![c.path.clone()];
        cmd.extend(c.args.iter().cloned());
        (Value::Null, cmd)
    }
}

fn inspect_json(slot: &Slot) -> Value {
    let c = &slot.c;
    let (running, restarting, exit_code, oom) = match c.state {
        FakeState::Created => (false, false, 0, false),
        FakeState::Running { .. } => (true, false, 0, false),
        FakeState::Exited {
            code, oom_killed, ..
        } => (false, false, code, oom_killed),
        FakeState::Restarting { code, .. } => (true, true, code, false),
    };
    let pid = if matches!(c.state, FakeState::Running { .. }) {
        // Plausible, and new on each start.
        2000 + i64::from(c.number) * 97 + (slot.run as i64 % 1000) * 13
    } else {
        0
    };
    let finished = c.state.finished_at().or(slot.last_finished);
    let mut state = json!({
        "Status": c.state.status(),
        "Running": running,
        "Paused": false,
        "Restarting": restarting,
        "OOMKilled": oom,
        "Dead": false,
        "Pid": pid,
        "ExitCode": exit_code,
        "Error": "",
        "StartedAt": wire::inspect_time(c.state.started_at()),
        "FinishedAt": wire::inspect_time(finished),
    });
    if let (Some(h), Some(obj)) = (&c.health, state.as_object_mut()) {
        obj.insert(
            "Health".into(),
            json!({
                "Status": h,
                "FailingStreak": if h == "unhealthy" { 3 } else { 0 },
                "Log": [],
            }),
        );
    }
    let (entrypoint, cmd) = entrypoint_split(slot);
    // The app image (`backend/Dockerfile`): user `app`, WORKDIR /app (docs/app-contract.md §8.2).
    let (user, working_dir) = if c.path == "python" || c.path == "uvicorn" {
        ("app", "/app")
    } else {
        ("", "")
    };
    json!({
        "Id": c.id,
        "Created": wire::inspect_time(Some(c.created_at)),
        "Path": c.path,
        "Args": c.args,
        "State": state,
        "Image": format!("sha256:{}", wire::sha256_hex(&c.image)),
        "Name": format!("/{}", c.name),
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "LogPath": format!("/var/lib/docker/containers/{}/{}-json.log", c.id, c.id),
        "HostConfig": {
            "NetworkMode": network(slot),
            "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
            "LogConfig": {"Type": "json-file", "Config": {}},
        },
        "Mounts": [],
        "Config": {
            "Hostname": c.hostname,
            "Domainname": "",
            "User": user,
            "AttachStdin": false,
            "AttachStdout": true,
            "AttachStderr": true,
            "Tty": c.tty,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": c.env,
            "Cmd": cmd,
            "Image": c.image,
            "WorkingDir": working_dir,
            "Entrypoint": entrypoint,
            "Labels": labels_of(slot),
        },
        "NetworkSettings": {"Networks": {}},
    })
}

async fn list_containers(
    State(st): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = params(q);
    let all = flag(&p, "all");
    let filters = Filters::parse(p.get("filters"))?;
    let w = st.shared.world();
    let now = w.now();
    let mut found: Vec<&Slot> = w
        .slots
        .iter()
        // Without `all`, what `docker ps` shows: running and restarting.
        .filter(|s| {
            all || matches!(
                s.c.state,
                FakeState::Running { .. } | FakeState::Restarting { .. }
            )
        })
        .filter(|s| filters.matches(s))
        .collect();
    // Newest first, as the engine lists them.
    found.sort_by_key(|s| std::cmp::Reverse(s.c.created_at));
    let list: Vec<Value> = found.iter().map(|s| summary_json(s, now)).collect();
    Ok(axum::Json(Value::Array(list)).into_response())
}

async fn inspect_container(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = st.shared.world();
    let slot = w.find(&id)?;
    Ok(axum::Json(inspect_json(slot)).into_response())
}

/// The engine's grace period when `t` is not given (a container without `StopTimeout`).
const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);
/// The longest grace the fake waits out, whatever `t` says.
const MAX_STOP_GRACE: Duration = Duration::from_secs(300);

/// `t` of stop and restart: seconds the engine waits for SIGTERM to work before SIGKILL.
fn stop_grace(p: &HashMap<String, String>) -> Result<Duration, ApiError> {
    match p.get("t").map(String::as_str) {
        None | Some("") => Ok(DEFAULT_STOP_GRACE),
        Some(t) => match t.parse::<i64>() {
            Err(_) => Err(ApiError::bad_request(format!(
                "strconv.Atoi: parsing {t:?}: invalid syntax"
            ))),
            // -1: no limit for the engine; here the default, as nothing would end it.
            Ok(n) if n < 0 => Ok(DEFAULT_STOP_GRACE),
            Ok(n) => Ok(Duration::from_secs(n.unsigned_abs()).min(MAX_STOP_GRACE)),
        },
    }
}

/// The wait of a stop: a running process that ignores SIGTERM (the jobs runner as PID 1) takes
/// the whole grace period before the engine kills it, as the engine's stop call does. On a
/// frozen clock no time passes, so neither does the grace period.
async fn grace_period(st: &AppState, id: &str, grace: Duration) -> Result<(), ApiError> {
    let wait = {
        let w = st.shared.world();
        let real_time = w.frozen_now.is_none();
        let slot = w.find(id)?;
        (real_time && slot.c.state.is_running() && super::world::ignores_sigterm(&slot.c))
            .then_some(grace)
    };
    if let Some(wait) = wait {
        let mut down = st.down.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = down.wait_for(|&d| d) => {}
        }
    }
    Ok(())
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn restart(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let grace = stop_grace(&params(q))?;
    grace_period(&st, &id, grace).await?;
    {
        let mut w = st.shared.world();
        let now = w.now();
        let slot = w.find_mut(&id)?;
        slot.stop(now);
        slot.start(now);
    }
    st.shared.notify();
    Ok(no_content())
}

async fn stop(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let grace = stop_grace(&params(q))?;
    {
        let w = st.shared.world();
        let slot = w.find(&id)?;
        if matches!(slot.c.state, FakeState::Created | FakeState::Exited { .. }) {
            return Ok(StatusCode::NOT_MODIFIED.into_response());
        }
    }
    grace_period(&st, &id, grace).await?;
    {
        let mut w = st.shared.world();
        let now = w.now();
        let slot = w.find_mut(&id)?;
        slot.stop(now);
    }
    st.shared.notify();
    Ok(no_content())
}

async fn start(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    {
        let mut w = st.shared.world();
        let now = w.now();
        let slot = w.find_mut(&id)?;
        if slot.c.state.is_running() {
            return Ok(StatusCode::NOT_MODIFIED.into_response());
        }
        slot.start(now);
    }
    st.shared.notify();
    Ok(no_content())
}

/// What a logs request asks for.
#[derive(Clone, Debug)]
struct LogQuery {
    stdout: bool,
    stderr: bool,
    timestamps: bool,
    follow: bool,
    /// `None`: all.
    tail: Option<usize>,
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

impl LogQuery {
    fn parse(p: &HashMap<String, String>) -> Result<LogQuery, ApiError> {
        let stdout = flag(p, "stdout");
        let stderr = flag(p, "stderr");
        if !stdout && !stderr {
            return Err(ApiError::bad_request(
                "Bad parameters: you must choose at least one stream",
            ));
        }
        // The engine reads an unparsable or negative tail as "all".
        let tail = p
            .get("tail")
            .and_then(|t| t.trim().parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let time = |name: &str| match p.get(name) {
            Some(v) => wire::unix_time(v).map_err(ApiError::bad_request),
            None => Ok(None),
        };
        Ok(LogQuery {
            stdout,
            stderr,
            timestamps: flag(p, "timestamps"),
            follow: flag(p, "follow"),
            tail,
            since: time("since")?,
            until: time("until")?,
        })
    }

    fn after_until(&self, at: OffsetDateTime) -> bool {
        self.until.is_some_and(|u| at > u)
    }

    /// Appends the lines wanted; true when a line past `until` was met (the end of a follow).
    fn encode(&self, out: &mut Vec<u8>, tty: bool, lines: &[super::FakeLogLine]) -> bool {
        for line in lines {
            if self.after_until(line.at) {
                return true;
            }
            if self.since.is_some_and(|s| line.at < s) {
                continue;
            }
            // A TTY has one stream, reported as stdout.
            let stderr = line.stderr && !tty;
            if (stderr && !self.stderr) || (!stderr && !self.stdout) {
                continue;
            }
            let stamp = self.timestamps.then(|| wire::log_timestamp(line.at));
            wire::write_entries(out, tty, stderr, stamp.as_deref(), &line.text);
        }
        false
    }
}

/// Where a follow stands.
struct Follow {
    state: AppState,
    changed: watch::Receiver<u64>,
    id: String,
    run: u64,
    cursor: usize,
    tty: bool,
    q: LogQuery,
}

impl Follow {
    /// The lines added since the last look, and whether the follow is over.
    fn more(&mut self) -> (Vec<u8>, bool) {
        let w = self.state.shared.world();
        let Ok(slot) = w.find(&self.id) else {
            return (Vec::new(), true);
        };
        let stop = slot.end_of_run(self.run).min(slot.c.logs.len());
        let from = self.cursor.min(stop);
        let mut out = Vec::new();
        let past_until = self.q.encode(&mut out, self.tty, &slot.c.logs[from..stop]);
        self.cursor = stop;
        (out, past_until || slot.run_is_over(self.run))
    }
}

async fn logs(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let q = LogQuery::parse(&params(q))?;
    // Subscribed before the first look: no change between the two can be missed.
    let changed = st.shared.changed.subscribe();
    let (initial, follow, tty) = {
        let w = st.shared.world();
        let slot = w.find(&id)?;
        let lines = &slot.c.logs;
        let from = q.tail.map_or(0, |n| lines.len().saturating_sub(n));
        let mut out = Vec::new();
        let past_until = q.encode(&mut out, slot.c.tty, &lines[from..]);
        // The engine follows only a running container.
        let follow = (q.follow && !past_until && slot.c.state.is_running()).then(|| Follow {
            state: st.clone(),
            changed,
            id: slot.c.id.clone(),
            run: slot.run,
            cursor: lines.len(),
            tty: slot.c.tty,
            q: q.clone(),
        });
        (out, follow, slot.c.tty)
    };
    let content_type = if tty { RAW } else { MULTIPLEXED };
    let first = futures_util::stream::iter(
        (!initial.is_empty()).then(|| Ok::<Bytes, Infallible>(Bytes::from(initial))),
    );
    let body = match follow {
        None => Body::from_stream(first),
        Some(f) => Body::from_stream(first.chain(follow_stream(f))),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// The lines of a running container as they come, until it stops or the server goes down.
fn follow_stream(
    f: Follow,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    futures_util::stream::unfold(Some(f), |f| async move {
        let mut f = f?;
        loop {
            let mut down = f.state.down.clone();
            tokio::select! {
                changed = f.changed.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                _ = down.wait_for(|&d| d) => return None,
            }
            let (bytes, over) = f.more();
            let next = if over { None } else { Some(f) };
            if !bytes.is_empty() {
                return Some((Ok(Bytes::from(bytes)), next));
            }
            match next {
                Some(again) => f = again,
                None => return None,
            }
        }
    })
}

async fn create_exec(
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let config: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
    let cmd: Vec<String> = match config.get("Cmd") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::bad_request("Cmd must be a list of strings"))?,
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    if cmd.is_empty() {
        return Err(ApiError::bad_request("No exec command specified"));
    }
    let bool_of = |k: &str| config.get(k).and_then(Value::as_bool).unwrap_or(false);
    let exec_id = {
        let mut w = st.shared.world();
        let slot = w.find(&id)?;
        check_exec_target(slot)?;
        let container_id = slot.c.id.clone();
        w.exec_seq += 1;
        let exec_id = wire::sha256_hex(&format!("exec/{}/{container_id}", w.exec_seq));
        w.execs.insert(
            exec_id.clone(),
            ExecRecord {
                container_id,
                cmd,
                tty: bool_of("Tty"),
                attach_stdout: bool_of("AttachStdout"),
                attach_stderr: bool_of("AttachStderr"),
                running: false,
                exit_code: None,
            },
        );
        exec_id
    };
    Ok((StatusCode::CREATED, axum::Json(json!({ "Id": exec_id }))).into_response())
}

/// A container can run an exec only while it runs (the engine's 409s, word for word).
pub(super) fn check_exec_target(slot: &Slot) -> Result<(), ApiError> {
    match slot.c.state {
        FakeState::Running { .. } => Ok(()),
        FakeState::Restarting { .. } => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "Container {} is restarting, wait until the container is running",
                slot.c.id
            ),
        )),
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("Container {} is not running", slot.c.id),
        )),
    }
}

async fn inspect_exec(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = st.shared.world();
    let rec = w.execs.get(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("No such exec instance: {id}"),
        )
    })?;
    Ok(axum::Json(json!({
        "CanRemove": false,
        "ContainerID": rec.container_id,
        "DetachKeys": "",
        "ExitCode": rec.exit_code,
        "ID": id,
        "OpenStderr": rec.attach_stderr,
        "OpenStdin": false,
        "OpenStdout": rec.attach_stdout,
        "ProcessConfig": {
            "arguments": rec.cmd.get(1..).unwrap_or_default(),
            "entrypoint": rec.cmd.first(),
            "privileged": false,
            "tty": rec.tty,
            "user": "",
        },
        "Running": rec.running,
        "Pid": 0,
    }))
    .into_response())
}
