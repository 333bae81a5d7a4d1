//! `cleanops sim serve`: the simulated app, for trying cleanops and for tests.

use anyhow::Result;

use crate::cli::{SimCommand, SimServeArgs};
use crate::error::{Exit, Failure};
use crate::render::{self, Ui};
use crate::sim::{Scenario, SimOptions};

pub async fn run(cmd: &SimCommand, ui: Ui) -> Result<Exit> {
    match cmd {
        SimCommand::Serve(args) => serve(args, ui).await,
        SimCommand::Worker(args) => Ok(crate::sim::process_exit(crate::sim::worker(args).await?)),
        SimCommand::Db(args) => Ok(crate::sim::process_exit(crate::sim::db(args).await?)),
    }
}

async fn serve(args: &SimServeArgs, ui: Ui) -> Result<Exit> {
    if args.list_scenarios {
        if ui.json {
            render::json(
                &Scenario::ALL
                    .iter()
                    .map(|s| serde_json::json!({"name": s.name(), "description": s.description()}))
                    .collect::<Vec<_>>(),
            );
        } else {
            for s in Scenario::ALL {
                render::out(&format!("{:<18} {}", s.name(), s.description()));
            }
        }
        return Ok(Exit::Ok);
    }
    let scenario = Scenario::from_name(&args.scenario).ok_or_else(|| {
        let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
        Failure::usage(format!(
            "unknown scenario {:?} (scenarios: {})",
            args.scenario,
            names.join(", ")
        ))
    })?;
    let mut opts = SimOptions {
        scenario,
        runner_interval: args.runner_interval,
        global_limit_per_minute: args.global_limit,
        action_limit_per_minute: args.action_limit,
        ..SimOptions::default()
    };
    if let Some(pw) = &args.admin_password {
        opts.admin_password = pw.clone();
    }
    crate::sim::serve(&args.listen, opts).await?;
    Ok(Exit::Ok)
}
