//! The API Access Audit (as Buildkite has it): every token of a workspace, and every
//! member's personal token that reaches it (marked, with its owner), with who made it and
//! where it was last used, searchable by creator, token value, scope, permissions and
//! address; and one of the workspace's tokens' recent requests and requests per day.

use std::net::IpAddr;

use ipnet::IpNet;
use uuid::Uuid;

use super::{cursor, personal_tokens, token_views::view};
use crate::{
    domain::{
        api_permission::PermissionSet, error::AppError, permission::Action, role::Role,
        time::DAY_MS, token_format::TokenSearch, token_list::NEVER_USED,
    },
    model::{
        AccessAuditDetail, AccessAuditPage, AccessAuditQuery, AccessAuditRow, PersonalTokenView,
        TokenRequestView, TokenView,
    },
    server::{
        context::Ctx,
        jobs::last_used::day_of,
        store::{
            access_audit::{AccessAuditFilter, AuditEdge, AuditedToken},
            tokens::TokenRow,
        },
    },
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
        personal: false,
    }
}

/// A member's personal token as the audit lists it beside the workspace's own: with what
/// it acts here now, its owner as its creator, nothing the viewer may do to it here but
/// take the workspace away (on the Access tokens page). None once it cannot reach here.
fn personal_row(token: PersonalTokenView, workspace_id: Uuid) -> Option<AccessAuditRow> {
    let grant = token
        .workspaces
        .into_iter()
        .find(|grant| grant.workspace_id == workspace_id)?;
    let scope = grant.acting_scope;
    Some(AccessAuditRow {
        token: TokenView {
            id: token.id,
            label: token.label,
            scope,
            permissions: grant.permissions,
            effective_permissions: PermissionSet::effective(scope, grant.permissions),
            display_prefix: token.display_prefix,
            created_at: token.created_at,
            created_by: Some(token.owner_name),
            created_by_token: None,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
            last_used_ip: token.last_used_ip,
            status: token.status,
            may_edit: false,
            may_copy: false,
            may_disable: false,
            may_delete: false,
            may_rotate: false,
            // A personal token's views carry no lifetime flag (its expiry is checked against
            // each workspace's limit when it is made or edited).
            over_policy: None,
            rotating: None,
            allowed_ips: token.allowed_ips,
            rate_limit: token.rate_limit,
            leak: token.leak,
        },
        creator_email: Some(token.owner_email),
        personal: true,
    })
}

/// How many tokens the audit shows at a time.
pub const PAGE: usize = 50;

/// A page of the workspace's tokens and the personal tokens reaching it that match `query`,
/// most recently used first (never-used last): the first, or the one after `query.after`.
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
    let after: Option<AuditEdge> = text(&query.after)
        .map(|after| cursor::open("after", &after))
        .transpose()?;
    let creator = text(&query.creator);
    let token_text = text(&query.token);
    let mut filter = AccessAuditFilter {
        creator: creator.as_deref(),
        scopes: &query.scopes,
        admin: query.admin,
        permissions: query.permissions,
        ..Default::default()
    };
    // A whole token is found by its digest, as the API finds it; it may belong elsewhere
    // (then nothing here matches).
    match token_text.as_deref().map(TokenSearch::new) {
        Some(TokenSearch::Whole(token)) => {
            let found = db
                .token_by_digest(&keys.token_digest(token))
                .await?
                .filter(|found| found.reach.grant(workspace_id).is_some());
            filter.id = Some(found.map_or(Uuid::nil(), |found| found.id));
        }
        Some(TokenSearch::Prefix(typed)) => filter.prefix = Some(typed),
        None => {}
    }
    // The address filter: the tokens last used from, or with a kept request from, an
    // address in the range (addresses are compared as addresses, which SQL cannot do on
    // both engines).
    let used_from: Vec<Uuid>;
    if let Some(range) = range {
        let inside = |ip: &str| ip.parse::<IpAddr>().is_ok_and(|ip| range.contains(&ip));
        let mut ids: Vec<Uuid> = db
            .audited_last_addresses(workspace_id)
            .await?
            .into_iter()
            .chain(db.token_request_ips(workspace_id).await?)
            .filter(|(_, ip)| inside(ip))
            .map(|(id, _)| id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        used_from = ids;
        filter.ids = Some(&used_from);
    }
    let listed = db
        .access_audit_page(workspace_id, &filter, after.as_ref(), PAGE)
        .await?;
    let rows: Vec<AccessAuditRow> = listed
        .tokens
        .into_iter()
        .filter_map(|token| match token {
            AuditedToken::Own(token) => Some(row(token, workspace.role, now)),
            AuditedToken::Personal(token, grant) => {
                personal_row(personal_tokens::view(token, vec![grant], now), workspace_id)
            }
        })
        .collect();
    let next = listed.more.then(|| rows.last()).flatten().map(|last| {
        cursor::seal(&AuditEdge {
            used: last.token.last_used_at.unwrap_or(NEVER_USED),
            id: last.token.id,
        })
    });
    Ok(AccessAuditPage {
        workspace,
        rows,
        total: listed.total,
        next,
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
            refused: r.refused,
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
