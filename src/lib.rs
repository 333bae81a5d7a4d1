//! cleanops: the "Job Scheduler Stale/Failing" runbook of CleanWithSnapshot as one binary.
//!
//! `main.rs` only calls [`run_main`]; the commands live in `commands/`, one file each, over the
//! API client (`api/`), configuration (`config`) and rendering (`render/`).

pub mod api;
pub mod appdb;
pub mod audit;
pub mod cancel;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod confirm;
pub mod docker;
pub mod envcheck;
pub mod error;
pub mod escalation;
pub mod files;
pub mod logs;
pub mod ops;
pub mod paths;
pub mod render;
pub mod replay;
pub mod tls;
pub mod wait;

use clap::Parser;

use crate::error::{Exit, exit_of, hints_of};

/// The version `--version` prints: the crate's version and the git commit it was built from
/// (`build.rs`; "unknown" when built outside a git checkout), e.g. `0.1.0 (commit abc1234)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CLEANOPS_GIT_COMMIT"),
    ")"
);

/// Parse, run, print the error if any, and return the exit code.
pub fn run_main() -> i32 {
    render::check_stdout_open();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; usage errors exit 2 (clap's own code).
            let _ = e.print();
            return e.exit_code();
        }
    };
    // One thread: the work is waiting on the network, and a log stream arrives a chunk per
    // line — handing each between worker threads cost more than reading it (docs/benchmarks.md).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cleanops: error: cannot start the async runtime: {e}");
            return Exit::Unexpected.code();
        }
    };
    let outcome = runtime.block_on(commands::run(cli));
    // Do not wait for stray tasks (a request still in flight after a deadline).
    runtime.shutdown_background();
    // The one place a run ends. A reader that went away (`| head`) got what it wanted: 0, and
    // nothing on stderr, whatever the command concluded after it left.
    if render::reader_gone()
        || outcome
            .as_ref()
            .is_err_and(|e| e.chain().any(|c| c.is::<error::ReaderGone>()))
    {
        return Exit::Ok.code();
    }
    let code = match outcome {
        Ok(exit) => exit.code(),
        Err(err) => {
            report_error(&err);
            exit_of(&err).code()
        }
    };
    // Output that did not reach stdout is not a success, whatever the command concluded.
    match render::output_failure() {
        Some(why) => {
            report_error(&anyhow::Error::new(error::Failure::local(why)));
            Exit::Local.code()
        }
        None => code,
    }
}

/// `error: <the whole chain>` and one `hint:` line each, on stderr.
/// An error's chain carries the server's own words (a problem+json detail, an auth reason):
/// shown like every outside string, control characters made visible.
pub fn report_error(err: &anyhow::Error) {
    use colored::Colorize;
    /// Enough for any chain cleanops builds; a server cannot make it a screenful.
    const MAX_ERROR: usize = 4000;
    eprintln!(
        "{} {}",
        "error:".red().bold(),
        render::shown_max(&format!("{err:#}"), MAX_ERROR)
    );
    for hint in hints_of(err) {
        eprintln!(
            "  {} {}",
            "hint:".cyan(),
            render::shown_max(&hint, MAX_ERROR)
        );
    }
}
