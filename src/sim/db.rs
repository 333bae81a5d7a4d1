//! `cleanops sim db`: the `db` service of the Docker test stack. The simulated database lives in
//! the API simulator (`db_down` and friends); this process only has to be a container that runs,
//! listens on 5432 like PostgreSQL, and stops cleanly, so that the Docker side of cleanops
//! (finding the service, inspecting, `pg_isready` inside it) meets a real container.

use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use super::signals::Stop;

#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct DbArgs {
    /// Address to accept (and drop) connections on, as PostgreSQL's port
    #[arg(long, default_value = "0.0.0.0:5432", value_name = "ADDR")]
    pub listen: String,
}

impl Default for DbArgs {
    fn default() -> DbArgs {
        DbArgs {
            listen: "0.0.0.0:5432".to_owned(),
        }
    }
}

/// Idles until SIGTERM or SIGINT, then exits 0 (as `postgres` does after a fast shutdown).
pub async fn db(args: &DbArgs) -> anyhow::Result<i32> {
    let stop = Stop::listen()?;
    let listener = TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // The line PostgreSQL logs when it is up, so log readers find what they expect.
    eprintln!(
        "LOG:  database system is ready to accept connections (cleanops sim db on {}: a stand-in; the simulated database is in the API simulator)",
        args.listen
    );
    let accept = async {
        loop {
            // Accept and drop: a client sees the connection close, not a refusal. An accept
            // error (out of file descriptors) is worth a pause, not an exit.
            if listener.accept().await.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    tokio::select! {
        _ = accept => {}
        _ = stop.wait() => {}
    }
    eprintln!("LOG:  database system is shut down");
    Ok(0)
}
