//! The Docker test stack (`tests/stack/compose.yml`): the app's `db`, `api` and `jobs` services as
//! real containers on the local engine, for the tests of cleanops' Docker commands.
//!
//! No image is pulled. The one test image is built from the simulator's multi-call binary
//! (`cleanops-sim`, built with the tests): a root filesystem holding the binary (debug info
//! stripped), the shared libraries `ldd` lists and symlinks `python`, `python3`, `pg_isready`,
//! `postgres` to it (the binary plays those programs, see `cleanops_sim::multicall`), imported
//! with `docker import` and tagged by a hash of the binary, so it is built once per binary.
//! cleanops itself runs on the host, as on an on-call engineer's machine. In the stack, `api` is
//! `cleanops-sim serve` (real time, not the frozen clock of the other tests), `jobs` runs the
//! real runner's command `python -m app.jobs.run --interval 1`, and `db` idles like PostgreSQL;
//! the simulated database lives in the api simulator, steered by [`Stack::control`], and
//! follows the `db` container (stopped or frozen, the database is down for the api and the
//! runner).
//!
//! Every stack has its own compose project and is removed on drop, also when the test panicked;
//! stacks left by killed test processes are swept at the next run.
//!
//! Tests that need an engine start with `if !stack::docker_or_skip() { return; }`. Without an
//! engine they skip, unless `CLEANOPS_REQUIRE_DOCKER=1` (CI), where they fail.
//!
//! A test that needs only one container's output (what `cleanops logs` makes of it) runs a
//! [`OneOff`] instead: one container of the same image, labelled as a service of a project of its
//! own, removed on drop and swept like a stack.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::{ADMIN_PASSWORD, Run, TestSim};

/// The compose file every stack starts from.
const COMPOSE_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/stack/compose.yml");
/// The stack of the database tests: the app's `db` service as a real PostgreSQL.
const PG_COMPOSE_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/stack/compose-pg.yml");
/// Builds the PostgreSQL image from this machine's PostgreSQL 15.
const PG_IMAGE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/stack/pg-image.sh");
/// The database tests' tables (`outbox_events`, `export_events`, `job_heartbeats`).
pub const PG_SCHEMA: &str = include_str!("../stack/dlq-schema.sql");
/// Repository of the test images; the tag is a hash of the binary and [`IMAGE_LAYOUT`].
const IMAGE_REPO: &str = "cleanops-it";
/// Bump when the image's contents change for the same binary, so a cached image is rebuilt.
/// 3: the multi-call binary is `cleanops-sim`, and the programs it plays link to it.
const IMAGE_LAYOUT: u64 = 3;
/// Prefix of every stack's compose project name (lowercase alphanumerics only: compose v1 drops
/// anything else from project names).
const PROJECT_PREFIX: &str = "cleanopsit";
/// How long a stack may take to serve its first heartbeat.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound of any one docker or compose command, so a wedged engine fails a test instead of
/// hanging it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How often the waits poll.
const POLL: Duration = Duration::from_millis(100);

/// The label compose puts on everything of a project.
const PROJECT_LABEL: &str = "com.docker.compose.project";

// ---------------------------------------------------------------------------------------------
// The engine

/// True when a Docker engine answers. When none does: a panic under
/// `CLEANOPS_REQUIRE_DOCKER=1` (CI must fail, not skip), otherwise a note on stderr and false.
pub fn docker_or_skip() -> bool {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let available = AVAILABLE.get_or_init(probe_engine);
    match available {
        Ok(()) => true,
        Err(why) if std::env::var("CLEANOPS_REQUIRE_DOCKER").as_deref() == Ok("1") => {
            panic!("CLEANOPS_REQUIRE_DOCKER=1 but the Docker stack cannot run: {why}")
        }
        Err(why) => {
            eprintln!(
                "skipping a Docker test: {why} (set CLEANOPS_REQUIRE_DOCKER=1 to fail instead)"
            );
            false
        }
    }
}

fn probe_engine() -> Result<(), String> {
    let version = bounded(
        Command::new("docker").args(["version", "--format", "{{.Server.Version}}"]),
        Duration::from_secs(5),
    )
    .map_err(|e| format!("the docker CLI cannot run: {e}"))?;
    if version.code != 0 {
        return Err(format!(
            "no Docker engine answered `docker version`: {}",
            version.stderr.trim()
        ));
    }
    compose_program().map(|_| ())
}

/// `docker compose` (v2) when it is installed, else `docker-compose` (v1).
fn compose_program() -> Result<&'static [&'static str], String> {
    static PROGRAM: OnceLock<Result<&'static [&'static str], String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let candidates: [&'static [&'static str]; 2] =
                [&["docker", "compose"], &["docker-compose"]];
            for program in candidates {
                let mut cmd = Command::new(program[0]);
                cmd.args(&program[1..]).arg("version");
                if bounded(&mut cmd, Duration::from_secs(10)).is_ok_and(|r| r.code == 0) {
                    return Ok(program);
                }
            }
            Err("neither `docker compose` nor `docker-compose` is installed".to_owned())
        })
        .clone()
}

/// The compose command as cleanops prints it on this host: `docker compose` (v2) or
/// `docker-compose` (v1).
pub fn compose_cli() -> String {
    compose_program()
        .map(|p| p.join(" "))
        .unwrap_or_else(|_| "docker compose".into())
}

/// `docker ARGS`, bounded; panics only when the CLI cannot be started at all.
pub fn docker(args: &[&str]) -> Run {
    bounded(Command::new("docker").args(args), COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("docker {args:?}: {e}"))
}

/// Runs `cmd` to its end or until `limit` (then kills it), capturing both streams; stdin is
/// empty.
fn bounded(cmd: &mut Command, limit: Duration) -> Result<Run, String> {
    bounded_with_input(cmd, Stdio::null(), limit)
}

fn bounded_with_input(cmd: &mut Command, stdin: Stdio, limit: Duration) -> Result<Run, String> {
    let started = Instant::now();
    let mut child = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    // Both pipes are drained on threads, so a chatty child never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{:?} {:?} did not end within {limit:?}",
                    cmd.get_program(),
                    cmd.get_args().collect::<Vec<_>>()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for {:?}: {e}", cmd.get_program())),
        }
    };
    Ok(Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed: started.elapsed(),
    })
}

// ---------------------------------------------------------------------------------------------
// The image

/// The test image's tag, built on first use (once per process, and once per binary overall).
pub fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        build_image().unwrap_or_else(|e| panic!("cannot build the test image: {e}"))
    })
}

fn build_image() -> Result<String, String> {
    let binary = crate::sim_bin();
    let tag = format!("{IMAGE_REPO}:{:016x}", file_hash(&binary)?);
    if docker(&["image", "inspect", "--format", "{{.Id}}", &tag]).code == 0 {
        return Ok(tag);
    }
    let root = tempfile::tempdir().map_err(|e| format!("a staging directory: {e}"))?;
    stage_rootfs(root.path(), &binary)?;
    let mut tar = Command::new("tar")
        .args(["--numeric-owner", "--owner=0", "--group=0", "-C"])
        .arg(root.path())
        .args(["-cf", "-", "."])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let tar_out = tar.stdout.take().ok_or("tar has no stdout")?;
    let import = bounded_with_input(
        Command::new("docker").args([
            "import",
            "--change",
            "ENV PATH=/usr/local/bin:/usr/bin:/bin",
            "--change",
            "WORKDIR /app",
            "--change",
            "LABEL org.opencontainers.image.title=cleanops-test-image",
            "-",
            &tag,
        ]),
        Stdio::from(tar_out),
        COMMAND_TIMEOUT,
    );
    let tar_status = tar.wait().map_err(|e| format!("tar: {e}"))?;
    let import = import?;
    if !tar_status.success() || import.code != 0 {
        return Err(format!(
            "tar {tar_status}, docker import exit {}: {}",
            import.code, import.stderr
        ));
    }
    remove_older_images();
    Ok(tag)
}

/// The binary's contents and the layout version, hashed. `DefaultHasher` has fixed keys, so the
/// tag is stable for a binary (a new toolchain may change it: one rebuild, nothing worse).
fn file_hash(path: &Path) -> Result<u64, String> {
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut hasher = DefaultHasher::new();
    hasher.write_u64(IMAGE_LAYOUT);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.write(&buf[..n]);
    }
    Ok(hasher.finish())
}

/// The image's root filesystem: the binary, its libraries at the paths `ldd` gives, the
/// multi-call names, and the few files containers expect.
fn stage_rootfs(root: &Path, binary: &Path) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let bin_dir = root.join("usr/local/bin");
    for dir in ["usr/local/bin", "etc", "tmp", "app", "root"] {
        std::fs::create_dir_all(root.join(dir)).map_err(|e| io(dir, e))?;
    }
    let target = bin_dir.join("cleanops-sim");
    // Debug info is most of a debug binary (about 120 MB to 30 MB); keep it out of the image.
    let stripped = Command::new("objcopy")
        .arg("--strip-debug")
        .arg(binary)
        .arg(&target)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(binary, &target).map_err(|e| io("copying the binary", e))?;
    }
    for name in cleanops_sim::multicall::PROGRAMS {
        std::os::unix::fs::symlink("cleanops-sim", bin_dir.join(name)).map_err(|e| io(name, e))?;
    }
    for lib in shared_libraries(binary)? {
        let dest = root.join(lib.strip_prefix("/").unwrap_or(&lib));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("a library directory", e))?;
        }
        // `copy` follows symlinks: the file lands under the name the loader asks for.
        std::fs::copy(&lib, &dest).map_err(|e| io(&lib.display().to_string(), e))?;
    }
    let files = [
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/app:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
        ),
        ("etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n"),
        ("etc/hostname", "cleanops-it\n"),
    ];
    for (path, text) in files {
        std::fs::write(root.join(path), text).map_err(|e| io(path, e))?;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777))
        .map_err(|e| io("tmp", e))?;
    Ok(())
}

/// The libraries `ldd` resolves for `binary` (none for a static one), the loader included.
fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, String> {
    let run = bounded(Command::new("ldd").arg(binary), Duration::from_secs(30))?;
    if run.code != 0 {
        // "not a dynamic executable": a static binary needs nothing.
        return Ok(Vec::new());
    }
    // Lines: `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)`,
    // `/lib64/ld-linux-x86-64.so.2 (0x...)`, `linux-vdso.so.1 (0x...)` (in the kernel).
    Ok(run
        .stdout
        .lines()
        .filter_map(|line| {
            let path = match line.split_once("=>") {
                Some((_, right)) => right.split_whitespace().next()?,
                None => line.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect())
}

/// Images of earlier binaries, once they are an hour old: nothing will use them again. The
/// hour spares the image of a test run going on beside this one (another checkout's binary),
/// which its stacks are about to start; an image a container still uses is never removed.
fn remove_older_images() {
    let _ = docker(&[
        "image",
        "prune",
        "--all",
        "--force",
        "--filter",
        "label=org.opencontainers.image.title=cleanops-test-image",
        "--filter",
        "until=1h",
    ]);
}

/// The PostgreSQL test image's tag, built on first use from this machine's PostgreSQL 15 by
/// `tests/stack/pg-image.sh`, tagged by a hash of the script and the server binary.
pub fn pg_image() -> &'static str {
    PG_IMAGE.get_or_init(|| {
        build_pg_image().unwrap_or_else(|e| panic!("cannot build the PostgreSQL test image: {e}"))
    })
}

static PG_IMAGE: OnceLock<String> = OnceLock::new();

fn build_pg_image() -> Result<String, String> {
    let mut hasher = DefaultHasher::new();
    hasher.write_u64(file_hash(Path::new(PG_IMAGE_SCRIPT))?);
    hasher.write_u64(file_hash(Path::new("/usr/lib/postgresql/15/bin/postgres"))?);
    let tag = format!("{IMAGE_REPO}-pg:{:016x}", hasher.finish());
    if docker(&["image", "inspect", "--format", "{{.Id}}", &tag]).code == 0 {
        return Ok(tag);
    }
    let built = bounded(
        Command::new("bash").args([PG_IMAGE_SCRIPT, &tag]),
        COMMAND_TIMEOUT,
    )?;
    if built.code != 0 {
        return Err(format!(
            "{PG_IMAGE_SCRIPT} exit {}: {}",
            built.code, built.stderr
        ));
    }
    Ok(tag)
}

// ---------------------------------------------------------------------------------------------
// Stacks

/// A running stack. Dropping it removes its containers and network.
pub struct Stack {
    /// The compose project name (unique per stack).
    pub project: String,
    /// `http://127.0.0.1:PORT` of the api service.
    pub api_url: String,
    /// The deployment's `.env` (`env_file` of `api` and `jobs`), `<project_dir>/.env`.
    pub env_file: PathBuf,
    /// The deployment's directory, `<dir>/<project>`, as `/opt/cleaning` is the real one's: its
    /// `docker-compose.yml` (the stack's compose file with the harness's values filled in) and
    /// its `.env`. Named after the project, so a compose command run in it, as cleanops prints
    /// them (`cd DIR && docker compose up -d jobs`), acts on this stack and nothing else.
    pub project_dir: PathBuf,
    /// HOME of the cleanops runs.
    pub dir: TempDir,
    /// The image every service runs.
    pub image: String,
    /// The compose file of this stack, in its project directory.
    compose_file: PathBuf,
}

impl Stack {
    /// Starts a stack whose `.env` is `env_file_text`, and waits (bounded) until the api answers
    /// and the `jobs` container has written its first heartbeat.
    pub fn up(env_file_text: &str) -> Stack {
        let mut stack = Stack::started(image().to_owned(), COMPOSE_FILE, env_file_text);
        let api = stack.container_id("api");
        let port = docker(&["port", &api, "8000/tcp"]);
        let addr = port
            .stdout
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        assert!(
            port.code == 0 && !addr.is_empty(),
            "no host port for the api: {}{}",
            port.stdout,
            port.stderr
        );
        stack.api_url = format!("http://{addr}");
        stack.wait_until(
            "the api answers and the first heartbeat is written",
            READY_TIMEOUT,
            |s| s.get("/healthz").0 == 200 && !s.state()["heartbeat"].is_null(),
        );
        stack
    }

    /// A stack of the app's `db` service alone, as a real PostgreSQL 15 holding the tables of
    /// [`PG_SCHEMA`], with the deployment's `.env` `env_file_text`. For the database path of the
    /// dead-letter queue; `api_url` is empty (the tests bring a simulator when they need one).
    pub fn up_postgres(env_file_text: &str) -> Stack {
        let stack = Stack::started(pg_image().to_owned(), PG_COMPOSE_FILE, env_file_text);
        stack.wait_until("PostgreSQL accepts connections", READY_TIMEOUT, |s| {
            s.exec("db", &["pg_isready", "-U", "cleaning", "-d", "cleaning"])
                .code
                == 0
        });
        stack.psql(PG_SCHEMA);
        stack
    }

    /// Run SQL in the stack's database as its superuser; the rows, one a line (`-A -t`).
    pub fn psql(&self, sql: &str) -> String {
        let r = self.exec(
            "db",
            &[
                "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "cleaning",
                "-d",
                "cleaning",
                "-c",
                sql,
            ],
        );
        assert_eq!(r.code, 0, "psql {sql}: {}", r.stderr);
        r.stdout
    }

    /// A new project of `compose_file` with its own directory and `.env`, brought up.
    fn started(image: String, compose_file: &str, env_file_text: &str) -> Stack {
        sweep_abandoned_stacks();
        let project = new_project_name();
        let dir = tempfile::tempdir().expect("a temp dir");
        let project_dir = dir.path().join(&project);
        let env_file = project_dir.join(".env");
        std::fs::create_dir_all(&project_dir).expect("the project dir");
        std::fs::write(&env_file, env_file_text).expect("the env file");
        let compose_text = std::fs::read_to_string(compose_file)
            .expect("the stack's compose file")
            .replace("${CLEANOPS_TEST_IMAGE}", &image)
            .replace("${CLEANOPS_TEST_ENV_FILE}", &env_file.display().to_string())
            .replace("${CLEANOPS_SIM_ADMIN_PASSWORD}", ADMIN_PASSWORD)
            // A host port the OS chose, fixed in the file: a re-created api container (an
            // env file applied, `up -d api`) keeps it, as the real deployment's proxy keeps
            // its address. An engine-chosen port would change with every re-creation.
            .replace(
                "\"127.0.0.1::8000\"",
                &format!("\"127.0.0.1:{}:8000\"", free_port()),
            );
        let compose_file = project_dir.join("docker-compose.yml");
        std::fs::write(&compose_file, compose_text).expect("the deployment's compose file");
        // From here on, a panic drops the stack, which removes whatever `up` created.
        let stack = Stack {
            project,
            api_url: String::new(),
            env_file,
            project_dir,
            dir,
            image,
            compose_file,
        };
        stack.compose(&["up", "-d"]).code(0);
        stack
    }

    /// The variables a cleanops run against this stack needs: the api, the admin, the project,
    /// the env file, and the engine when the test's environment names one.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("CLEANOPS_API_URL".to_owned(), self.api_url.clone()),
            ("ADMIN_BASIC_USERNAME".to_owned(), "admin".to_owned()),
            ("ADMIN_BASIC_PASSWORD".to_owned(), ADMIN_PASSWORD.to_owned()),
            ("CLEANOPS_PROJECT_NAME".to_owned(), self.project.clone()),
            ("COMPOSE_PROJECT_NAME".to_owned(), self.project.clone()),
            (
                "CLEANOPS_PROJECT_DIR".to_owned(),
                self.project_dir.display().to_string(),
            ),
            (
                "CLEANOPS_ENV_FILE".to_owned(),
                self.env_file.display().to_string(),
            ),
        ];
        env.extend(engine_env());
        env
    }

    /// `cleanops ARGS` against this stack, on the real clock (the stack's simulator runs on real
    /// time), as the admin.
    pub fn cleanops(&self, args: &[&str]) -> Run {
        crate::run_env_live(args, &self.env(), &self.dir)
    }

    /// The id of the service's container (also a stopped or restarting one).
    pub fn container_id(&self, service: &str) -> String {
        let project = format!("label={PROJECT_LABEL}={}", self.project);
        let service_filter = format!("label=com.docker.compose.service={service}");
        let r = docker(&[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &project,
            "--filter",
            &service_filter,
            "--filter",
            "label=com.docker.compose.oneoff=False",
        ]);
        let ids: Vec<&str> = r.stdout.split_whitespace().collect();
        match ids.as_slice() {
            [one] => (*one).to_owned(),
            _ => panic!(
                "expected one {service} container in {}, found {ids:?}: {}",
                self.project, r.stderr
            ),
        }
    }

    /// `docker ARGS` (the tests' own manipulations: stop, kill, restart, inspect).
    pub fn docker(&self, args: &[&str]) -> Run {
        docker(args)
    }

    /// `docker exec <service's container> ARGS`.
    pub fn exec(&self, service: &str, args: &[&str]) -> Run {
        let id = self.container_id(service);
        let mut all = vec!["exec", id.as_str()];
        all.extend_from_slice(args);
        docker(&all)
    }

    /// `docker inspect --format FORMAT` of the service's container, trimmed.
    pub fn inspect(&self, service: &str, format: &str) -> String {
        let id = self.container_id(service);
        let r = docker(&["inspect", "--format", format, &id]);
        assert_eq!(r.code, 0, "docker inspect {service}: {}", r.stderr);
        r.stdout.trim().to_owned()
    }

    /// The compose tool with this stack's project and file, e.g. `&["up", "-d",
    /// "--force-recreate", "jobs"]`.
    pub fn compose(&self, args: &[&str]) -> Run {
        let program = compose_program().unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(program[0]);
        cmd.args(&program[1..])
            .arg("-p")
            .arg(&self.project)
            .arg("-f")
            .arg(&self.compose_file)
            .args(args)
            // The project and file come from the flags; a developer's own settings must not
            // redirect them.
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env("CLEANOPS_TEST_IMAGE", &self.image)
            .env("CLEANOPS_TEST_ENV_FILE", &self.env_file)
            .env("CLEANOPS_SIM_ADMIN_PASSWORD", ADMIN_PASSWORD);
        bounded(&mut cmd, COMMAND_TIMEOUT).unwrap_or_else(|e| panic!("compose {args:?}: {e}"))
    }

    /// `docker logs` of the service's container: its stdout and stderr, kept apart.
    pub fn logs(&self, service: &str) -> Run {
        let id = self.container_id(service);
        docker(&["logs", &id])
    }

    /// `POST /_sim/control` over the published port; returns the new state.
    pub fn control(&self, doc: Value) -> Value {
        let (status, body) = http(
            "POST",
            &format!("{}/_sim/control", self.api_url),
            Some(&doc),
        );
        assert_eq!(status, 200, "control {doc}: {body}");
        serde_json::from_str(&body).expect("the control answer is JSON")
    }

    /// `GET /_sim/state`.
    pub fn state(&self) -> Value {
        let (status, body) = self.get("/_sim/state");
        assert_eq!(status, 200, "/_sim/state: {body}");
        serde_json::from_str(&body).expect("the state is JSON")
    }

    /// A plain GET of the api (no credentials); status 0 when it did not answer.
    pub fn get(&self, path: &str) -> (u16, String) {
        http("GET", &format!("{}{path}", self.api_url), None)
    }

    /// Polls `ready` every 100 ms until it holds; panics after `limit`, with the stack's state.
    pub fn wait_until(&self, what: &str, limit: Duration, mut ready: impl FnMut(&Stack) -> bool) {
        let deadline = Instant::now() + limit;
        while !ready(self) {
            if Instant::now() > deadline {
                panic!(
                    "timed out after {limit:?} waiting until {what}\n{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// The services' status and their last log lines, for failure messages.
    pub fn diagnostics(&self) -> String {
        let ps = self.compose(&["ps"]);
        let logs = self.compose(&["logs", "--no-color", "--tail", "30"]);
        format!(
            "--- compose ps\n{}{}--- compose logs\n{}{}",
            ps.stdout, ps.stderr, logs.stdout, logs.stderr
        )
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "stack {} after a failure:\n{}",
                self.project,
                self.diagnostics()
            );
        }
        let down = self.compose(&["down", "-v", "--remove-orphans", "-t", "1"]);
        if down.code != 0 {
            eprintln!("compose down of {} failed: {}", self.project, down.stderr);
        }
        // Whatever compose left behind (a failed `up`, compose itself failing).
        remove_project(&self.project);
    }
}

/// A loopback port nothing listens on right now, chosen by the OS.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A compose project name of this test process, unique in it (the sweep reads the pid back).
/// The engine of the tests' own containers: the test process's `DOCKER_*` variables, else the
/// local socket (the harness gives every other run no engine at all).
fn engine_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), std::env::var(name).ok()?)))
        .collect();
    if std::env::var_os("DOCKER_HOST").is_none() {
        env.push((
            "DOCKER_HOST".to_owned(),
            "unix:///var/run/docker.sock".to_owned(),
        ));
    }
    env
}

fn new_project_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{PROJECT_PREFIX}{}{}x{}",
        host_tag(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// One container of the test image outside any stack, labelled as service `service` of a
/// compose project of its own, so that `cleanops logs SERVICE` finds it. Lighter than a
/// [`Stack`] when a test needs only a container's output. Removed on drop (and swept like a
/// stack when its test process was killed).
pub struct OneOff {
    pub project: String,
    pub id: String,
    /// HOME of the cleanops runs.
    pub dir: TempDir,
}

impl OneOff {
    /// `docker run -d` of the test image with `command`.
    pub fn run(service: &str, command: &[&str]) -> OneOff {
        let image = image().to_owned();
        sweep_abandoned_stacks();
        let project = new_project_name();
        let project_label = format!("{PROJECT_LABEL}={project}");
        let service_label = format!("com.docker.compose.service={service}");
        let mut args = vec![
            "run",
            "-d",
            "--label",
            &project_label,
            "--label",
            &service_label,
            "--label",
            "com.docker.compose.container-number=1",
            "--label",
            "com.docker.compose.oneoff=False",
            &image,
        ];
        args.extend_from_slice(command);
        // From here on, a panic removes whatever was created.
        let mut one = OneOff {
            project,
            id: String::new(),
            dir: tempfile::tempdir().expect("a temp dir"),
        };
        let r = docker(&args);
        assert_eq!(r.code, 0, "docker run: {}", r.stderr);
        one.id = r.stdout.trim().to_owned();
        one
    }

    /// `cleanops ARGS` with this container's project, on the real clock.
    pub fn cleanops(&self, args: &[&str]) -> Run {
        crate::run_env_live(args, &self.env(), &self.dir)
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![("CLEANOPS_PROJECT_NAME".to_owned(), self.project.clone())];
        env.extend(engine_env());
        env
    }
}

impl Drop for OneOff {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.id.is_empty() {
            let logs = docker(&["logs", "--tail", "20", &self.id]);
            eprintln!(
                "container {} after a failure:\n{}{}",
                self.id,
                logs.stdout.chars().take(4000).collect::<String>(),
                logs.stderr.chars().take(4000).collect::<String>()
            );
        }
        remove_project(&self.project);
    }
}

/// Force-removes every container and network labelled with the project.
fn remove_project(project: &str) {
    let filter = format!("label={PROJECT_LABEL}={project}");
    let containers = docker(&["ps", "-aq", "--filter", &filter]);
    let ids: Vec<&str> = containers.stdout.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f", "-v"];
        args.extend(ids);
        let _ = docker(&args);
    }
    let networks = docker(&["network", "ls", "-q", "--filter", &filter]);
    for id in networks.stdout.split_whitespace() {
        let _ = docker(&["network", "rm", id]);
    }
}

/// Six hex digits naming this machine (its UTS hostname), in project names: processes of other
/// machines or containers sharing the engine have pids this one cannot see, so only stacks of
/// this host are ever swept.
fn host_tag() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let mut hasher = DefaultHasher::new();
    hasher.write(host.trim().as_bytes());
    format!("{:06x}", hasher.finish() & 0xff_ffff)
}

/// Removes, once per process, the stacks of test processes of this host that no longer run (a
/// killed `cargo test` never drops its stacks; with `restart: unless-stopped` they would run
/// forever).
fn sweep_abandoned_stacks() {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        let listed = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label={PROJECT_LABEL}"),
            "--format",
            &format!("{{{{.Label \"{PROJECT_LABEL}\"}}}}"),
        ]);
        let tag = host_tag();
        let mut projects: Vec<&str> = listed.stdout.lines().map(str::trim).collect();
        projects.sort_unstable();
        projects.dedup();
        for project in projects {
            let Some(rest) = project.strip_prefix(PROJECT_PREFIX) else {
                continue;
            };
            let Some(pid) = rest
                .strip_prefix(tag.as_str())
                .and_then(|r| r.split_once('x'))
                .and_then(|(pid, _)| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                eprintln!("removing the abandoned test stack {project}");
                remove_project(project);
            }
        }
    });
}

/// One HTTP request with a JSON body or none; `(0, error)` when nothing answered.
fn http(method: &str, url: &str, body: Option<&Value>) -> (u16, String) {
    cleanops::tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = client.request(method, url);
        if let Some(body) = body {
            req = req.json(body);
        }
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                (status, resp.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The multi-call programs without Docker: the binary started as `python` / `pg_isready` against
// an in-process simulator.

/// The multi-call binary started under the name `program`, with only `env` (and PATH).
fn as_program(program: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(crate::sim_bin());
    cmd.arg0(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run_as(program: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    bounded(&mut as_program(program, args, env), Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"))
}

/// The shipped binary does not care what it is called: renamed or linked as `python` or
/// `pg_isready` it is still cleanops (only `cleanops-sim` plays those programs).
#[test]
fn cleanops_under_another_name_is_still_cleanops() {
    for program in cleanops_sim::multicall::PROGRAMS {
        let mut cmd = Command::new(crate::bin());
        cmd.arg0(program)
            .arg("--version")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        let r =
            bounded(&mut cmd, Duration::from_secs(60)).unwrap_or_else(|e| panic!("{program}: {e}"));
        r.code(0);
        assert!(r.stdout.starts_with("cleanops "), "{program}: {}", r.stdout);
    }
}

fn lines_with(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

#[test]
fn the_runner_shim_runs_loops_like_the_real_runner() {
    let sim = TestSim::start("heartbeat-missing");
    let env = [
        ("CLEANOPS_SIM_API", sim.url.as_str()),
        ("JOB_RUNNER_ID", " it-runner "),
    ];
    let r = run_as("python", &["-m", "app.jobs.run", "--once"], &env);
    r.code(0);
    assert_eq!(r.stdout, "", "the runner prints nothing on stdout");
    assert_eq!(
        lines_with(&r.stderr, "INFO:__main__:job_complete"),
        23,
        "{}",
        r.stderr
    );
    assert_eq!(
        lines_with(&r.stderr, "INFO:httpx:HTTP Request: POST "),
        1,
        "{}",
        r.stderr
    );
    let state = sim.state();
    assert_eq!(state["heartbeat"]["runner_id"], "it-runner");
    assert_eq!(state["job_rows"], 24);

    // Failing jobs: WARNING lines, and still exit 0 with --once. Only the named job runs.
    sim.control(json!({"fail_jobs": ["gcal-sync", "nps-send"]}));
    let r = run_as(
        "python3",
        &["-m", "app.jobs.run", "--once", "--job", "nps-send"],
        &env,
    );
    r.code(0);
    assert_eq!(r.stderr.trim(), "WARNING:__main__:job_failed");
    assert_eq!(sim.state()["job_rows"], 25);

    // Unknown names fail at startup, before any loop.
    let loops = sim.state()["runner"]["loops"].clone();
    let r = run_as(
        "python",
        &["-m", "app.jobs.run", "--once", "--job", "storage_janitor"],
        &env,
    );
    r.code(1);
    assert!(
        r.stderr.starts_with("Traceback (most recent call last):\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("ValueError: unknown_job:storage_janitor\n"),
        "{}",
        r.stderr
    );
    assert_eq!(sim.state()["runner"]["loops"], loops);

    // argparse errors are exit 2 with the usage line.
    let r = run_as("python", &["-m", "app.jobs.run", "--dry-run"], &env);
    r.code(2)
        .stderr_has("usage: run.py [-h] [--job JOB]")
        .stderr_has("run.py: error: unrecognized arguments: --dry-run");

    // The database down: the first job fails, recording it raises, exit 1, no heartbeat.
    sim.control(json!({"db_down": true}));
    let r = run_as("python", &["-m", "app.jobs.run", "--once"], &env);
    r.code(1)
        .stderr_has("WARNING:__main__:job_failed\nTraceback");
    let last = r.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: "
        ),
        "{}",
        r.stderr
    );
    assert_eq!(sim.state()["runner"]["loops"], loops);
}

#[test]
fn the_runner_shim_ends_with_143_on_sigterm() {
    let sim = TestSim::start("heartbeat-missing");
    let env = [("CLEANOPS_SIM_API", sim.url.as_str())];
    let child = as_program("python", &["-m", "app.jobs.run", "--interval", "1"], &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the runner starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while sim.state()["runner"]["loops"].as_u64() < Some(1) {
        assert!(Instant::now() < deadline, "no loop within 20 s");
        std::thread::sleep(POLL);
    }
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let out = child.wait_with_output().expect("the runner ends");
    assert_eq!(out.status.code(), Some(143));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Traceback"), "{stderr}");
}

#[test]
fn the_check_shims_follow_the_simulated_database() {
    let sim = TestSim::start("healthy");
    let env = [
        ("CLEANOPS_SIM_API", sim.url.as_str()),
        (
            "DATABASE_URL",
            "postgresql+psycopg://cleaning:s3cret@db:5432/cleaning",
        ),
    ];
    // The product's own check (`cleanops db-check`).
    let check = cleanops::config::DEFAULT_DB_CHECK[2];

    run_as(
        "python",
        &["-c", "from app.db import engine; engine.connect().close()"],
        &env,
    )
    .code(1)
    .stderr_has("ModuleNotFoundError: No module named 'app.db'");
    let r = run_as("python", &["-c", check], &env);
    r.code(0);
    assert_eq!(r.stdout, "DB OK\n");
    let r = run_as("pg_isready", &["-U", "cleaning", "-d", "cleaning"], &env);
    r.code(0);
    assert_eq!(
        r.stdout,
        "/var/run/postgresql:5432 - accepting connections\n"
    );
    run_as(
        "pg_isready",
        &["-h", "db", "-U", "x", "-d", "y", "-t", "1"],
        &env,
    )
    .code(0)
    .stdout_has("db:5432 - accepting connections");

    sim.control(json!({"db_down": true}));
    let r = run_as("python", &["-c", check], &env);
    r.code(1)
        .stderr_has("connection to server at \"db\", port 5432 failed")
        .stderr_has(
            "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: ",
        );
    assert!(!r.stderr.contains("s3cret"));
    let r = run_as("pg_isready", &["-U", "cleaning", "-d", "cleaning"], &env);
    r.code(2);
    assert_eq!(r.stdout, "/var/run/postgresql:5432 - no response\n");

    // Anything else is refused, never faked.
    run_as("python", &["-c", "print('hello')"], &env)
        .code(1)
        .stderr_has("has no Python");
    run_as("python", &["-m", "pip", "list"], &env)
        .code(1)
        .stderr_has("No module named pip");
    run_as("pg_isready", &["-z"], &env).code(3);
    run_as("python", &["--version"], &env)
        .code(0)
        .stdout_has("Python 3.13");
}

// ---------------------------------------------------------------------------------------------
// The stack itself

/// The `.env` of the test deployments: APP_ENV=ci, the database on the `db` service, and the
/// heartbeat check enforced with the default TTL, which is what the api simulator does.
pub const ENV_FILE: &str = "\
APP_ENV=ci
DATABASE_URL=postgresql+psycopg://cleaning:cleaning-db-pw@db:5432/cleaning
JOBS_ENABLED=true
JOB_HEARTBEAT_REQUIRED=true
JOB_HEARTBEAT_TTL_SECONDS=180
";

/// The `jobs` check of `/readyz`.
fn jobs_check(stack: &Stack) -> (u16, Value) {
    let (status, body) = stack.get("/readyz");
    let doc: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let check = doc["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == "jobs").cloned())
        .unwrap_or(Value::Null);
    (status, check)
}

#[test]
fn the_stack_runs_like_the_deployment() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV_FILE);
    let jobs = stack.container_id("jobs");

    // The jobs container is the runner: a fresh heartbeat under its hostname (the short id).
    let (status, check) = jobs_check(&stack);
    assert_eq!(status, 200, "{check}");
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["detail"]["runner_id"], jobs[..12], "{check}");
    stack
        .cleanops(&["status", "--api-only"])
        .code(0)
        .stdout_has("job heartbeat fresh");
    // Admin calls pass through the published port (the gateway is the trusted proxy there).
    let rows = stack.cleanops(&["heartbeat", "--json"]).code(0).json();
    assert!(rows.to_string().contains(&jobs[..12]), "{rows}");

    // Its logs are the real runner's: plain text on stderr, nothing on stdout.
    let logs = stack.logs("jobs");
    assert_eq!(logs.stdout, "");
    assert!(
        lines_with(&logs.stderr, "INFO:__main__:job_complete") >= 23,
        "{}",
        logs.stderr
    );
    assert!(
        lines_with(&logs.stderr, "INFO:httpx:HTTP Request: POST") >= 1,
        "{}",
        logs.stderr
    );

    // The runbook's commands inside it.
    let r = stack.exec("jobs", &["python", "-m", "app.jobs.run", "--once"]);
    r.code(0);
    assert_eq!(lines_with(&r.stderr, "job_complete"), 23, "{}", r.stderr);
    stack
        .exec(
            "jobs",
            &[
                "python",
                "-m",
                "app.jobs.run",
                "--once",
                "--job",
                "storage_janitor",
            ],
        )
        .code(1)
        .stderr_has("ValueError: unknown_job:storage_janitor");
    stack
        .exec(
            "jobs",
            &[
                "python",
                "-c",
                "from app.db import engine; engine.connect().close()",
            ],
        )
        .code(1)
        .stderr_has("ModuleNotFoundError: No module named 'app.db'");
    let check = cleanops::config::DEFAULT_DB_CHECK[2];
    stack
        .exec("jobs", &["python", "-c", check])
        .code(0)
        .stdout_has("DB OK");
    stack
        .exec("db", &["pg_isready", "-U", "cleaning", "-d", "cleaning"])
        .code(0)
        .stdout_has("accepting connections");

    // `docker stop`: the runner is PID 1 without a SIGTERM handler, as the real one
    // (docs/app-contract.md §13): SIGTERM does nothing, the engine kills it at the end of the
    // grace period, 137 without OOM.
    stack.docker(&["stop", "-t", "1", &jobs]).code(0);
    assert_eq!(stack.inspect("jobs", "{{.State.ExitCode}}"), "137");
    assert_eq!(stack.inspect("jobs", "{{.State.OOMKilled}}"), "false");
    // The database stand-in stops cleanly (0), as PostgreSQL's fast shutdown does.
    let db = stack.container_id("db");
    stack.docker(&["stop", "-t", "10", &db]).code(0);
    assert_eq!(stack.inspect("db", "{{.State.ExitCode}}"), "0");
}

#[test]
fn a_database_outage_crash_loops_the_runner() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV_FILE);
    let check = cleanops::config::DEFAULT_DB_CHECK[2];
    stack.exec("api", &["python", "-c", check]).code(0);

    stack.control(json!({"db_down": true}));
    // Asked in api: the jobs container may already be down in its crash loop, and an exec
    // into a restarting container fails on its own.
    stack
        .exec("api", &["python", "-c", check])
        .code(1)
        .stderr_has(
            "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: ",
        );
    stack
        .exec("db", &["pg_isready", "-U", "cleaning", "-d", "cleaning"])
        .code(2)
        .stdout_has("no response");
    // `restart: unless-stopped` turns the runner's exit 1 into a restart loop.
    stack.wait_until(
        "the jobs container has restarted twice",
        Duration::from_secs(30),
        |s| {
            s.inspect("jobs", "{{.RestartCount}}")
                .parse::<u32>()
                .unwrap_or(0)
                >= 2
        },
    );
    stack
        .logs("jobs")
        .stderr_has("sqlalchemy.exc.OperationalError: (psycopg.OperationalError)");

    // The database back: the next start of the runner writes heartbeats again.
    let loops = stack.state()["runner"]["loops"].as_u64().unwrap_or(0);
    stack.control(json!({"db_down": false}));
    stack.wait_until("the runner loops again", Duration::from_secs(30), |s| {
        s.state()["runner"]["loops"].as_u64().unwrap_or(0) > loops
    });
    stack
        .exec("db", &["pg_isready", "-U", "cleaning", "-d", "cleaning"])
        .code(0);

    // A normal drop leaves nothing either (the panicking one is the next test).
    let filter = format!("label={PROJECT_LABEL}={}", stack.project);
    drop(stack);
    let left = docker(&["ps", "-aq", "--filter", &filter]);
    assert_eq!(left.stdout.trim(), "", "containers left behind");
}

#[test]
fn a_stack_is_removed_on_drop_even_after_a_panic() {
    if !docker_or_skip() {
        return;
    }
    let project = std::sync::Mutex::new(String::new());
    let outcome = std::panic::catch_unwind(|| {
        let stack = Stack::up(ENV_FILE);
        *project.lock().unwrap_or_else(|e| e.into_inner()) = stack.project.clone();
        panic!("a test failing with its stack up (on purpose)");
    });
    assert!(outcome.is_err());
    let project = project.into_inner().unwrap_or_else(|e| e.into_inner());
    assert!(!project.is_empty());
    let filter = format!("label={PROJECT_LABEL}={project}");
    let left = docker(&["ps", "-aq", "--filter", &filter]);
    assert_eq!(left.stdout.trim(), "", "containers left behind");
    let left = docker(&["network", "ls", "-q", "--filter", &filter]);
    assert_eq!(left.stdout.trim(), "", "networks left behind");
}
