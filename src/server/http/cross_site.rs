//! The cross-site check for server functions: the session cookie must not be usable by
//! someone else's page.

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::server::web::RPC_PREFIX;

/// Refuses server-function calls that a browser marks as coming from another site: the
/// session cookie must not be usable by someone else's page.
pub async fn refuse_cross_site(request: Request<Body>, next: Next) -> Response {
    if request.uri().path().starts_with(RPC_PREFIX)
        && !same_origin(request.method(), request.headers())
    {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site server function call");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests to Tessera's server functions are refused.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Sec-Fetch-Site where the browser sends it; otherwise Origin must match Host.
/// Requests with neither come from non-browser clients, which carry no ambient cookies.
fn same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let origin = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, rest)| rest);
            matches!((origin, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
        None => {
            method == Method::GET || method == Method::HEAD || !headers.contains_key(header::COOKIE)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cross_site_calls_are_recognised() {
        let post = Method::POST;
        assert!(same_origin(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(!same_origin(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!same_origin(
            &post,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        assert!(same_origin(
            &post,
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ])
        ));
        assert!(!same_origin(
            &post,
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ])
        ));
        // No browser markers but a cookie: refuse, a browser would have said where it came from.
        assert!(!same_origin(
            &post,
            &headers(&[("cookie", "tessera_session=x")])
        ));
        assert!(same_origin(&post, &headers(&[])));
    }
}
