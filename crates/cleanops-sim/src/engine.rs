//! A simulated Docker Engine API, for `cleanops demo` (no Docker needed) and for the tests of
//! the Docker side (`crate::docker`), which talk to it through bollard like to a real engine at
//! `tcp://127.0.0.1:PORT` (plain HTTP).
//!
//! It answers what `src/docker/` calls, as Engine 24 (API 1.43) does: `/_ping`, `/version`, the
//! container list with `label` filters, inspect, logs in the multiplexed stream format (raw for a
//! `tty` container) with tail, since, until, timestamps and follow, restart, stop, start, and
//! exec (create, start, inspect). Paths are accepted with or without an API version prefix.
//! Errors are `{"message": ...}` with the engine's status codes and, where cleanops shows them,
//! its wording.
//!
//! The world is a list of [`FakeContainer`]s behind a mutex ([`FakeEngine`], cheap to clone):
//! the owner changes it while it is served ([`FakeEngine::push_log`], [`FakeEngine::set_state`],
//! [`FakeEngine::update`]) and log followers see the change at once. What an exec prints and
//! returns is the container's [`ExecHandler`]'s business.
//!
//! It is served as the engine serves: HTTP/1.1 by hyper, connections kept alive between
//! requests (a client's pool reuses them), and an attached `POST /exec/{id}/start` answered
//! `101 UPGRADED` with the output written on the hijacked connection (bollard insists on the
//! upgrade).
//!
//! Layout: `api` (the routes and their JSON), `conn` (accepting and serving connections, kept
//! alive, closed at shutdown), `exec` (exec start, the upgrade and the hijacked output), `wire`
//! (stream framing, the engine's time and status formats), `world` (a compose project of
//! CleanWithSnapshot, the runner's log lines, scripted exec answers).

mod api;
mod conn;
mod exec;
mod wire;
mod world;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use axum::http::StatusCode;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use world::{
    app_exec, compose_project, crash_traceback, crash_traceback_db_gone, db_exec, runner_loop_lines,
};

/// The engine version `/version` reports.
pub const ENGINE_VERSION: &str = "24.0.7-sim";
/// The API version it speaks (Engine 24.0).
pub const API_VERSION: &str = "1.43";
pub const MIN_API_VERSION: &str = "1.12";

/// How long `shutdown` waits for in-flight requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// Requests remembered for [`FakeEngine::requests`].
const KEPT_REQUESTS: usize = 1000;

/// What an exec prints, in order, each entry `(stderr, text)` written as one frame (a newline is
/// added when the text lacks one), and its exit code.
pub type ExecOutput = (Vec<(bool, String)>, i64);
/// Answers the execs into one container: the command (`Cmd`) in, its output and exit code out.
pub type ExecHandler = Arc<dyn Fn(&[String]) -> ExecOutput + Send + Sync>;
/// Runs each time the engine (re)starts the container (`restart`, `start`), after the state is
/// already `Running { started_at: now }`: it appends the startup lines and may change the state
/// (a runner that dies at once). It runs with the engine locked: it must not call the
/// [`FakeEngine`].
pub type OnStart = Arc<dyn Fn(&mut FakeContainer, OffsetDateTime) + Send + Sync>;

/// One container as the engine knows it.
#[derive(Clone)]
pub struct FakeContainer {
    /// 64 hex digits; requests may use it, a unique prefix of it, or the name.
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// Compose project, service and container number: reported as the
    /// `com.docker.compose.project`, `.service` and `.container-number` labels, and
    /// `com.docker.compose.oneoff=False` (none of them when `project` is empty).
    pub project: String,
    pub service: String,
    pub number: u32,
    /// More labels, reported over the compose ones (so they can also override them).
    pub labels: std::collections::BTreeMap<String, String>,
    pub image: String,
    /// What the container runs: `Path` and `Args` of the inspect.
    pub path: String,
    pub args: Vec<String>,
    /// `NAME=value`.
    pub env: Vec<String>,
    pub hostname: String,
    /// A TTY container: its logs and execs are raw byte streams, not multiplexed.
    pub tty: bool,
    pub created_at: OffsetDateTime,
    pub state: FakeState,
    /// The engine's count of restarts by the restart policy (manual restarts leave it alone).
    pub restart_count: i64,
    /// `starting`, `healthy` or `unhealthy` when it has a healthcheck (bollard refuses other
    /// words); a (re)start makes it `healthy`.
    pub health: Option<String>,
    /// Oldest first; a text with newlines counts as one line per newline.
    pub logs: Vec<FakeLogLine>,
    /// `None`: every exec fails as a missing executable does (exit 126).
    pub exec: Option<ExecHandler>,
    /// `None`: the startup lines of the service, when it is one of api, jobs, db.
    pub on_start: Option<OnStart>,
}

impl fmt::Debug for FakeContainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeContainer")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("project", &self.project)
            .field("service", &self.service)
            .field("number", &self.number)
            .field("labels", &self.labels)
            .field("image", &self.image)
            .field("path", &self.path)
            .field("args", &self.args)
            .field("env", &format_args!("[{} variables]", self.env.len()))
            .field("hostname", &self.hostname)
            .field("tty", &self.tty)
            .field("created_at", &self.created_at)
            .field("state", &self.state)
            .field("restart_count", &self.restart_count)
            .field("health", &self.health)
            .field("logs", &format_args!("[{} lines]", self.logs.len()))
            .field("exec", &self.exec.as_ref().map(|_| "handler"))
            .field("on_start", &self.on_start.as_ref().map(|_| "handler"))
            .finish()
    }
}

/// A container's state, as the engine's `State` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FakeState {
    /// Created, never started: `created`, zero times.
    Created,
    Running {
        started_at: OffsetDateTime,
    },
    /// Stopped or dead: `exited` with its code (137 and `oom_killed` for the OOM killer).
    Exited {
        code: i64,
        oom_killed: bool,
        started_at: OffsetDateTime,
        finished_at: OffsetDateTime,
    },
    /// The restart policy is about to start it again after it exited with `code` (the engine
    /// reports `Running: true, Restarting: true`, Pid 0).
    Restarting {
        code: i64,
        started_at: OffsetDateTime,
        finished_at: OffsetDateTime,
    },
}

impl FakeState {
    /// `State.Status`.
    pub fn status(&self) -> &'static str {
        match self {
            FakeState::Created => "created",
            FakeState::Running { .. } => "running",
            FakeState::Exited { .. } => "exited",
            FakeState::Restarting { .. } => "restarting",
        }
    }

    /// Started and not stopped since: logs can be followed, execs run.
    pub fn is_running(&self) -> bool {
        matches!(self, FakeState::Running { .. })
    }

    fn running_since(&self) -> Option<OffsetDateTime> {
        match *self {
            FakeState::Running { started_at } => Some(started_at),
            _ => None,
        }
    }

    fn started_at(&self) -> Option<OffsetDateTime> {
        match *self {
            FakeState::Created => None,
            FakeState::Running { started_at }
            | FakeState::Exited { started_at, .. }
            | FakeState::Restarting { started_at, .. } => Some(started_at),
        }
    }

    fn finished_at(&self) -> Option<OffsetDateTime> {
        match *self {
            FakeState::Exited { finished_at, .. } | FakeState::Restarting { finished_at, .. } => {
                Some(finished_at)
            }
            _ => None,
        }
    }
}

/// One line of a container's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeLogLine {
    pub at: OffsetDateTime,
    pub stderr: bool,
    /// Without the trailing newline.
    pub text: String,
}

impl FakeLogLine {
    pub fn stdout(at: OffsetDateTime, text: impl Into<String>) -> FakeLogLine {
        FakeLogLine {
            at,
            stderr: false,
            text: text.into(),
        }
    }

    pub fn stderr(at: OffsetDateTime, text: impl Into<String>) -> FakeLogLine {
        FakeLogLine {
            at,
            stderr: true,
            text: text.into(),
        }
    }
}

/// An error the engine answers: `{"message": ...}` with a status.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    fn no_such_container(name: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("No such container: {name}"))
    }

    fn page_not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "page not found")
    }

    /// The body, as the engine writes it (with a trailing newline).
    fn body(&self) -> String {
        format!("{}\n", serde_json::json!({ "message": self.message }))
    }
}

/// A container and what the engine keeps beside it.
struct Slot {
    c: FakeContainer,
    /// Counts the starts: a log follower belongs to one run and ends with it.
    run: u64,
    /// `(run, number of log lines when it ended)` of the last runs that ended.
    run_ends: VecDeque<(u64, usize)>,
    /// The last time it stopped: `FinishedAt` stays when it runs again.
    last_finished: Option<OffsetDateTime>,
}

impl Slot {
    fn new(mut c: FakeContainer) -> Slot {
        normalize_logs(&mut c.logs);
        let last_finished = c.state.finished_at();
        Slot {
            c,
            run: 1,
            run_ends: VecDeque::new(),
            last_finished,
        }
    }

    /// Change the container, keeping the engine's bookkeeping right: a run that ends ends its
    /// followers; a new run starts a new count.
    fn mutate(&mut self, f: impl FnOnce(&mut FakeContainer)) {
        let before = self.c.state.running_since();
        f(&mut self.c);
        normalize_logs(&mut self.c.logs);
        let after = self.c.state.running_since();
        if before.is_some() && before != after {
            if self.run_ends.len() == 8 {
                self.run_ends.pop_front();
            }
            self.run_ends.push_back((self.run, self.c.logs.len()));
        }
        if after.is_some() && before != after {
            self.run += 1;
        }
        if let Some(t) = self.c.state.finished_at() {
            self.last_finished = Some(t);
        }
    }

    /// Where the lines of `run` end (the current length while it goes on).
    fn end_of_run(&self, run: u64) -> usize {
        self.run_ends
            .iter()
            .find(|(r, _)| *r == run)
            .map(|(_, n)| *n)
            .unwrap_or(self.c.logs.len())
    }

    fn run_is_over(&self, run: u64) -> bool {
        self.run != run || !self.c.state.is_running()
    }

    /// Started by the engine (`start`, the second half of `restart`).
    fn start(&mut self, now: OffsetDateTime) {
        self.mutate(|c| {
            c.state = FakeState::Running { started_at: now };
            if c.health.is_some() {
                c.health = Some("healthy".into());
            }
        });
        match self.c.on_start.clone() {
            Some(hook) => self.mutate(|c| hook(c, now)),
            None => {
                let lines = world::startup_lines(&self.c, now);
                self.mutate(|c| c.logs.extend(lines));
            }
        }
    }

    /// Stopped by the engine (`stop`, the first half of `restart`).
    fn stop(&mut self, now: OffsetDateTime) {
        let code = world::stop_exit_code(&self.c);
        self.mutate(|c| {
            c.state = match c.state {
                FakeState::Running { started_at } => FakeState::Exited {
                    code,
                    oom_killed: false,
                    started_at,
                    finished_at: now,
                },
                FakeState::Restarting {
                    code,
                    started_at,
                    finished_at,
                } => FakeState::Exited {
                    code,
                    oom_killed: false,
                    started_at,
                    finished_at,
                },
                other => other,
            }
        });
    }
}

/// One text per line: the engine stores (and timestamps) lines, not writes.
fn normalize_logs(logs: &mut Vec<FakeLogLine>) {
    if !logs
        .iter()
        .any(|l| l.text.contains('\n') || l.text.ends_with('\r'))
    {
        return;
    }
    let old = std::mem::take(logs);
    for line in old {
        let text = line.text.strip_suffix('\n').unwrap_or(&line.text);
        for part in text.split('\n') {
            logs.push(FakeLogLine {
                at: line.at,
                stderr: line.stderr,
                text: part.strip_suffix('\r').unwrap_or(part).to_string(),
            });
        }
    }
}

/// An exec instance.
struct ExecRecord {
    container_id: String,
    cmd: Vec<String>,
    tty: bool,
    attach_stdout: bool,
    attach_stderr: bool,
    running: bool,
    exit_code: Option<i64>,
}

/// What the engine knows.
struct World {
    slots: Vec<Slot>,
    execs: HashMap<String, ExecRecord>,
    exec_seq: u64,
    frozen_now: Option<OffsetDateTime>,
    requests: VecDeque<String>,
}

impl World {
    fn now(&self) -> OffsetDateTime {
        self.frozen_now.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// By full id, by name (with or without its `/`), by unique id prefix, as the engine does.
    fn find_index(&self, name_or_id: &str) -> Result<usize, ApiError> {
        let name = name_or_id.strip_prefix('/').unwrap_or(name_or_id);
        if name.is_empty() {
            return Err(ApiError::no_such_container(name_or_id));
        }
        if let Some(i) = self
            .slots
            .iter()
            .position(|s| s.c.id == name || s.c.name == name)
        {
            return Ok(i);
        }
        let mut by_prefix = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.c.id.starts_with(name));
        match (by_prefix.next(), by_prefix.next()) {
            (Some((i, _)), None) => Ok(i),
            (Some(_), Some(_)) => Err(ApiError::bad_request(format!(
                "multiple IDs found with provided prefix: {name}"
            ))),
            _ => Err(ApiError::no_such_container(name_or_id)),
        }
    }

    fn find(&self, name_or_id: &str) -> Result<&Slot, ApiError> {
        let i = self.find_index(name_or_id)?;
        Ok(&self.slots[i])
    }

    fn find_mut(&mut self, name_or_id: &str) -> Result<&mut Slot, ApiError> {
        let i = self.find_index(name_or_id)?;
        Ok(&mut self.slots[i])
    }
}

/// The state every request and every clone of [`FakeEngine`] shares.
struct Shared {
    world: Mutex<World>,
    /// Bumped after every change: log followers wait on it.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn record(&self, request: String) {
        let mut w = self.world();
        if w.requests.len() == KEPT_REQUESTS {
            w.requests.pop_front();
        }
        w.requests.push_back(request);
    }
}

/// The simulated engine: the shared world, served by [`FakeEngine::serve`].
#[derive(Clone)]
pub struct FakeEngine {
    shared: Arc<Shared>,
}

impl fmt::Debug for FakeEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.shared.world();
        f.debug_struct("FakeEngine")
            .field(
                "containers",
                &w.slots.iter().map(|s| &s.c.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl FakeEngine {
    pub fn new(containers: Vec<FakeContainer>) -> FakeEngine {
        let (changed, _) = watch::channel(0);
        FakeEngine {
            shared: Arc::new(Shared {
                world: Mutex::new(World {
                    slots: containers.into_iter().map(Slot::new).collect(),
                    execs: HashMap::new(),
                    exec_seq: 0,
                    frozen_now: None,
                    requests: VecDeque::new(),
                }),
                changed,
            }),
        }
    }

    /// Serves on an already-bound listener (tests bind `127.0.0.1:0`); returns at once.
    pub async fn serve(&self, listener: TcpListener) -> anyhow::Result<FakeEngineHandle> {
        let addr = listener
            .local_addr()
            .context("the fake engine's listener has no local address")?;
        let (down_tx, down_rx) = watch::channel(false);
        let app = api::router(api::AppState {
            shared: self.shared.clone(),
            down: down_rx.clone(),
        });
        let accepted = Arc::new(AtomicU64::new(0));
        let server = conn::serve(listener, app, down_rx, accepted.clone());
        Ok(FakeEngineHandle {
            addr,
            down: down_tx,
            server: Some(server),
            accepted,
        })
    }

    /// Appends a line to a container's logs (followers get it at once). False: no such
    /// container.
    pub fn push_log(&self, container: &str, line: FakeLogLine) -> bool {
        self.update(container, |c| c.logs.push(line))
    }

    /// False: no such container.
    pub fn set_state(&self, container: &str, state: FakeState) -> bool {
        self.update(container, |c| c.state = state)
    }

    /// Any change to a container (restart count, health, exec handler, logs...), made with the
    /// engine locked: `f` must not call the engine. False: no such container.
    pub fn update(&self, container: &str, f: impl FnOnce(&mut FakeContainer)) -> bool {
        let found = {
            let mut w = self.shared.world();
            match w.find_mut(container) {
                Ok(slot) => {
                    slot.mutate(f);
                    true
                }
                Err(_) => false,
            }
        };
        if found {
            self.shared.notify();
        }
        found
    }

    /// A copy of the container, by name, id or unique id prefix.
    pub fn container(&self, name_or_id: &str) -> Option<FakeContainer> {
        let w = self.shared.world();
        w.find(name_or_id).ok().map(|s| s.c.clone())
    }

    /// Every container, in the order given.
    pub fn containers(&self) -> Vec<FakeContainer> {
        self.shared
            .world()
            .slots
            .iter()
            .map(|s| s.c.clone())
            .collect()
    }

    /// The engine's clock, for the times it writes (`StartedAt` of a restart, `Status`):
    /// `Some(t)` freezes it at `t`, `None` (the default) is real time.
    pub fn set_clock(&self, now: Option<OffsetDateTime>) {
        self.shared.world().frozen_now = now;
    }

    pub fn now(&self) -> OffsetDateTime {
        self.shared.world().now()
    }

    /// The requests served so far (the last 1000), `METHOD /path?query` as they came: what
    /// cleanops asked, for tests and `--dry-run` checks.
    pub fn requests(&self) -> Vec<String> {
        self.shared.world().requests.iter().cloned().collect()
    }
}

/// A served [`FakeEngine`]. Dropping it stops it too (without waiting); prefer
/// [`FakeEngineHandle::shutdown`].
pub struct FakeEngineHandle {
    addr: SocketAddr,
    down: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    accepted: Arc<AtomicU64>,
}

impl fmt::Debug for FakeEngineHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeEngineHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

impl FakeEngineHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `tcp://127.0.0.1:PORT`, for `DOCKER_HOST` or `--docker-host`.
    pub fn host(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    /// The connections accepted so far: a client that pools its connections (reqwest, the
    /// docker CLI) sends many requests on one. (bollard's plain HTTP and unix clients keep no
    /// idle connection: one each request.)
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Stops accepting, ends log follows, closes idle connections, lets in-flight requests
    /// finish (briefly), then cuts off what is left.
    pub async fn shutdown(mut self) {
        let _ = self.down.send(true);
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for FakeEngineHandle {
    fn drop(&mut self) {
        // The server closes its listener and its connections by itself.
        let _ = self.down.send(true);
    }
}
