//! Broken answers, as an unhealthy proxy or a half-dead process in front of the app gives
//! them, so the client's handling of each (exit code 5, timeouts) can be tested.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::sync::watch;

use super::respond;
use super::state::Fault;

const PROXY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// What the `truncated` answer sends before breaking off (half of what it announces).
const TRUNCATED_SENT_BYTES: usize = 600 * 1024;

/// Size of the `oversized` body.
const OVERSIZED_BYTES: usize = 10 * 1024 * 1024;

/// A body of unknown length (sent chunked) with the given content: the client cannot learn
/// the size from a header and has to enforce its own limit while reading.
fn streamed(bytes: Vec<u8>) -> Body {
    Body::from_stream(Body::from(bytes).into_data_stream())
}

fn json_with(status: StatusCode, body: Body) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The answer for `fault`. `hang` waits until the simulator shuts down.
pub(crate) async fn respond(fault: Fault, mut shutdown: watch::Receiver<bool>) -> Response {
    match fault {
        Fault::Html => {
            let mut resp = Response::new(Body::from(PROXY_PAGE));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            resp
        }
        Fault::Malformed => json_with(StatusCode::OK, Body::from(r#"{"ok": tru"#)),
        Fault::UnknownShape => json_with(StatusCode::OK, Body::from(r#"{"hello":"world"}"#)),
        Fault::InvalidUtf8 => {
            let mut body = br#"{"ok":true,"status":"ok","detail":""#.to_vec();
            body.extend_from_slice(&[0xff, 0xfe]);
            body.extend_from_slice(br#""}"#);
            json_with(StatusCode::OK, Body::from(body))
        }
        Fault::Truncated => {
            // Announce more than is sent: when the stream ends early, hyper aborts the
            // connection. The part sent must exceed hyper's write buffer (about 400 KiB), or
            // hyper drops it unflushed with the connection and the client sees no answer at
            // all instead of a body cut off mid-way.
            let mut first = br#"{"ok":true,"checks":[],"padding":""#.to_vec();
            first.resize(TRUNCATED_SENT_BYTES, b'x');
            let announced = TRUNCATED_SENT_BYTES * 2;
            let mut resp = json_with(StatusCode::OK, streamed(first));
            resp.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
            resp
        }
        Fault::Oversized => {
            // Valid JSON, only too big: a size limit is the one thing that should stop it.
            let head = br#"{"items":[],"padding":""#;
            let tail = br#""}"#;
            let mut body = Vec::with_capacity(OVERSIZED_BYTES);
            body.extend_from_slice(head);
            body.resize(OVERSIZED_BYTES - tail.len(), b'x');
            body.extend_from_slice(tail);
            json_with(StatusCode::OK, streamed(body))
        }
        Fault::Hang => {
            // Ends only so that a graceful shutdown does not wait forever on this request.
            let _ = shutdown.wait_for(|&down| down).await;
            respond::detail(StatusCode::SERVICE_UNAVAILABLE, "simulator shutting down")
        }
    }
}
