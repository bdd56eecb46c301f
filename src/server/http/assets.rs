//! The built site's files under `/pkg` (the WASM, its JavaScript, the stylesheet): served
//! precompressed, and cached for good where their names carry their content's hash. And the
//! site's icon, built into the server.
//!
//! `scripts/build-site.sh` writes `NAME.br` and `NAME.gz` beside each file at build time;
//! the request's `Accept-Encoding` chooses among them (brotli first, then gzip, then the file
//! itself), so nothing is compressed per request. cargo-leptos (`hash-files`) names each
//! file after the MD5 of its content, so a name never changes content and the browser may
//! keep it for a year without asking again; any other file there is revalidated.

use std::path::Path;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::services::ServeDir;

/// Where the files are served from, under the site root.
pub const PKG: &str = "pkg";

/// `Cache-Control` of a file whose name holds its content's hash (RFC 8246's `immutable`:
/// not even a reload asks again).
const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// `Cache-Control` of any other file: kept, but checked (If-Modified-Since) before each use.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The site's icon (the page shell links it). Also answered at `/favicon.ico`, where
/// browsers and tools look for an icon a page does not name.
const ICON: &str = "/favicon.svg";
const ICON_SVG: &str = include_str!("../../../public/favicon.svg");

/// `/pkg/…` from `<site_root>/pkg`, and the icon.
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
    let files = ServeDir::new(site_root.join(PKG))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service(&format!("/{PKG}"), files)
        .layer(middleware::from_fn(cache_headers))
        .route(ICON, get(icon))
        .route("/favicon.ico", get(icon))
}

/// The icon, kept a day: its address has no hash to change with it.
async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON_SVG,
    )
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            if hashed { FOREVER } else { REVALIDATE },
        );
        // The same address answers differently by Accept-Encoding: a shared cache must
        // keep one copy per encoding.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether a path's file name carries cargo-leptos's content hash: `name.HASH.ext`, the
/// hash the 22 base64url characters of an MD5 digest.
fn content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == 22
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::content_hashed;

    #[test]
    fn only_names_with_a_content_hash_are_kept_for_good() {
        assert!(content_hashed("/pkg/tessera.Xk3pQ_9aB-cdEfGhIjKlMn.wasm"));
        assert!(content_hashed("/pkg/tessera.Xk3pQ_9aB-cdEfGhIjKlMn.js"));
        // No hash, a hash of the wrong length, characters outside base64url, the hash as
        // the extension or the stem.
        assert!(!content_hashed("/pkg/tessera.wasm"));
        assert!(!content_hashed("/pkg/tessera_bg.wasm"));
        assert!(!content_hashed("/pkg/tessera.Xk3pQ_9aB-cdEfGhIjKlM.wasm"));
        assert!(!content_hashed("/pkg/tessera.Xk3pQ_9aB+cdEfGhIjKlMn.wasm"));
        assert!(!content_hashed("/pkg/tessera.Xk3pQ_9aB-cdEfGhIjKlMn"));
        assert!(!content_hashed("/pkg/Xk3pQ_9aB-cdEfGhIjKlMn.wasm"));
    }
}
