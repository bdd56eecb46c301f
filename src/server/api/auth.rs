//! Bearer authentication for `/api/v1`: the presented token is checked on every request
//! (a disabled or deleted token fails on its very next call), its use is noted for the
//! Last used column, and its expiry is announced in `Tessera-Token-Expires`.
//!
//! A tower layer rather than `middleware::from_fn`: a token in use is in memory, so its
//! check needs no `.await`, and the request goes straight on to the handler without a boxed
//! future or a boxed copy of the rest of the stack (`make bench` measured both). Only a
//! token not in memory takes the boxed path that reads the database.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use axum::{
    extract::{FromRequestParts, Request},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use tower::{Layer, Service, ServiceExt};

use super::{Problem, json::rfc3339};
use crate::{
    domain::error::AppError,
    server::{
        http::client::{client_ip, truncate_chars, user_agent},
        jobs::last_used::Use,
        services::{
            TokenPrincipal, now_ms,
            token_check::{self as tokens, TokenCheck},
        },
        state::AppState,
    },
};

const TOKEN_EXPIRES: &str = "tessera-token-expires";

/// The token a request was authenticated with, for the handler: taken out of the request
/// rather than copied (axum's `Extension` would clone it).
pub struct Caller(pub TokenPrincipal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        // Only a route outside `BearerAuth` could lack it: refuse rather than serve it.
        parts
            .extensions
            .remove::<TokenPrincipal>()
            .map(Caller)
            .ok_or_else(Problem::invalid_token)
    }
}

/// Authenticates every request to the routes it wraps.
#[derive(Clone)]
pub struct BearerAuth {
    state: AppState,
}

impl BearerAuth {
    pub fn new(state: AppState) -> Self {
        BearerAuth { state }
    }
}

impl<S> Layer<S> for BearerAuth {
    type Service = BearerAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerAuthService {
            state: self.state.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct BearerAuthService<S> {
    state: AppState,
    inner: S,
}

impl<S> Service<Request> for BearerAuthService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BearerAuthFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let digest = match presented(request.headers()) {
            Presented::Missing => return BearerAuthFuture::refused(Problem::missing_token()),
            Presented::Invalid => return BearerAuthFuture::refused(Problem::invalid_token()),
            Presented::Token(token) => match tokens::digest(&self.state.keys, token) {
                Some(digest) => digest,
                None => return BearerAuthFuture::refused(Problem::invalid_token()),
            },
        };
        let now = now_ms();
        if let Some(check) = tokens::check_cached(&self.state.db, &digest, now) {
            return match admit(&self.state, request, Ok(check), now) {
                Ok((request, expires_at)) => BearerAuthFuture::Inner {
                    inner: self.inner.call(request),
                    expires_at,
                },
                Err(problem) => BearerAuthFuture::refused(problem),
            };
        }
        // Not in memory: read the database first. `inner` was made ready; a clone is left.
        let state = self.state.clone();
        let inner = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, inner);
        BearerAuthFuture::Slow {
            future: Box::pin(async move {
                let check = tokens::check_digest(&state.db, &digest, now).await;
                match admit(&state, request, check, now) {
                    Ok((request, expires_at)) => {
                        let Ok(response) = ready.ready().await;
                        let Ok(response) = response.call(request).await;
                        with_expiry(response, expires_at)
                    }
                    Err(problem) => problem.into_response(),
                }
            }),
        }
    }
}

/// What the Authorization header holds. Session cookies never authenticate the API: only
/// this header counts.
enum Presented<'a> {
    Missing,
    Invalid,
    Token(&'a str),
}

fn presented(headers: &HeaderMap) -> Presented<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Presented::Missing;
    };
    value
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| Presented::Token(token.trim()))
        })
        .unwrap_or(Presented::Invalid)
}

/// A valid token's request goes on with its principal, its use noted; anything else is the
/// same 401, which does not tell which way the token failed.
fn admit(
    state: &AppState,
    request: Request,
    check: Result<TokenCheck, AppError>,
    now: i64,
) -> Result<(Request, Option<i64>), Problem> {
    let token = match check {
        Ok(TokenCheck::Valid(token)) => token,
        Ok(_) => return Err(Problem::invalid_token()),
        Err(error) => return Err(Problem::from(error)),
    };
    let (mut parts, body) = request.into_parts();
    state.last_used.record(Use {
        token_id: token.id,
        at: now,
        ip: client_ip(state, &parts),
        user_agent: user_agent(&parts),
        method: parts.method.as_str(),
        path: truncate_chars(parts.uri.path(), 512),
    });
    let expires_at = token.expires_at;
    parts.extensions.insert(token);
    Ok((Request::from_parts(parts, body), expires_at))
}

fn with_expiry(mut response: Response, expires_at: Option<i64>) -> Response {
    if let Some(at) = expires_at
        && let Ok(value) = HeaderValue::from_str(&rfc3339(at))
    {
        response.headers_mut().insert(TOKEN_EXPIRES, value);
    }
    response
}

pin_project_lite::pin_project! {
    /// The answer to an API request: the handler's (with the token's expiry added), a
    /// refusal, or the database-reading path for a token not in memory.
    #[project = BearerAuthProjection]
    pub enum BearerAuthFuture<F> {
        Inner { #[pin] inner: F, expires_at: Option<i64> },
        Refused { response: Option<Response> },
        Slow { future: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

impl<F> BearerAuthFuture<F> {
    fn refused(problem: Problem) -> Self {
        BearerAuthFuture::Refused {
            response: Some(problem.into_response()),
        }
    }
}

impl<F> Future for BearerAuthFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            BearerAuthProjection::Inner { inner, expires_at } => {
                let Ok(response) = ready!(inner.poll(cx));
                Poll::Ready(Ok(with_expiry(response, *expires_at)))
            }
            BearerAuthProjection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .expect("a refused request's future is polled once more after it answered"))),
            BearerAuthProjection::Slow { future } => future.as_mut().poll(cx).map(Ok),
        }
    }
}
