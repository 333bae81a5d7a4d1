//! The multi-call binary of the Docker test stack (`cleanops-sim`, built from
//! `src/bin/cleanops-sim.rs` of the cleanops package): it answers as `python`, `python3`,
//! `pg_isready` and `postgres`, and under its own name runs `cleanops-sim serve|worker|db`.
//!
//! Why: the Docker test stack runs the app's services from an image built out of this binary
//! alone. The real images have Python (`jobs`, `api`) and the PostgreSQL tools (`db`), and
//! cleanops' Docker commands exec exactly those in them: `python -m app.jobs.run --once`,
//! `python -c "<the app.infra.db check>"`, `pg_isready -U ... -d ...`. The test images have
//! neither, so when the binary is started under one of those names (a symlink in the image)
//! it plays that program for those commands, and only those. Everything else is refused
//! with a clear message, never silently "succeeded". cleanops itself never looks at the name
//! it was started under.
//!
//! One more, for the log tests only: `python -m cleanops_sim_api_logs [--bytes N] [--every
//! SECONDS]` prints what the api logs around an unhandled error (a JSON request record, the
//! JSON error record with its whole traceback, at least N bytes long, on stdout; uvicorn's
//! plain traceback on stderr), once or every SECONDS. No such module exists in the real
//! images.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::python::{self, DbTarget, PYTHON_VERSION};
use super::remote::{self, RemoteError, SimApi};

/// The names served, for the image builder's symlinks.
pub const PROGRAMS: [&str; 4] = ["python", "python3", "pg_isready", "postgres"];

/// `cleanops-sim` under its own name.
#[derive(Debug, clap::Parser)]
#[command(
    name = "cleanops-sim",
    version,
    about = "The simulated CleanWithSnapshot of cleanops' Docker test stack; also python, pg_isready and postgres by the name it is started under"
)]
struct Cli {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SimCommand {
    /// Serve the simulated app (readyz, jobs status, DLQ, replay, auth, rate limits, /_sim/ control)
    Serve(crate::ServeArgs),
    /// Run the jobs runner as its own process (`python -m app.jobs.run`), reporting its loops to a simulator
    Worker(crate::WorkerArgs),
    /// Idle stand-in for the db service of the Docker test stack (exits 0 on SIGTERM)
    Db(crate::DbArgs),
}

/// The whole program: plays the program `argv[0]` names, else runs the subcommand. Returns the
/// exit code: the played program's own, 2 for a usage error, 1 for any other failure.
pub fn main() -> i32 {
    if let Some(code) = dispatch() {
        return code;
    }
    let cli = match <Cli as clap::Parser>::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let Some(runtime) = runtime("cleanops-sim") else {
        return 1;
    };
    let outcome = runtime.block_on(async {
        match &cli.command {
            SimCommand::Serve(args) if args.list_scenarios => {
                for s in crate::Scenario::ALL {
                    println!("{:<18} {}", s.name(), s.description());
                }
                Ok(0)
            }
            SimCommand::Serve(args) => {
                let opts = args.options().map_err(anyhow::Error::msg)?;
                crate::serve(&args.listen, opts).await.map(|()| 0)
            }
            SimCommand::Worker(args) => crate::worker(args).await,
            SimCommand::Db(args) => crate::db(args).await,
        }
    });
    runtime.shutdown_background();
    outcome.unwrap_or_else(|e| {
        eprintln!("cleanops-sim: error: {e:#}");
        1
    })
}

/// One thread, as in cleanops: these processes wait on the network.
fn runtime(program: &str) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("{program}: cannot start the async runtime: {e}");
            None
        }
    }
}

/// How long the in-container DB check waits for an unreachable simulator.
const CHECK_PATIENCE: Duration = Duration::from_secs(5);
/// pg_isready's default `-t`.
const PG_ISREADY_TIMEOUT: u64 = 3;

/// When the binary runs as one of [`PROGRAMS`]: plays it and returns its exit code. `None`
/// for any other name: `cleanops-sim` itself.
fn dispatch() -> Option<i32> {
    let mut argv = std::env::args_os();
    let program = program_name(&argv.next()?)?;
    let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
    let Some(runtime) = runtime(&format!("cleanops-sim as {program:?}")) else {
        return Some(1);
    };
    let code = runtime.block_on(async {
        match program {
            Program::Python => python_main(&args).await,
            Program::PgIsReady => pg_isready(&args).await,
            Program::Postgres => match super::db::db(&super::db::DbArgs::default()).await {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("postgres: {e:#}");
                    1
                }
            },
        }
    });
    // A request still in flight after a signal must not hold the exit.
    runtime.shutdown_background();
    Some(code)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Program {
    Python,
    PgIsReady,
    Postgres,
}

/// The program `argv[0]` names (`/usr/local/bin/python3.13` is Python too).
fn program_name(argv0: &OsString) -> Option<Program> {
    let base = Path::new(argv0).file_name()?.to_str()?;
    match base {
        "pg_isready" => Some(Program::PgIsReady),
        "postgres" => Some(Program::Postgres),
        b if b == "python"
            || b.strip_prefix("python3")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')) =>
        {
            Some(Program::Python)
        }
        _ => None,
    }
}

/// `python [-u|-B|-E|-I|-O|-X opt]... (-m MODULE | -c CODE | -V) ARGS`.
async fn python_main(args: &[String]) -> i32 {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        match arg.as_str() {
            "-V" | "--version" => {
                println!("{PYTHON_VERSION}");
                return 0;
            }
            // Interpreter switches that change nothing here.
            "-u" | "-B" | "-E" | "-I" | "-O" | "-s" | "-S" => {}
            "-X" | "-W" => i += 1,
            "-m" => {
                let Some(module) = args.get(i) else {
                    eprintln!("Argument expected for the -m option");
                    return 2;
                };
                return match module.as_str() {
                    "app.jobs.run" => super::worker::python_module_main(&args[i + 1..]).await,
                    API_LOGS_MODULE => api_logs(&args[i + 1..]).await,
                    other => {
                        eprintln!("/usr/local/bin/python: No module named {other}");
                        1
                    }
                };
            }
            "-c" => {
                let Some(code) = args.get(i) else {
                    eprintln!("Argument expected for the -c option");
                    return 2;
                };
                return python_code(code).await;
            }
            _ => break,
        }
    }
    refuse("python", &args.join(" "))
}

/// The test image's module that prints the api's log lines.
const API_LOGS_MODULE: &str = "cleanops_sim_api_logs";

/// `python -m cleanops_sim_api_logs [--bytes N] [--every SECONDS]`: the api's lines around
/// an unhandled error, once or over and over.
async fn api_logs(args: &[String]) -> i32 {
    let mut bytes = 40_000usize;
    let mut every: Option<Duration> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().map(String::as_str).unwrap_or_default();
        match (a.as_str(), value) {
            ("--bytes", v) if v.parse::<usize>().is_ok_and(|n| n <= 16 << 20) => {
                bytes = v.parse().unwrap_or(bytes)
            }
            ("--every", v) if v.parse::<f64>().is_ok_and(|s| (0.01..=3600.0).contains(&s)) => {
                every = v.parse().ok().map(Duration::from_secs_f64)
            }
            _ => {
                eprintln!("usage: python -m {API_LOGS_MODULE} [--bytes N] [--every SECONDS]");
                return 2;
            }
        }
    }
    eprintln!("INFO:     Started server process [1]");
    for n in 1u64.. {
        let now = super::clock::python_iso(time::OffsetDateTime::now_utc());
        let request_id = format!("req-{n:08x}");
        println!("{}", python::api_request_record(&now, &request_id));
        println!("{}", python::api_error_record(&now, &request_id, bytes));
        eprint!("{}", python::uvicorn_asgi_error());
        eprintln!(
            "INFO:     172.18.0.1:40112 - \"GET /v1/admin/queue/dlq?kind=all&limit=1 HTTP/1.1\" 500 Internal Server Error"
        );
        match every {
            Some(d) => tokio::time::sleep(d).await,
            None => break,
        }
    }
    0
}

/// `python -c CODE`: the two DB checks of the runbooks.
async fn python_code(code: &str) -> i32 {
    // The runbooks' check: the module does not exist, so the import fails first.
    if imports_module(code, "app.db") {
        eprint!("{}", python::module_not_found("app.db"));
        return 1;
    }
    // The working check (docs/app-contract.md §7): `get_session_factory` from `app.infra.db`, `SELECT 1`.
    if imports_module(code, "app.infra.db") {
        return match db_is_up(CHECK_PATIENCE).await {
            Ok(true) => {
                println!("{}", printed_literal(code).unwrap_or("DB OK"));
                0
            }
            Ok(false) => {
                eprint!("{}", python::one_liner_db_traceback(&DbTarget::from_env()));
                1
            }
            Err(e) => {
                eprintln!("cleanops python shim: {e}");
                eprint!("{}", python::one_liner_db_traceback(&DbTarget::from_env()));
                1
            }
        };
    }
    refuse("python -c", code)
}

/// `from M import ...` or `import M` (also `import M as x`, `import a, M`) anywhere in `code`.
fn imports_module(code: &str, module: &str) -> bool {
    code.split([';', '\n']).map(str::trim).any(|stmt| {
        if let Some(rest) = stmt.strip_prefix("from ") {
            return rest.split_whitespace().next() == Some(module);
        }
        if let Some(rest) = stmt.strip_prefix("import ") {
            return rest
                .split(',')
                .any(|m| m.split_whitespace().next() == Some(module));
        }
        false
    })
}

/// What the check itself prints on success, when it is a plain `print("...")`.
fn printed_literal(code: &str) -> Option<&str> {
    let start = code.find("print(")? + "print(".len();
    let rest = code[start..].trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    let literal = &body[..end];
    // Only a literal that closes the call; anything else is an expression we cannot run.
    body[end + 1..]
        .trim_start()
        .starts_with(')')
        .then_some(literal)
}

/// Whether the simulated database answers; an error when the simulator cannot be asked.
async fn db_is_up(patience: Duration) -> Result<bool, RemoteError> {
    let api = SimApi::new(remote::api_base(None))
        .map_err(|e| RemoteError::Unreachable(format!("{e:#}")))?;
    let view = remote::patiently(patience, || api.processes()).await?;
    Ok(!view.db_down)
}

/// A command the shim does not play: exit 1, saying so (never a fake success).
fn refuse(program: &str, what: &str) -> i32 {
    eprintln!(
        "cleanops ({program} stand-in of the test image, which has no Python or PostgreSQL): \
         cannot run {what:?}; only `python -m app.jobs.run ...`, `python -c` with an \
         app.infra.db or app.db import, and `pg_isready` are simulated"
    );
    1
}

/// `pg_isready [-h HOST] [-p PORT] [-U USER] [-d DB] [-t SECS] [-q]`: 0 accepting connections,
/// 2 no response (the simulated database is down), 3 bad arguments.
async fn pg_isready(args: &[String]) -> i32 {
    let opts = match PgIsReady::parse(args) {
        Ok(o) => o,
        Err(PgArgError::Version) => {
            println!("pg_isready (PostgreSQL) 16.6");
            return 0;
        }
        Err(PgArgError::Invalid(message)) => {
            eprintln!("pg_isready: {message}");
            eprintln!("Try \"pg_isready --help\" for more information.");
            return 3;
        }
    };
    // -t 0 means "wait forever" upstream; a test must not hang, so the default bounds it.
    let secs = if opts.timeout == 0 {
        PG_ISREADY_TIMEOUT
    } else {
        opts.timeout
    };
    let up = db_is_up(Duration::from_secs(secs)).await.unwrap_or(false);
    let place = match &opts.host {
        Some(host) => format!("{host}:{}", opts.port),
        None => format!("/var/run/postgresql:{}", opts.port),
    };
    let (state, code) = if up {
        ("accepting connections", 0)
    } else {
        ("no response", 2)
    };
    if !opts.quiet {
        println!("{place} - {state}");
    }
    code
}

#[derive(Debug, Default, PartialEq)]
struct PgIsReady {
    host: Option<String>,
    port: u16,
    timeout: u64,
    quiet: bool,
}

#[derive(Debug, PartialEq)]
enum PgArgError {
    Version,
    Invalid(String),
}

impl PgIsReady {
    /// getopt-style: `-U user`, `-Uuser`, `--username=user`, `--username user`.
    fn parse(args: &[String]) -> Result<PgIsReady, PgArgError> {
        let mut out = PgIsReady {
            port: 5432,
            timeout: PG_ISREADY_TIMEOUT,
            ..PgIsReady::default()
        };
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            let (key, inline) = if let Some(long) = arg.strip_prefix("--") {
                match long.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (long.to_owned(), None),
                }
            } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
                let (k, v) = short.split_at(1);
                (k.to_owned(), (!v.is_empty()).then(|| v.to_owned()))
            } else {
                return Err(PgArgError::Invalid(format!(
                    "too many command-line arguments (first is \"{arg}\")"
                )));
            };
            let name = match key.as_str() {
                "V" | "version" => return Err(PgArgError::Version),
                "q" | "quiet" => {
                    out.quiet = true;
                    continue;
                }
                "h" | "host" => "host",
                "p" | "port" => "port",
                "U" | "username" => "username",
                "d" | "dbname" => "dbname",
                "t" | "timeout" => "timeout",
                other if other.chars().count() == 1 => {
                    return Err(PgArgError::Invalid(format!("invalid option -- '{other}'")));
                }
                other => {
                    return Err(PgArgError::Invalid(format!(
                        "unrecognized option '--{other}'"
                    )));
                }
            };
            let value = match inline {
                Some(v) => v,
                None => {
                    let Some(v) = args.get(i) else {
                        return Err(PgArgError::Invalid(format!(
                            "option requires an argument -- '{name}'"
                        )));
                    };
                    i += 1;
                    v.clone()
                }
            };
            match name {
                "host" => out.host = Some(value),
                "port" => {
                    out.port = value.parse().map_err(|_| {
                        PgArgError::Invalid(format!("invalid port number \"{value}\""))
                    })?;
                }
                "timeout" => {
                    out.timeout = value
                        .parse()
                        .map_err(|_| PgArgError::Invalid(format!("invalid timeout \"{value}\"")))?;
                }
                // The user and database do not change the answer of a server that is up.
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    /// `cleanops-sim serve` takes the stack's flags (tests/stack/compose.yml), and the whole
    /// definition passes clap's own checks.
    #[test]
    fn its_own_subcommands_parse() {
        use clap::{CommandFactory, Parser};
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "cleanops-sim",
            "serve",
            "--listen",
            "0.0.0.0:8000",
            "--scenario",
            "heartbeat-missing",
            "--global-limit",
            "600",
        ])
        .unwrap();
        let SimCommand::Serve(args) = cli.command else {
            panic!("{:?}", cli.command)
        };
        let opts = args.options().unwrap();
        assert_eq!(opts.scenario, crate::Scenario::HeartbeatMissing);
        assert_eq!(opts.global_limit_per_minute, 600);
        let err = Cli::try_parse_from(["cleanops-sim", "serve", "--scenario", "nope"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn names() {
        let name = |s: &str| program_name(&OsString::from(s));
        assert_eq!(name("python"), Some(Program::Python));
        assert_eq!(name("/usr/local/bin/python3"), Some(Program::Python));
        assert_eq!(name("python3.13"), Some(Program::Python));
        assert_eq!(name("pg_isready"), Some(Program::PgIsReady));
        assert_eq!(name("postgres"), Some(Program::Postgres));
        assert_eq!(name("cleanops"), None);
        assert_eq!(name("/x/target/debug/deps/cleanops-1234"), None);
        assert_eq!(name("python3x"), None);
    }

    #[test]
    fn imports() {
        assert!(imports_module(
            "from app.db import engine; print(1)",
            "app.db"
        ));
        assert!(imports_module("import os, app.db as d", "app.db"));
        assert!(!imports_module(
            "from app.infra.db import get_session_factory",
            "app.db"
        ));
        let check = "import asyncio; from sqlalchemy import text; \
                     from app.infra.db import get_session_factory\n\
                     async def c():\n    async with get_session_factory()() as s: await s.execute(text('SELECT 1'))\n\
                     asyncio.run(c()); print('DB OK')";
        assert!(imports_module(check, "app.infra.db"));
        assert_eq!(printed_literal(check), Some("DB OK"));
        assert_eq!(printed_literal("print(x)"), None);
        assert_eq!(printed_literal("print('a' + b)"), None);
    }

    #[test]
    fn pg_isready_arguments() {
        let parse = |a: &[&str]| PgIsReady::parse(&strings(a));
        let o = parse(&["-U", "cleaning", "-d", "cleaning"]).unwrap();
        assert_eq!((o.host, o.port, o.timeout, o.quiet), (None, 5432, 3, false));
        let o = parse(&["-Ux", "--dbname=y", "-h", "db", "-t", "1", "-p5433", "-q"]).unwrap();
        assert_eq!(
            (o.host.as_deref(), o.port, o.timeout, o.quiet),
            (Some("db"), 5433, 1, true)
        );
        assert_eq!(parse(&["-V"]), Err(PgArgError::Version));
        assert!(matches!(parse(&["-z"]), Err(PgArgError::Invalid(m)) if m.contains("'z'")));
        assert!(matches!(parse(&["-U"]), Err(PgArgError::Invalid(_))));
        assert!(matches!(parse(&["extra"]), Err(PgArgError::Invalid(_))));
    }
}
