//! The security headers of every response, and `no-store` for the routes that hold
//! workspace data.

use axum::{
    http::{HeaderMap, HeaderName, HeaderValue, header},
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of an HTML page; `nonce` admits Leptos's inline bootstrap.
/// `live_reload`, the port of cargo-leptos's reload websocket under `make dev` (None
/// otherwise), is admitted to `connect-src` on any host, as the reload script connects to
/// the page's own host name on that port (`ws:`, or `wss:` on an HTTPS page).
pub fn page_csp(nonce: &str, live_reload: Option<u32>) -> String {
    let reload = live_reload
        .map(|port| format!(" ws://*:{port} wss://*:{port}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The security headers of every response: no sniffing, no framing, a CSP that forbids
/// everything unless the page set its own, and `no-store` on pages and JSON (server
/// functions, the API), which hold workspace data. Pages also get the headers that only
/// mean something for a document: no referrer, an isolated browsing context.
/// Set in one pass by tower's `map_response` around the whole site (measured against a
/// hand-written layer: see `api::auth`).
pub fn with_security_headers(mut response: Response) -> Response {
    set_security_headers(response.headers_mut());
    response
}

fn set_security_headers(headers: &mut HeaderMap) {
    const OPENER_POLICY: HeaderName = HeaderName::from_static("cross-origin-opener-policy");
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|value| value.as_bytes());
    let page = content_type.is_some_and(|value| value.starts_with(b"text/html"));
    let private = page
        || content_type.is_some_and(|value| {
            value.starts_with(b"application/json") || value.starts_with(b"application/problem+json")
        });
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if page {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(OPENER_POLICY, HeaderValue::from_static("same-origin"));
    }
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        ));
    // The UI's routes carry `no_store` themselves, whatever their content type.
    if private {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
}

/// `Cache-Control: no-store` on every answer of the routes it wraps (pages and server
/// functions, whatever their content type, errors included), unless one set its own.
pub fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )
}

#[cfg(test)]
mod tests {
    use super::page_csp;

    #[test]
    fn a_page_connects_only_to_its_own_origin_unless_live_reload_is_on() {
        let served = page_csp("n0nce", None);
        assert!(served.contains("connect-src 'self';"), "{served}");
        assert!(served.contains("'nonce-n0nce'"), "{served}");
        assert!(!served.contains("ws"), "{served}");
        let watched = page_csp("n0nce", Some(3001));
        assert!(
            watched.contains("connect-src 'self' ws://*:3001 wss://*:3001;"),
            "{watched}"
        );
        // Only connect-src changes.
        assert_eq!(watched.replace(" ws://*:3001 wss://*:3001", ""), served);
    }
}
