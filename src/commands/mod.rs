//! One file per subcommand, each thin: gather, call, render.

pub mod config;
pub mod dlq;
pub mod heartbeat;
#[cfg(feature = "sim")]
pub mod sim;
pub mod status;

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
    pub fn client(&self) -> Result<Client> {
        Client::new(
            &self.settings,
            ClientOptions {
                verbose: self.verbose,
                quiet: false,
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
        Command::Status(args) => status::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Heartbeat(args) => heartbeat::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Dlq(args) => dlq::run(&ctx(args.timeout.timeout)?, args).await,
        Command::Config(ConfigCommand::Show) => config::show(&ctx(None)?),
        // The simulator needs no deployment settings.
        #[cfg(feature = "sim")]
        Command::Sim(cmd) => sim::run(cmd, ui).await,
    }
}
