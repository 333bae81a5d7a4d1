//! `cleanops sim db`: the `db` service of the Docker test stack. The simulated database lives in
//! the API simulator (`db_down` and friends); this process only has to be a container that runs,
//! listens on 5432 like PostgreSQL, and stops cleanly, so that the Docker side of cleanops
//! (finding the service, inspecting, `pg_isready` inside it) meets a real container.
//!
//! In the stack the API simulator also watches this process ([`watch_database`]): every
//! connection accepted here is answered with one greeting line, and the simulated database is
//! down whenever no greeting comes: the container stopped or killed (the name no longer
//! resolves), or its process frozen (`docker kill -s STOP`, `docker pause`: the kernel still
//! completes the TCP handshake, as for a hung PostgreSQL, but nobody answers). So a fault
//! injected on the container is a real database outage for the api and the runner.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::signals::Stop;
use super::state::Shared;

/// What the stand-in says to every connection.
const GREETING: &[u8] = b"cleanops-sim-db ready\n";
/// How often the API simulator looks at the database, and how long one look may take.
const WATCH_EVERY: Duration = Duration::from_millis(250);
const WATCH_LIMIT: Duration = Duration::from_secs(1);

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
            // Greet and drop: a client sees an answer, then the connection close. An accept
            // error (out of file descriptors) is worth a pause, not an exit.
            match listener.accept().await {
                Ok((mut conn, _)) => {
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(WATCH_LIMIT, conn.write_all(GREETING)).await;
                    });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
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

/// Whether the stand-in at `addr` answers: connected and greeted within [`WATCH_LIMIT`].
async fn answers(addr: &str) -> bool {
    let look = async {
        let mut conn = TcpStream::connect(addr).await.ok()?;
        let mut byte = [0u8; 1];
        (conn.read(&mut byte).await.ok()? == 1).then_some(())
    };
    matches!(tokio::time::timeout(WATCH_LIMIT, look).await, Ok(Some(())))
}

/// The API simulator's watch of the `db` container at `addr` (`host:port`): every change of
/// whether it answers becomes the simulated database's `db_down`. Only changes are written, so a
/// test's own `db_down` (set through the control API) holds until the test clears it. Runs
/// until the simulator stops.
pub(crate) async fn watch_database(addr: String, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    let mut last: Option<bool> = None;
    // Whether the current `db_down` is the watch's own: only that one is cleared when the
    // container answers again, never a test's (set through the control API).
    let mut ours = false;
    loop {
        let up = answers(&addr).await;
        if last != Some(up) {
            let mut w = shared.world();
            if !up && !w.db_down {
                w.db_down = true;
                ours = true;
            } else if up && ours {
                w.db_down = false;
                ours = false;
            }
            last = Some(up);
        }
        tokio::select! {
            _ = tokio::time::sleep(WATCH_EVERY) => {}
            _ = shutdown.wait_for(|&down| down) => return,
        }
    }
}
