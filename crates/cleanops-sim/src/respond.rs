//! The app's response formats. It has several, and which one a client gets depends on where
//! the answer came from (docs/app-contract.md §5.6): problem+json from routes and dependencies,
//! `{"detail": ...}` from the auth middleware and from routing, an empty body for an
//! idempotency key in flight.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

pub(crate) const PROBLEM_VALIDATION: &str = "https://example.com/problems/validation-error";
pub(crate) const PROBLEM_DOMAIN: &str = "https://example.com/problems/domain-error";
pub(crate) const PROBLEM_RATE_LIMIT: &str = "https://example.com/problems/rate-limit";
pub(crate) const PROBLEM_SERVER: &str = "https://example.com/problems/server-error";

fn with_body(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// A JSON body (compact, as Starlette's `JSONResponse` renders it).
pub(crate) fn json(status: StatusCode, value: &Value) -> Response {
    with_body(status, "application/json", value.to_string())
}

/// A JSON body already serialized (idempotent replays answer the stored text verbatim).
pub(crate) fn raw_json(status: StatusCode, body: String) -> Response {
    with_body(status, "application/json", body)
}

/// FastAPI's default `{"detail": ...}` (auth middleware, unknown routes, wrong methods).
pub(crate) fn detail(status: StatusCode, detail: &str) -> Response {
    json(status, &json!({ "detail": detail }))
}

/// A problem+json with `title = detail`, the usual shape of the app's HTTPExceptions.
pub(crate) fn problem(status: StatusCode, type_: &str, detail: &str, request_id: &str) -> Response {
    problem_full(status, type_, detail, detail, request_id, Vec::new())
}

/// The full problem+json envelope of `backend/app/api/problem_details.py`.
pub(crate) fn problem_full(
    status: StatusCode,
    type_: &str,
    title: &str,
    detail: &str,
    request_id: &str,
    errors: Vec<Value>,
) -> Response {
    let body = json!({
        "type": type_,
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "request_id": request_id,
        "errors": errors,
    });
    with_body(status, "application/problem+json", body.to_string())
}

/// The app's handler of unexpected exceptions (DB errors included).
pub(crate) fn server_error(request_id: &str) -> Response {
    problem_full(
        StatusCode::INTERNAL_SERVER_ERROR,
        PROBLEM_SERVER,
        "Internal Server Error",
        "Unexpected error",
        request_id,
        Vec::new(),
    )
}

/// 403 for a role without the needed permission.
pub(crate) fn forbidden(request_id: &str) -> Response {
    let mut resp = problem(
        StatusCode::FORBIDDEN,
        PROBLEM_DOMAIN,
        "Forbidden",
        request_id,
    );
    resp.headers_mut().insert(
        "x-admin-auth-fail-reason",
        HeaderValue::from_static("forbidden_permission"),
    );
    resp
}

/// 422 of FastAPI's request validation, one entry per invalid field.
pub(crate) fn validation(errors: Vec<(&str, String)>, request_id: &str) -> Response {
    let errors = errors
        .into_iter()
        .map(|(field, message)| json!({"field": field, "message": message}))
        .collect();
    problem_full(
        StatusCode::UNPROCESSABLE_ENTITY,
        PROBLEM_VALIDATION,
        "Validation Error",
        "Request validation failed",
        request_id,
        errors,
    )
}

/// The 429 of the global limiter and of the per-action limiter; neither sends `Retry-After`.
pub(crate) fn too_many(detail: &str, request_id: &str) -> Response {
    problem_full(
        StatusCode::TOO_MANY_REQUESTS,
        PROBLEM_RATE_LIMIT,
        "Too Many Requests",
        detail,
        request_id,
        Vec::new(),
    )
}

/// Sets a header from text that may come from the client; an unrepresentable value is
/// dropped rather than allowed to fail the response.
pub(crate) fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// The 409 the app answers for an idempotency key it considers in flight: no body, no
/// content type, `Retry-After: 1` and the key echoed.
pub(crate) fn in_flight(key: &str) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::CONFLICT;
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    set_header(&mut resp, "idempotency-key", key);
    resp
}
