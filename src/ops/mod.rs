//! Operations: what a runbook step does to the deployment, as functions over typed options
//! that return typed results and print nothing (a waiting spinner on stderr aside). Commands
//! are thin: arguments → operation → rendering; `remediate` composes operations, never commands.

pub mod db_check;
pub mod diagnose;
pub mod heartbeat;
pub mod restart;
pub mod run_once;

use std::time::Duration;

use anyhow::Result;

use crate::docker::{Container, Engine};
use crate::error::{Exit, Failure};

/// The first running container of `service` in `project`, or an error that says why an exec
/// would fail (exec into a restarting or stopped container fails confusingly).
pub async fn running_container(engine: &Engine, project: &str, service: &str) -> Result<Container> {
    let containers = crate::docker::compose::require_service(engine, project, service).await?;
    if let Some(c) = containers.iter().find(|c| c.running && !c.restarting) {
        return Ok(c.clone());
    }
    let now = crate::clock::now()?;
    let states: Vec<String> = containers
        .iter()
        .map(|c| format!("{}: {}", c.name, c.summary(now)))
        .collect();
    Err(Failure::new(
        Exit::Unhealthy,
        format!(
            "the {service} container is not running ({}): nothing to exec into",
            states.join("; ")
        ),
    )
    .hint(format!("start it first: cleanops restart {service}"))
    .into())
}

/// Run `cmd` in the container, bounded by `limit`, with its start and end in the audit file.
pub async fn audited_exec(
    engine: &Engine,
    container: &Container,
    what: &str,
    cmd: &[String],
    limit: Duration,
    on_line: impl FnMut(&crate::docker::logs::LogLine),
) -> Result<crate::docker::exec::ExecOutcome> {
    let action = crate::audit::start("exec", &format!("{}: {what}", container.name));
    let outcome = crate::docker::exec::run(engine, &container.id, cmd, limit, on_line).await;
    match &outcome {
        Ok(o) => action.end(
            if o.exit_code == Some(0) {
                "ok"
            } else {
                "failed"
            },
            format!("remote exit code {:?}", o.exit_code),
        ),
        Err(e) => action.end("failed", format!("{e:#}")),
    }
    outcome
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Command {
        let mut argv = vec!["cleanops"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
            .expect("the arguments parse")
            .command
    }

    /// The command line's defaults and the operations' (which `remediate` uses) are one set.
    #[test]
    fn the_commands_defaults_are_the_operations_defaults() {
        let Command::Restart(r) = parse(&["restart"]) else {
            panic!("restart")
        };
        let o = super::restart::Options::new("jobs");
        assert_eq!(
            (r.service.as_str(), r.stop_timeout, r.settle),
            (o.service.as_str(), o.stop_timeout, o.settle)
        );
        let Command::DbCheck(d) = parse(&["db-check"]) else {
            panic!("db-check")
        };
        assert_eq!(d.limit, super::db_check::DEFAULT_LIMIT);
        let Command::RunOnce(r) = parse(&["run-once"]) else {
            panic!("run-once")
        };
        assert_eq!(r.limit, super::run_once::DEFAULT_LIMIT);
    }
}
