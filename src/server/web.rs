//! The server functions' door: what a server function needs from its HTTP request (the
//! application state, the signed-in person from the session cookie, where the request
//! came from), built into a [`Ctx`] once; the session cookie itself; and the HTTP status
//! of a failure.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use leptos::prelude::*;

use super::{
    context::Ctx,
    http::client::{over_https, request_meta},
    services::RequestMeta,
    state::AppState,
};
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
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
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
        self.set_cookie(session_cookie(session_id.to_owned(), max_age, self.https));
    }

    pub fn clear_session_cookie(&self) {
        self.set_cookie(session_cookie(String::new(), 0, self.https));
    }

    fn set_cookie(&self, cookie: Cookie<'static>) {
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&cookie.to_string()),
        ) {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// The session cookie with `value`, living `max_age` seconds (0 removes it).
fn session_cookie(value: String, max_age: i64, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(secure)
        .build()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let cookies =
            |value| HeaderMap::from_iter([(header::COOKIE, HeaderValue::from_static(value))]);
        let found = session_id(&cookies("a=1; tessera_session=abc; b=2"));
        assert_eq!(found.as_deref(), Some("abc"));
        assert_eq!(session_id(&cookies("a=1")), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_over_https() {
        let set = session_cookie("abc".into(), 60, true).to_string();
        for part in [
            "tessera_session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(set.contains(part), "{set}");
        }
        let cleared = session_cookie(String::new(), 0, false).to_string();
        assert!(
            cleared.contains("Max-Age=0") && !cleared.contains("Secure"),
            "{cleared}"
        );
    }
}
