//! Revoking many of a workspace's tokens in one request: the table's selection, "unused
//! since", and `POST /api/v1/workspaces/{ws}/tokens/revoke`.
//!
//! All or nothing. Each selected token must pass the very rule a single disable or delete
//! of it passes; one that does not refuses the whole request (403, naming it), as does an
//! id that is not a token of this workspace (404): the caller learns of the problem
//! before anything changed, rather than piecing together from a partial answer what did.
//! What passes is written in one transaction: each token leaves the record its single
//! disable or delete leaves (with the same mail to its creator), and the request one more,
//! `token.bulk_disabled` or `token.bulk_deleted`, with the count and the ids.

use serde_json::{Value, json};
use uuid::Uuid;

use super::tokens::revocation_record;
use crate::{
    domain::{
        error::AppError,
        permission::{Action, Denied},
        revoke::{Chosen, RevokeAction, RevokeRequest},
        role::Role,
    },
    model::{Revoked, RevokedToken},
    server::{
        clock::rfc3339,
        context::Ctx,
        store::{
            audit::AuditEvent,
            tokens::{TokenRow, TokenWrite},
        },
    },
};

const CHANGED_MEANWHILE: &str = "A selected token was changed or deleted by someone else meanwhile. Nothing was changed; look at the tokens again and retry.";

/// Does `request` to the workspace's tokens; on a dry run, only says what it would do.
pub async fn revoke(
    ctx: &Ctx,
    workspace_id: Uuid,
    request: RevokeRequest,
) -> Result<Revoked, AppError> {
    let RevokeRequest {
        selection,
        action,
        dry_run,
    } = request;
    let workspace = ctx.membership(workspace_id).await?;
    // The answer names the tokens: whoever revokes them must be able to read them.
    ctx.allow(&workspace, Action::ReadTokens)?;
    // The action itself, even when nothing matches: a Viewer-scoped token is above nobody,
    // so this asks the role rule and the API permission alone (as `may_ever` does).
    ctx.allow(
        &workspace,
        Action::Token(action.token_action(), Role::Viewer),
    )?;
    let chosen = choose(ctx.db().tokens(workspace_id).await?, selection.chosen())?;
    let chosen: Vec<TokenRow> = chosen
        .into_iter()
        .filter(|row| action.applies_to(row.disabled_at.is_some()))
        .collect();
    for row in &chosen {
        ctx.check(&workspace, Action::Token(action.token_action(), row.scope))
            .map_err(|denied| refused(action, row, denied))?;
    }
    let answer = Revoked {
        action,
        dry_run,
        tokens: chosen
            .iter()
            .map(|row| RevokedToken {
                id: row.id,
                label: row.label.clone(),
            })
            .collect(),
    };
    if dry_run || chosen.is_empty() {
        return Ok(answer);
    }

    let ids: Vec<Uuid> = chosen.iter().map(|row| row.id).collect();
    let mut audits: Vec<AuditEvent> = chosen
        .iter()
        .map(|row| revocation_record(ctx, &workspace, row, action))
        .collect();
    audits.push(
        ctx.audit(Some(workspace_id), action.bulk_audit_action())
            .target("workspace", workspace_id, &workspace.name)
            .changes(json!({
                "count": ids.len(),
                "ids": ids,
                "criteria": match selection.chosen() {
                    Chosen::Ids(_) => Value::Null,
                    Chosen::Matching(criteria) => json!({
                        "unused_since": criteria.unused_since.map(rfc3339),
                        "created_by": criteria.created_by,
                        "scope": criteria.scope.map(Role::as_str),
                    }),
                },
            })),
    );
    match ctx
        .db()
        .revoke_tokens(workspace_id, &ids, action, ctx.now, &audits)
        .await?
    {
        TokenWrite::Done => Ok(answer),
        _ => Err(AppError::Conflict(CHANGED_MEANWHILE.into())),
    }
}

/// The workspace's tokens that `selection` takes: the listed ones (every id must be one
/// of them), or those that match.
fn choose(rows: Vec<TokenRow>, chosen: &Chosen) -> Result<Vec<TokenRow>, AppError> {
    match chosen {
        Chosen::Matching(criteria) => Ok(rows
            .into_iter()
            .filter(|row| criteria.matches(row.scope, row.created_by, row.last_used_at))
            .collect()),
        // Each id once (the selection's rule), so each finds its row once.
        Chosen::Ids(ids) => {
            let mut rows = rows;
            ids.iter()
                .map(|id| {
                    let at = rows.iter().position(|row| row.id == *id);
                    // Unknown, or another workspace's: the same answer as for a workspace
                    // the caller cannot see (the doors word it with `NOT_FOUND`).
                    at.map(|at| rows.swap_remove(at)).ok_or(AppError::NotFound)
                })
                .collect()
        }
    }
}

/// One token the caller may not revoke refuses the request, naming it and why.
fn refused(action: RevokeAction, row: &TokenRow, denied: Denied) -> AppError {
    match AppError::from(denied) {
        AppError::Forbidden(why) => AppError::Forbidden(format!(
            "You cannot {} \u{201c}{}\u{201d}: {why} Nothing was changed.",
            action.verb().to_lowercase(),
            row.label
        )),
        other => other,
    }
}
