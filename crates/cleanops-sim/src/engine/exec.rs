//! Exec start, as the engine answers it. bollard's attached start (`POST /exec/{id}/start` with
//! `Connection: Upgrade` and `Upgrade: tcp`) is answered `101 UPGRADED`, and the output then goes
//! out raw (multiplexed frames, or a TTY's bytes) on the hijacked connection, which is closed
//! after it: the client reads to the end. Without the upgrade (curl, scripts) the same output is
//! the body of a 200; detached, an empty 200. Errors are the engine's JSON ones, before any
//! upgrade, on a connection that stays open.

use std::panic::AssertUnwindSafe;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::api::{AppState, check_exec_target};
use super::wire::{self, MULTIPLEXED, RAW};
use super::{ApiError, ExecOutput, Shared};

/// A start request's body is `{"Detach":false,"Tty":false}`: anything much larger is refused.
const MAX_BODY: usize = 64 * 1024;

pub(super) async fn start_exec(
    State(st): State<AppState>,
    Path(id): Path<String>,
    mut req: Request,
) -> Result<Response, ApiError> {
    // Taken before the body: hyper hands the connection over once the 101 is written (it
    // upgrades HTTP/1.1 only).
    let upgrade = (req.version() == Version::HTTP_11
        && req.headers().contains_key(header::UPGRADE))
    .then(|| hyper::upgrade::on(&mut req));
    let body: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
    let (tty, output) = match run_exec(&st.shared, &id, &body)? {
        ExecStart::Detached => return Ok(StatusCode::OK.into_response()),
        ExecStart::Attached { tty, output } => (tty, output),
    };
    let content_type = HeaderValue::from_static(if tty { RAW } else { MULTIPLEXED });
    let Some(upgrade) = upgrade else {
        return Ok(([(header::CONTENT_TYPE, content_type)], output).into_response());
    };
    tokio::spawn(async move {
        // An error here is a client gone before the 101 reached it: nobody to tell.
        if let Ok(upgraded) = upgrade.await {
            let mut io = TokioIo::new(upgraded);
            let _ = io.write_all(&output).await;
            let _ = io.flush().await;
            let _ = io.shutdown().await;
        }
    });
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    res.extensions_mut()
        .insert(hyper::ext::ReasonPhrase::from_static(b"UPGRADED"));
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("tcp"));
    Ok(res)
}

/// What an exec start gives.
enum ExecStart {
    Detached,
    Attached { tty: bool, output: Vec<u8> },
}

/// Runs exec `id` with the body of its start request (`{"Detach":false,"Tty":false}`): checks
/// as the engine does, calls the container's handler (outside the lock), records the exit code.
fn run_exec(shared: &Shared, id: &str, body: &[u8]) -> Result<ExecStart, ApiError> {
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
