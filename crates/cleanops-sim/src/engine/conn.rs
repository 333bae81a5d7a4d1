//! The engine's connections, served by hyper as HTTP/1.1 and kept alive between requests, as
//! the engine (Go's `net/http`) keeps them: a client's pool (bollard's) sends its next request
//! on the connection of the last one. A connection ends when the client closes it, asks for
//! `Connection: close`, or is upgraded (an attached exec start, `exec.rs`), and when the engine
//! shuts down: an idle connection at once, a busy one after its response (a log follow ends
//! with the shutdown).

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// A client that connects and says nothing is dropped after this. A connection idle between
/// two requests is not: the engine sets no idle timeout.
const FIRST_BYTE_PATIENCE: Duration = Duration::from_secs(30);

/// Accepts on `listener` and serves each connection with `app` until `down` turns true; then
/// stops accepting (the listener is closed at once), closes idle connections, lets busy ones
/// finish their response, and ends when all are closed. Each accepted connection bumps
/// `accepted`.
pub(super) fn serve(
    listener: TcpListener,
    app: Router,
    down: watch::Receiver<bool>,
    accepted: Arc<AtomicU64>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        // Dropped with this task (an aborted shutdown): every connection is cut off.
        let mut conns = JoinSet::new();
        let mut stop = down.clone();
        loop {
            tokio::select! {
                a = listener.accept() => match a {
                    Ok((stream, _)) => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                        conns.spawn(connection(stream, app.clone(), down.clone()));
                    }
                    // Out of file descriptors and the like: wait a little, as axum does.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                },
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
                () = going_down(&mut stop) => break,
            }
        }
        drop(listener);
        while conns.join_next().await.is_some() {}
    })
}

/// One connection, from its first byte to its close.
async fn connection(stream: TcpStream, app: Router, mut down: watch::Receiver<bool>) {
    // Small answers go out at once, as Go's do.
    let _ = stream.set_nodelay(true);
    let mut first = [0u8; 1];
    let said = tokio::select! {
        said = tokio::time::timeout(FIRST_BYTE_PATIENCE, stream.peek(&mut first)) => said,
        () = going_down(&mut down) => return,
    };
    if !matches!(said, Ok(Ok(n)) if n > 0) {
        return;
    }
    let conn = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
        .with_upgrades();
    let mut conn = pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = going_down(&mut down) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// When the engine shuts down (or its handle is gone).
async fn going_down(down: &mut watch::Receiver<bool>) {
    let _ = down.wait_for(|&d| d).await;
}
