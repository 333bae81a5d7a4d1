//! In front of axum: each connection's request head is read first. An attached exec start
//! (`POST /exec/{id}/start` with `Upgrade: tcp`, as bollard sends it) is answered here: `101
//! UPGRADED`, then the output on the hijacked connection, then close, like the engine does.
//! Every other connection goes to axum with the bytes already read put back in front.
//!
//! axum could do the upgrade itself only through hyper's `OnUpgrade`, and the crate has no
//! direct hyper dependency to name it. axum closes each connection after one response
//! (`Connection: close`), so every request is the first of its connection and passes here.

use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::api::{check_exec_target, strip_version};
use super::wire::{self, MULTIPLEXED, RAW};
use super::{API_VERSION, ApiError, ExecOutput, Shared};

/// A request head larger than this goes to axum as it is (which refuses it).
const MAX_HEAD: usize = 64 * 1024;
/// A client that connects and says nothing is dropped after this.
const HEAD_PATIENCE: Duration = Duration::from_secs(30);

/// A connection with the bytes already read from it put back in front.
pub(super) struct Rewind {
    prefix: Vec<u8>,
    pos: usize,
    inner: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.prefix.len() {
            let rest = &this.prefix[this.pos..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.pos += n;
            if this.pos == this.prefix.len() {
                this.prefix = Vec::new();
                this.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The connections for axum.
pub(super) struct Handoff {
    rx: mpsc::Receiver<(Rewind, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for Handoff {
    type Io = Rewind;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Rewind, SocketAddr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The acceptor is gone (shutdown): nothing will come any more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// Accepts on `listener`, answers attached exec starts, hands the rest to the returned
/// listener. The task ends when `down` turns true.
pub(super) fn front(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut down: watch::Receiver<bool>,
) -> (Handoff, JoinHandle<()>) {
    let local = listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = down.wait_for(|&d| d) => return,
            };
            let (stream, addr) = match accepted {
                Ok(conn) => conn,
                // Out of file descriptors and the like: wait a little, as axum does.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let shared = shared.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Ok(Some(conn)) =
                    tokio::time::timeout(HEAD_PATIENCE, triage(stream, &shared)).await
                {
                    let _ = tx.send((conn, addr)).await;
                }
            });
        }
    });
    (Handoff { rx, local }, task)
}

/// The head of one request, as far as this module needs it.
struct Head {
    method: String,
    target: String,
    upgrade: bool,
    content_length: usize,
    chunked: bool,
    /// Where the body starts in the bytes read.
    body_at: usize,
}

fn parse_head(buf: &[u8]) -> Option<Head> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let mut head = Head {
        method,
        target,
        upgrade: false,
        content_length: 0,
        chunked: false,
        body_at: end + 4,
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "upgrade" => head.upgrade = true,
            "content-length" => head.content_length = value.parse().unwrap_or(0),
            "transfer-encoding" => {
                head.chunked = value.to_ascii_lowercase().contains("chunked");
            }
            _ => {}
        }
    }
    Some(head)
}

/// The exec id when the request is `POST [/vX.Y]/exec/{id}/start`.
fn exec_start_id(head: &Head) -> Option<String> {
    if head.method != "POST" {
        return None;
    }
    let path = head.target.split('?').next().unwrap_or("");
    let path = strip_version(path).unwrap_or(path);
    let id = path.strip_prefix("/exec/")?.strip_suffix("/start")?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

/// Reads the head; answers an attached exec start itself (`None`), or returns the connection
/// for axum.
async fn triage(mut stream: TcpStream, shared: &Arc<Shared>) -> Option<Rewind> {
    let mut buf = Vec::with_capacity(1024);
    let head = loop {
        if let Some(head) = parse_head(&buf) {
            break Some(head);
        }
        if buf.len() >= MAX_HEAD {
            break None;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                if buf.is_empty() {
                    return None;
                }
                break None;
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let Some((head, id)) = head
        .filter(|h| h.upgrade)
        .and_then(|h| exec_start_id(&h).map(|id| (h, id)))
    else {
        return Some(Rewind {
            prefix: buf,
            pos: 0,
            inner: stream,
        });
    };
    shared.record(format!("{} {}", head.method, head.target));
    let answer = if head.chunked {
        Err(ApiError::bad_request(
            "the simulated engine does not read chunked request bodies",
        ))
    } else {
        read_body(&mut stream, &mut buf, &head).await;
        let body = buf.get(head.body_at..).unwrap_or_default();
        run_exec(shared, &id, body)
    };
    let _ = answer_exec(&mut stream, answer).await;
    let _ = stream.shutdown().await;
    None
}

/// Reads the rest of a `Content-Length` body into `buf` (a short body stays short).
async fn read_body(stream: &mut TcpStream, buf: &mut Vec<u8>, head: &Head) {
    let want = head
        .body_at
        .saturating_add(head.content_length.min(MAX_HEAD));
    while buf.len() < want {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn answer_exec(
    stream: &mut TcpStream,
    answer: Result<ExecStart, ApiError>,
) -> io::Result<()> {
    match answer {
        Err(e) => {
            let body = e.body();
            let head = format!(
                "HTTP/1.1 {} {}\r\nApi-Version: {API_VERSION}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                e.status.as_u16(),
                e.status.canonical_reason().unwrap_or(""),
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
        }
        Ok(ExecStart::Detached) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nApi-Version: {API_VERSION}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
        }
        Ok(ExecStart::Attached { tty, output }) => {
            let head = format!(
                "HTTP/1.1 101 UPGRADED\r\nApi-Version: {API_VERSION}\r\nContent-Type: {}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
                if tty { RAW } else { MULTIPLEXED }
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&output).await?;
        }
    }
    stream.flush().await
}

/// What an exec start gives.
pub(super) enum ExecStart {
    Detached,
    Attached { tty: bool, output: Vec<u8> },
}

/// Runs exec `id` with the body of its start request (`{"Detach":false,"Tty":false}`): checks
/// as the engine does, calls the container's handler (outside the lock), records the exit code.
pub(super) fn run_exec(shared: &Shared, id: &str, body: &[u8]) -> Result<ExecStart, ApiError> {
    let detach = if body.iter().all(u8::is_ascii_whitespace) {
        false
    } else {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
        v.get("Detach").and_then(Value::as_bool).unwrap_or(false)
    };
    let (handler, cmd, tty, out, err) = {
        let mut w = shared.world();
        let rec = w.execs.get(id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("No such exec instance: {id}"),
            )
        })?;
        if rec.exit_code.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("Error: Exec command {id} has already run"),
            ));
        }
        if rec.running {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("Error: Exec command {id} is already running"),
            ));
        }
        let container_id = rec.container_id.clone();
        let slot = w.find(&container_id)?;
        check_exec_target(slot)?;
        let handler = slot.c.exec.clone();
        let Some(rec) = w.execs.get_mut(id) else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("No such exec instance: {id}"),
            ));
        };
        rec.running = true;
        (
            handler,
            rec.cmd.clone(),
            rec.tty,
            rec.attach_stdout,
            rec.attach_stderr,
        )
    };
    let (chunks, code) = match handler {
        Some(h) => std::panic::catch_unwind(AssertUnwindSafe(|| h(&cmd))).unwrap_or_else(|_| {
            (
                vec![(
                    true,
                    "cleanops fake engine: the exec handler panicked".into(),
                )],
                1,
            )
        }),
        None => not_found_in_path(&cmd),
    };
    {
        let mut w = shared.world();
        if let Some(rec) = w.execs.get_mut(id) {
            rec.running = false;
            rec.exit_code = Some(code);
        }
    }
    shared.notify();
    if detach {
        return Ok(ExecStart::Detached);
    }
    let mut output = Vec::new();
    for (stderr, text) in chunks {
        if (stderr && !err) || (!stderr && !out) {
            continue;
        }
        let text = text.strip_suffix('\n').unwrap_or(&text);
        if tty {
            wire::write_line(&mut output, true, stderr, text);
        } else {
            // One write, one frame, whatever its lines.
            let mut payload = text.as_bytes().to_vec();
            payload.push(b'\n');
            wire::frame(&mut output, stderr, &payload);
        }
    }
    Ok(ExecStart::Attached { tty, output })
}

/// The engine's answer to an exec of a program the image does not have.
fn not_found_in_path(cmd: &[String]) -> ExecOutput {
    let program = cmd.first().map(String::as_str).unwrap_or("");
    (
        vec![(
            false,
            format!(
                "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": executable file not found in $PATH: unknown"
            ),
        )],
        126,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_as_bollard_writes_them() {
        let raw = b"POST /exec/abc/start HTTP/1.1\r\nconnection: Upgrade\r\nupgrade: tcp\r\ncontent-type: application/json\r\ncontent-length: 29\r\nhost: 127.0.0.1:1\r\n\r\n{\"Detach\":false,\"Tty\":false}";
        let head = parse_head(raw).expect("a head");
        assert!(head.upgrade);
        assert_eq!(head.content_length, 29);
        assert_eq!(exec_start_id(&head).as_deref(), Some("abc"));
        assert!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n").is_none());
        let versioned = parse_head(b"POST /v1.43/exec/abc/start?x=1 HTTP/1.1\r\n\r\n");
        assert_eq!(
            versioned.and_then(|h| exec_start_id(&h)).as_deref(),
            Some("abc")
        );
    }
}
