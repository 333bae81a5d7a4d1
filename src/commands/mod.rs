//! One file per subcommand, each thin: gather, call, render.

pub mod completions;
pub mod config;
pub mod db_check;
#[cfg(feature = "sim")]
pub mod demo;
pub mod diagnose;
pub mod dlq;
pub mod env_check;
pub mod escalate;
pub mod heartbeat;
pub mod logs;
pub mod man;
pub mod notify;
pub mod remediate;
pub mod replay;
pub mod restart;
pub mod rollback;
pub mod run_once;
#[cfg(feature = "sim")]
pub mod sim;
pub mod status;
pub mod timeline;
pub mod watch;

use std::time::Duration;

use anyhow::Result;

use crate::api::{Client, ClientOptions};
use crate::cli::{Cli, Command, ConfigCommand, GlobalArgs};
use crate::config::{Overrides, Settings};
use crate::error::Exit;
use crate::render::Ui;

/// What every command gets: the resolved settings and how to print.
pub struct Ctx {
    pub settings: Settings,
    pub ui: Ui,
    pub verbose: bool,
}

impl Ctx {
    /// The Docker engine, connected and answering, with `--timeout` on each quick call.
    pub async fn engine(&self) -> Result<crate::docker::Engine> {
        crate::docker::Engine::connect(&self.settings, self.settings.timeout.value).await
    }

    pub fn client(&self) -> Result<Client> {
        Client::new(
            &self.settings,
            ClientOptions {
                verbose: self.verbose,
                quiet: false,
                remember: true,
            },
        )
    }
}

fn overrides(g: &GlobalArgs, timeout: Option<Duration>) -> Overrides {
    Overrides {
        config_file: g.config.clone(),
        profile: g.profile.clone(),
        api_url: g.api_url.clone(),
        user: g.user.clone(),
        password_file: g.password_file.clone(),
        timeout,
        no_mfa_header: g.no_mfa_header,
        allow_insecure_http: g.allow_insecure_http,
        cacert: g.cacert.clone(),
        project_dir: g.project_dir.clone(),
        env_file: g.env_file.clone(),
        project_name: g.project_name.clone(),
        docker_host: g.docker_host.clone(),
    }
}

pub async fn run(cli: Cli) -> Result<Exit> {
    let ui = Ui::new(cli.global.json, cli.global.color);
    let global = &cli.global;
    let ctx = |timeout: Option<Duration>| -> Result<Ctx> {
        Ok(Ctx {
            settings: Settings::resolve(&overrides(global, timeout))?,
            ui,
            verbose: global.verbose,
        })
    };
    match &cli.command {
        Command::Diagnose(args) => diagnose::run(&ctx(args.timeout.timeout)?, args).await,
        #[cfg(feature = "sim")]
        Command::Demo(args) => demo::run(args, ui).await,
        Command::Status(args) => status::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Heartbeat(args) => heartbeat::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Dlq(args) => dlq::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Logs(args) => logs::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Remediate(args) => remediate::run(&ctx(None)?, args).await,
        Command::Rollback(args) => rollback::run(&ctx(None)?, args).await,
        Command::Timeline(args) => timeline::run(&ctx(None)?, args),
        Command::Escalate(args) => escalate::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Notify(args) => notify::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Replay(args) => replay::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Restart(args) => restart::run(&ctx(None)?, args).await,
        Command::EnvCheck(args) => env_check::run(&ctx(args.timeout.timeout)?, args).await,
        Command::DbCheck(args) => db_check::run(&ctx(args.timeout.timeout)?, args).await,
        Command::RunOnce(args) => run_once::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Config(ConfigCommand::Show) => config::show(&ctx(None)?),
        // The simulator needs no deployment settings.
        #[cfg(feature = "sim")]
        Command::Sim(cmd) => sim::run(cmd, ui).await,
        // Generated from the clap definition; no settings needed.
        Command::Completions(args) => completions::run(args, ui),
        Command::Man(args) => man::run(args, ui),
    }
}

/// The engine and a psql session in the running `db` container, for the dead-letter queue
/// through the database (`dlq --via db`, `replay --via db`).
pub async fn app_db(ctx: &Ctx) -> Result<(crate::docker::Engine, crate::appdb::AppDb)> {
    let engine = ctx.engine().await?;
    let container =
        crate::ops::running_container(&engine, &ctx.settings.project_name.value, "db").await?;
    let db = crate::appdb::AppDb::new(container, &ctx.settings.env)?;
    Ok((engine, db))
}
