//! What server functions need from the HTTP request: the application state, the signed-in
//! user (from the session cookie), the client's address, and the session cookie itself.
//! Also the two layers every response passes: cross-site refusal for server functions and
//! the security headers.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Body,
    extract::{ConnectInfo, FromRequestParts},
    http::{
        HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header, request::Parts,
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::prelude::*;
use tower_http::set_header::SetResponseHeaderLayer;

use super::{context::Ctx, services::RequestMeta, state::AppState};
use crate::{domain::error::AppError, model::CurrentUser};

pub const SESSION_COOKIE: &str = "tessera_session";
/// Where server functions live.
pub const RPC_PREFIX: &str = "/rpc";

/// The request a server function serves. Outside a request (Leptos renders the app once
/// at start-up to list its routes, and resources then call server functions directly)
/// there is none, and the call fails quietly instead of panicking.
fn context() -> Result<(AppState, Parts), AppError> {
    match (use_context::<AppState>(), use_context::<Parts>()) {
        (Some(state), Some(parts)) => Ok((state, parts)),
        _ => Err(AppError::Internal),
    }
}

/// The value of the session cookie, if the request carries one.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The address the connection comes from.
fn peer_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Whether `ip` belongs to a proxy listed in `trusted_proxies`.
fn is_trusted_proxy(state: &AppState, ip: &IpAddr) -> bool {
    state
        .config
        .trusted_proxies
        .iter()
        .any(|net| net.contains(ip))
}

/// The client's address: the peer, or the nearest untrusted address in `X-Forwarded-For`
/// when the peer is a proxy listed in `trusted_proxies`.
pub fn client_ip(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    let peer = peer_ip(parts)?;
    let trusted = |ip: &IpAddr| is_trusted_proxy(state, ip);
    if !trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.trim().parse().ok())
        .collect();
    // Walk from the nearest hop back; the first address no trusted proxy owns is the client.
    Some(
        forwarded
            .iter()
            .rev()
            .find(|ip| !trusted(ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// Whether the browser reached us over https (directly, or through a trusted proxy).
fn over_https(state: &AppState, parts: &Parts) -> bool {
    if parts.uri.scheme_str() == Some("https") {
        return true;
    }
    peer_ip(parts).is_some_and(|peer| is_trusted_proxy(state, &peer))
        && parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"https"))
}

pub fn request_meta(state: &AppState, parts: &Parts) -> RequestMeta {
    RequestMeta {
        ip: client_ip(state, parts).map(|ip| ip.to_string()),
        user_agent: user_agent(parts).map(str::to_owned),
    }
}

/// Who is asking, for the audit log: worked out only for handlers that ask for it.
impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(request_meta(state, parts))
    }
}

/// The User-Agent header as text, if it is.
pub fn user_agent(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|value| truncate_chars(value, 512))
}

/// At most `max` characters of `text` (what is kept of a request's user agent or path).
pub fn truncate_chars(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(end, _)| &text[..end])
}

/// Everything a server function needs about its request.
pub struct RequestContext {
    pub state: AppState,
    pub meta: RequestMeta,
    pub session_id: Option<String>,
    https: bool,
    /// A plain HTML form post (the page's WASM had not loaded): answer with a redirect.
    plain_form: bool,
}

pub fn request() -> Result<RequestContext, AppError> {
    let (state, parts) = context()?;
    Ok(RequestContext {
        meta: request_meta(&state, &parts),
        session_id: session_id(&parts.headers),
        https: over_https(&state, &parts),
        plain_form: parts
            .headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("text/html")),
        state,
    })
}

impl RequestContext {
    /// The context for a visitor: nobody signed in (or nobody who matters to the call).
    pub fn visitor(&self) -> Ctx<()> {
        Ctx::new(self.state.clone(), (), self.meta.clone())
    }

    /// The signed-in person, or `Unauthenticated`. A person whose password somebody else
    /// chose may do nothing but choose their own ([`RequestContext::any_person`]).
    pub async fn person(&self) -> Result<Ctx<CurrentUser>, AppError> {
        let ctx = self.any_person().await?;
        if ctx.principal.must_change_password {
            return Err(AppError::Forbidden(
                "Choose your own password first: the one you signed in with was chosen by someone else.".into(),
            ));
        }
        Ok(ctx)
    }

    /// The signed-in person, even one who must still choose their own password.
    pub async fn any_person(&self) -> Result<Ctx<CurrentUser>, AppError> {
        let ctx = self.maybe_person().await?;
        match &ctx.principal {
            Some(user) => Ok(ctx.acting_as(user.clone())),
            None => Err(AppError::Unauthenticated),
        }
    }

    /// The signed-in person, if any.
    pub async fn maybe_person(&self) -> Result<Ctx<Option<CurrentUser>>, AppError> {
        let visitor = self.visitor();
        let user =
            super::services::accounts::authenticate(&visitor, self.session_id.as_deref()).await?;
        Ok(visitor.acting_as(user))
    }

    /// For a plain form post (before the WASM loaded), sends the browser on: to `done` on
    /// success, else back to `form` with the kind of failure in `?error=` (never the input).
    /// Script calls get the result as it is.
    pub fn after_plain_form<T>(
        &self,
        result: Result<T, AppError>,
        done: &str,
        form: &str,
    ) -> Result<T, AppError> {
        if self.plain_form {
            match &result {
                Ok(_) => leptos_axum::redirect(done),
                Err(error) => leptos_axum::redirect(&format!("{form}?error={}", error.kind())),
            }
            provide_context(Redirected);
        }
        result
    }

    /// Sets the session cookie: HttpOnly, SameSite=Lax, Secure over https, and living as
    /// long as the session's idle limit (each use slides it on the server).
    pub fn set_session_cookie(&self, session_id: &str) {
        let max_age = super::services::accounts::SESSION_IDLE_MS / 1000;
        let secure = if self.https { "; Secure" } else { "" };
        self.set_cookie(&format!(
            "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        ));
    }

    pub fn clear_session_cookie(&self) {
        let secure = if self.https { "; Secure" } else { "" };
        self.set_cookie(&format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
        ));
    }

    fn set_cookie(&self, cookie: &str) {
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(cookie),
        ) {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// Marks a plain form post already answered with a redirect (its status stays 302).
#[derive(Clone, Copy, Debug)]
struct Redirected;

/// Gives a server function's failure its HTTP status (422 for bad input, 404, 403…),
/// so logs and proxies see client errors as such.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result
        && use_context::<Redirected>().is_none()
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = StatusCode::from_u16(error.http_status())
    {
        response.set_status(status);
        if let AppError::Unavailable(_) = error {
            response.insert_header(
                header::RETRY_AFTER,
                HeaderValue::from(super::services::passwords::RETRY_AFTER_SECONDS),
            );
        }
    }
    result
}

/// The server-function door: runs `call` with the request, and gives a failure its status.
pub async fn serve<T, Fut>(call: impl FnOnce(RequestContext) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    respond(
        async move {
            let request = request()?;
            call(request).await
        }
        .await,
    )
}

/// [`serve`] for what the signed-in person does as a principal (a workspace's pages).
pub async fn acting<T, Fut>(call: impl FnOnce(Ctx) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    serve(async move |request| call(request.person().await?.acting()).await).await
}

/// [`serve`] for what only a signed-in person does (their own account and preferences).
pub async fn person<T, Fut>(call: impl FnOnce(Ctx<CurrentUser>) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    serve(async move |request| call(request.person().await?).await).await
}

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

/// What a request log line shows of a path: the codes of mailed links (invitations,
/// password resets) masked. Never the query string (see `http::router`).
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/invite/", "/reset-password/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}…").into();
        }
    }
    path.into()
}

/// The Content-Security-Policy of an HTML page; `nonce` admits Leptos's inline bootstrap.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The security headers of every response: no sniffing, no framing, a CSP that forbids
/// everything unless the page set its own, and `no-store` on pages and JSON (server
/// functions, the API), which hold workspace data. Pages also get the headers that only
/// mean something for a document: no referrer, an isolated browsing context.
/// One layer that sets them all in one pass, with no allocation: a stack of one layer per
/// header nests a future per header around every request, and that showed in `make bench`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SecurityHeaders;

impl<S> tower::Layer<S> for SecurityHeaders {
    type Service = SecurityHeadersService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeadersService { inner }
    }
}

#[derive(Clone, Debug)]
pub struct SecurityHeadersService<S> {
    inner: S,
}

impl<S, B> tower::Service<Request<B>> for SecurityHeadersService<S>
where
    S: tower::Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = SecurityHeadersFuture<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        SecurityHeadersFuture {
            inner: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct SecurityHeadersFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, E> std::future::Future for SecurityHeadersFuture<F>
where
    F: std::future::Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let mut response = std::task::ready!(self.project().inner.poll(cx))?;
        set_security_headers(response.headers_mut());
        std::task::Poll::Ready(Ok(response))
    }
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

    #[test]
    fn logged_paths_never_hold_a_link_code() {
        assert_eq!(loggable_path("/invite/abc123"), "/invite/…");
        assert_eq!(loggable_path("/reset-password/abc123"), "/reset-password/…");
        assert_eq!(loggable_path("/login"), "/login");
        assert_eq!(loggable_path("/invite/"), "/invite/");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let map = headers(&[("cookie", "a=1; tessera_session=abc; b=2")]);
        assert_eq!(session_id(&map).as_deref(), Some("abc"));
        assert_eq!(session_id(&headers(&[("cookie", "a=1")])), None);
    }
}
