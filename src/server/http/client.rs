//! Who is asking: the client's address (through trusted proxies), its user agent, and
//! whether it came over https; and what a request log line may show of a path.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};

use crate::server::{services::RequestMeta, state::AppState};

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
/// when the peer is a proxy listed in `trusted_proxies`; IPv4-mapped IPv6 as its IPv4.
pub fn client_ip(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    hop_ip(state, parts).map(|ip| ip.to_canonical())
}

/// [`client_ip`] as the hops give it: an IPv4 client may come as IPv4-mapped IPv6
/// (`::ffff:192.0.2.1`), which the caller turns into the IPv4 address it is.
fn hop_ip(state: &AppState, parts: &Parts) -> Option<IpAddr> {
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
pub fn over_https(state: &AppState, parts: &Parts) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_paths_never_hold_a_link_code() {
        assert_eq!(loggable_path("/invite/abc123"), "/invite/…");
        assert_eq!(loggable_path("/reset-password/abc123"), "/reset-password/…");
        assert_eq!(loggable_path("/login"), "/login");
        assert_eq!(loggable_path("/invite/"), "/invite/");
    }
}
