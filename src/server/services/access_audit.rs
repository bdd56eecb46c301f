//! The API Access Audit (as Buildkite has it): every token of a workspace with who made it
//! and where it was last used, searchable by creator, token value, scope, permissions and
//! address; and one token's recent requests and requests per day.

use std::net::IpAddr;

use ipnet::IpNet;
use uuid::Uuid;

use super::token_views::view;
use crate::{
    domain::{
        error::AppError,
        permission::Action,
        role::Role,
        time::DAY_MS,
        token_format::{TokenSearch, prefix_matches},
    },
    model::{
        AccessAuditDetail, AccessAuditPage, AccessAuditQuery, AccessAuditRow, TokenRequestView,
    },
    server::{context::Ctx, jobs::last_used::day_of, store::tokens::TokenRow},
};

/// How many days the chart covers, today included.
pub const CHART_DAYS: i64 = 30;

/// An address, or a range of them.
fn address_filter(text: &str) -> Result<IpNet, AppError> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            AppError::invalid(
                "ip",
                format!(
                    "{text:?} is not an IP address or range; write it like 203.0.113.7, 2001:db8::1 or 10.0.0.0/8."
                ),
            )
        })
}

fn row(token: TokenRow, role: Role, now: i64) -> AccessAuditRow {
    let creator_email = token.created_by_email.clone();
    AccessAuditRow {
        token: view(token, role, now),
        creator_email,
    }
}

/// The workspace's tokens that match `query`, most recently used first.
pub async fn page(
    ctx: &Ctx,
    workspace_id: Uuid,
    query: &AccessAuditQuery,
) -> Result<AccessAuditPage, AppError> {
    let (db, keys, now) = (ctx.db(), ctx.keys(), ctx.now);
    let workspace = ctx.workspace(workspace_id, Action::ReadAudit).await?;
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let range = text(&query.ip).map(|ip| address_filter(&ip)).transpose()?;
    let creator = text(&query.creator).map(|c| c.to_lowercase());
    let token_text = text(&query.token);
    // A whole token is found by its digest, as the API finds it; it may belong elsewhere.
    let search = token_text.as_deref().map(TokenSearch::new);
    let whole = match search {
        Some(TokenSearch::Whole(token)) => Some(
            db.token_by_digest(&keys.token_digest(token))
                .await?
                .filter(|found| found.reach.grant(workspace_id).is_some())
                .map(|found| found.id),
        ),
        _ => None,
    };
    let used_from = match range {
        Some(_) => db.token_request_ips(workspace_id).await?,
        None => Vec::new(),
    };
    let in_range = |token: &TokenRow| {
        let Some(range) = range else { return true };
        let inside = |ip: &str| ip.parse::<IpAddr>().is_ok_and(|ip| range.contains(&ip));
        token.last_used_ip.as_deref().is_some_and(inside)
            || used_from
                .iter()
                .any(|(id, ip)| *id == token.id && inside(ip))
    };
    let mut rows = Vec::new();
    for token in db.tokens(workspace_id).await? {
        let matches_creator = creator.as_ref().is_none_or(|needle| {
            [&token.created_by_name, &token.created_by_email]
                .into_iter()
                .flatten()
                .any(|value| value.to_lowercase().contains(needle))
        });
        let matches_value = match (search, whole) {
            (None, _) => true,
            (Some(TokenSearch::Whole(_)), found) => found.flatten() == Some(token.id),
            (Some(TokenSearch::Prefix(typed)), _) => prefix_matches(&token.display_prefix, typed),
        };
        if !(matches_creator && matches_value && in_range(&token)) {
            continue;
        }
        let row = row(token, workspace.role, now);
        let scope = row.token.scope;
        if (query.scopes.is_empty() || query.scopes.contains(&scope))
            && (!query.admin || scope >= Role::Administrator)
            && query
                .permissions
                .is_subset_of(row.token.effective_permissions)
        {
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.token.last_used_at));
    Ok(AccessAuditPage {
        workspace,
        rows,
        now,
    })
}

/// One token: its permissions, its newest requests and its requests per day.
pub async fn detail(
    ctx: &Ctx,
    workspace_id: Uuid,
    token_id: Uuid,
) -> Result<AccessAuditDetail, AppError> {
    let (db, now) = (ctx.db(), ctx.now);
    let workspace = ctx.workspace(workspace_id, Action::ReadAudit).await?;
    let token = db
        .token(workspace_id, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = row(token, workspace.role, now);
    let recent = db
        .token_requests(token_id)
        .await?
        .into_iter()
        .map(|r| TokenRequestView {
            at: r.at,
            ip: r.ip,
            user_agent: r.user_agent,
            method: r.method,
            path: r.path,
        })
        .collect();
    let first_day = day_of(now) - (CHART_DAYS - 1);
    let mut daily = vec![0; CHART_DAYS as usize];
    for (day, requests) in db.token_daily_requests(token_id, first_day).await? {
        if let Some(slot) = usize::try_from(day - first_day)
            .ok()
            .and_then(|i| daily.get_mut(i))
        {
            *slot = requests;
        }
    }
    Ok(AccessAuditDetail {
        workspace,
        row,
        recent,
        daily,
        first_day: first_day * DAY_MS,
        now,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_and_ranges_are_understood_and_junk_is_explained() {
        let range = super::address_filter("10.0.0.0/8").unwrap();
        assert!(range.contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
        let one = super::address_filter(" 2001:db8::1 ").unwrap();
        assert!(one.contains(&"2001:db8::1".parse::<std::net::IpAddr>().unwrap()));
        let error = super::address_filter("10.0.0").unwrap_err();
        assert_eq!(error.field(), Some("ip"));
        assert!(error.to_string().contains("10.0.0.0/8"), "{error}");
    }
}
