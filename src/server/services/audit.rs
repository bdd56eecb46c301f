//! Reading the audit log (writing it happens with each change, in its transaction).

use uuid::Uuid;

use crate::{
    domain::{
        audit::{action_filter, cursor, parse_cursor},
        error::AppError,
        permission::Action,
    },
    model::{AuditEntry, AuditPage, AuditQuery},
    server::{
        context::Ctx,
        store::audit::{AuditFilter, AuditRow, like_pattern},
    },
};

/// A page of the workspace's audit log, newest first, filtered by `query`.
pub async fn page(
    ctx: &Ctx,
    workspace_id: Uuid,
    query: &AuditQuery,
) -> Result<AuditPage, AppError> {
    let db = ctx.db();
    let workspace = ctx.workspace(workspace_id, Action::ReadAudit).await?;
    let limit = super::cursor::page_limit(query.limit.map(|limit| limit as usize))?;
    if let (Some(from), Some(until)) = (query.from, query.until)
        && from >= until
    {
        return Err(AppError::invalid(
            "until",
            "The end of the time range must come after its start.",
        ));
    }
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase)
    };
    let target = text(&query.target);
    let filter = AuditFilter {
        actor: text(&query.actor).map(|a| like_pattern(&a)),
        action: text(&query.action).map(|a| action_filter(&a)).transpose()?,
        target_id: target.as_deref().and_then(|t| Uuid::try_parse(t).ok()),
        target: target.map(|t| like_pattern(&t)),
        from: query.from,
        until: query.until,
        before: query.after.as_deref().map(parse_cursor).transpose()?,
        // One more than asked: whether there is a next page.
        limit: limit as i64 + 1,
    };
    let mut rows = db.audit_page(workspace_id, &filter).await?;
    let next = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|last| cursor(last.created_at, last.id))
    });
    Ok(AuditPage {
        workspace,
        entries: rows.into_iter().map(entry).collect(),
        next: next.flatten(),
        now: super::now_ms(),
    })
}

fn entry(row: AuditRow) -> AuditEntry {
    AuditEntry {
        id: row.id,
        at: row.created_at,
        // A token's record also names the person behind it; the actor is the token.
        actor_id: if row.actor_kind == "token" {
            row.actor_token_id
        } else {
            row.actor_user_id
        },
        actor_kind: row.actor_kind,
        actor: row.actor_label,
        action: row.action,
        target_kind: row.target_kind,
        target_id: row.target_id,
        target: row.target_label,
        ip: row.ip,
        user_agent: row.user_agent,
        changes_summary: changes_summary(row.changes.as_deref()),
        token_links: token_links(row.changes.as_deref()),
        changes: row.changes,
    }
}

/// The tokens a change links to: a rotation names the successor (`rotated_to`) on the old
/// token's record and the predecessor (`rotated_from`) on the new token's.
fn token_links(changes: Option<&str>) -> Vec<(String, Uuid)> {
    let Some(value) = changes.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
    else {
        return Vec::new();
    };
    [
        ("rotated_to", "rotated to"),
        ("rotated_from", "rotated from"),
    ]
    .into_iter()
    .filter_map(|(field, how)| {
        let id = value.get(field)?.as_str()?.parse().ok()?;
        Some((how.to_owned(), id))
    })
    .collect()
}

/// `{"role":{"from":"viewer","to":"owner"}}` as `role: viewer → owner`.
fn changes_summary(changes: Option<&str>) -> String {
    let Some(value) = changes.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
    else {
        return String::new();
    };
    let Some(fields) = value.as_object() else {
        return value.to_string();
    };
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "none".into(),
        other => other.to_string(),
    };
    fields
        .iter()
        .map(|(name, v)| match (v.get("from"), v.get("to")) {
            (Some(from), Some(to)) => format!("{name}: {} → {}", show(from), show(to)),
            _ => format!("{name}: {}", show(v)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn changes_read_as_field_from_to() {
        let text = r#"{"role":{"from":"viewer","to":"owner"},"expires_at":null,"label":"ci"}"#;
        assert_eq!(
            super::changes_summary(Some(text)),
            "expires_at: none; label: ci; role: viewer → owner"
        );
        assert_eq!(super::changes_summary(None), "");
        assert_eq!(super::changes_summary(Some("[1]")), "[1]");
    }

    #[test]
    fn rotations_link_both_ways() {
        let id = uuid::Uuid::now_v7();
        let rotated = format!(r#"{{"rotated_to":"{id}","grace_ends_at":"2027-01-01T00:00:00Z"}}"#);
        assert_eq!(
            super::token_links(Some(&rotated)),
            vec![("rotated to".to_owned(), id)]
        );
        let created = format!(r#"{{"label":"ci","rotated_from":"{id}"}}"#);
        assert_eq!(
            super::token_links(Some(&created)),
            vec![("rotated from".to_owned(), id)]
        );
        assert!(super::token_links(Some(r#"{"rotated_to":"nonsense"}"#)).is_empty());
        assert!(super::token_links(None).is_empty());
    }
}
