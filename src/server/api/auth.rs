//! Bearer authentication for `/api/v1`: the presented token is checked on every request
//! (a disabled or deleted token fails on its very next call), its use is noted for the
//! Last used column, and its expiry is announced in `Tessera-Token-Expires`.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{Problem, json::rfc3339};
use crate::server::{
    last_used::Use,
    services::{
        now_ms,
        tokens::{self, TokenCheck},
    },
    state::AppState,
    web::{client_ip, truncate_chars, user_agent},
};

pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Session cookies never authenticate the API: only the Authorization header counts.
    let presented = match request.headers().get(header::AUTHORIZATION) {
        None => return Problem::missing_token().into_response(),
        Some(value) => value.to_str().ok().and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        }),
    };
    let Some(presented) = presented else {
        return Problem::invalid_token().into_response();
    };
    let now = now_ms();
    let token = match tokens::check(&state.db, &state.keys, &presented, now).await {
        Ok(TokenCheck::Valid(token)) => token,
        Ok(_) => return Problem::invalid_token().into_response(),
        Err(error) => return Problem::from(error).into_response(),
    };

    let (mut parts, body) = request.into_parts();
    state.last_used.record(Use {
        token_id: token.id,
        at: now,
        ip: client_ip(&state, &parts),
        user_agent: user_agent(&parts),
        method: parts.method.as_str(),
        path: truncate_chars(parts.uri.path(), 512),
    });
    let expires_at = token.expires_at;
    parts.extensions.insert(token);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(at) = expires_at
        && let Ok(value) = HeaderValue::from_str(&rfc3339(at))
    {
        response
            .headers_mut()
            .insert("tessera-token-expires", value);
    }
    response
}
