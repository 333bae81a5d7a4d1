//! `cleanops sim serve|worker|db`: the simulated app (crates/cleanops-sim), for trying cleanops
//! and for tests.

use anyhow::Result;
use cleanops_sim::{Scenario, ServeArgs};

use crate::cli::SimCommand;
use crate::error::{Exit, Failure};
use crate::render::{self, Ui};

pub async fn run(cmd: &SimCommand, ui: Ui) -> Result<Exit> {
    match cmd {
        SimCommand::Serve(args) => serve(args, ui).await,
        SimCommand::Worker(args) => Ok(process_exit(cleanops_sim::worker(args).await?)),
        SimCommand::Db(args) => Ok(process_exit(cleanops_sim::db(args).await?)),
    }
}

async fn serve(args: &ServeArgs, ui: Ui) -> Result<Exit> {
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
    let opts = args.options().map_err(Failure::usage)?;
    cleanops_sim::serve(&args.listen, opts).await?;
    Ok(Exit::Ok)
}

/// The exit code of a simulated process (`worker`, `db`) as the `Exit` of a cleanops command.
/// The processes exit with the codes of the programs they stand for, and `Exit` does not list
/// them all (143 after SIGTERM): those end the process here, at once.
fn process_exit(code: i32) -> Exit {
    match code {
        0 => Exit::Ok,
        1 => Exit::Unhealthy,
        2 => Exit::Usage,
        130 => Exit::Interrupted,
        other => std::process::exit(other),
    }
}
