//! The shapes the server's services return and the UI renders (both targets). Secrets
//! appear only in [`CreatedToken`] and the copy answer, each shown to their owner once.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{
    api_permission::PermissionSet,
    role::Role,
    token::{HiddenColumns, TokenStatus},
};

/// The signed-in person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// Where the visitor stands: before set-up, signed out, or signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    SetupRequired,
    SignedOut,
    SignedIn(CurrentUser),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub name: String,
    /// The viewer's role in it.
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub joined_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub workspace: WorkspaceSummary,
    pub can_manage: bool,
    /// Roles the viewer may grant.
    pub grantable_roles: Vec<Role>,
    pub members: Vec<Member>,
}

/// A member just added; `initial_password` only when the account was created for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedMember {
    pub member: Member,
    pub initial_password: Option<String>,
}

/// One row of the token table. Never holds the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: Uuid,
    pub label: String,
    pub scope: Role,
    /// The permissions chosen at creation; None gives the whole scope.
    pub permissions: Option<PermissionSet>,
    /// What the token may do: the scope narrowed to the chosen permissions.
    pub effective_permissions: PermissionSet,
    /// The first characters of the secret (the table adds the dots).
    pub display_prefix: String,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub status: TokenStatus,
    /// What the viewer may do to this token (the server checks again on every call).
    pub may_edit: bool,
    pub may_copy: bool,
    /// For a disabled token: whether the viewer may enable it.
    pub may_disable: bool,
    pub may_delete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    pub workspace: WorkspaceSummary,
    pub can_create: bool,
    /// Scopes the viewer may give a token (their own role and below).
    pub grantable_scopes: Vec<Role>,
    pub hidden_columns: HiddenColumns,
    pub tokens: Vec<TokenView>,
    /// The server's clock when the page was read, for status and relative times.
    pub now: i64,
}

/// What creating or editing a token asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInput {
    pub label: String,
    pub scope: Role,
    /// Narrows the token below its scope; None gives it the whole scope.
    #[serde(default)]
    pub permissions: Option<PermissionSet>,
    /// Milliseconds since the epoch; `None` for no expiry.
    pub expires_at: Option<i64>,
}

/// A token just created: the only time its secret is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenView,
    pub secret: String,
}

/// One REST endpoint, as the API reference page lists it (from the OpenAPI document).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub tag: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// `name (in): description`
    pub parameters: Vec<String>,
    /// The request body's schema name, if any.
    pub request: Option<String>,
    /// `(status, description)`
    pub responses: Vec<(String, String)>,
}

/// Which audit records to show: every filter is optional and they combine (AND).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Part of the actor's email or token label, any case.
    #[serde(default)]
    pub actor: Option<String>,
    /// An action (`token.created`) or a family of them (`token`).
    #[serde(default)]
    pub action: Option<String>,
    /// Part of the target's label, any case, or its id.
    #[serde(default)]
    pub target: Option<String>,
    /// Milliseconds since the epoch, inclusive.
    #[serde(default)]
    pub from: Option<i64>,
    /// Milliseconds since the epoch, exclusive.
    #[serde(default)]
    pub until: Option<i64>,
    /// Where the previous page ended ([`AuditPage::next`]).
    #[serde(default)]
    pub after: Option<String>,
    /// Records per page (1 to 200; 50 when not given).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One audit record as shown. `changes` is the JSON the change left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: i64,
    /// `user`, `token` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    /// The actor's email or the token's label, as they were then.
    pub actor: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub changes: Option<String>,
    /// `changes` for people: `role: viewer → owner; label: ci`.
    pub changes_summary: String,
}

/// A page of the workspace's audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub workspace: WorkspaceSummary,
    pub entries: Vec<AuditEntry>,
    /// Pass as [`AuditQuery::after`] for the next (older) page; None on the last one.
    pub next: Option<String>,
    /// The server's clock when the page was read, for relative times.
    pub now: i64,
}

/// Which tokens the API Access Audit lists; every filter is optional and they combine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAuditQuery {
    /// Part of the creator's name or email, any case.
    #[serde(default)]
    pub creator: Option<String>,
    /// A whole token (found by its digest) or its first characters.
    #[serde(default)]
    pub token: Option<String>,
    /// Only tokens of these scopes (none: any).
    #[serde(default)]
    pub scopes: Vec<Role>,
    /// Only tokens holding every one of these permissions.
    #[serde(default)]
    pub permissions: PermissionSet,
    /// An IP address or a CIDR range the token was used from.
    #[serde(default)]
    pub ip: Option<String>,
    /// Only tokens with Administrator or Owner scope.
    #[serde(default)]
    pub admin: bool,
}

/// One token as the API Access Audit lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAuditRow {
    pub token: TokenView,
    pub creator_email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAuditPage {
    pub workspace: WorkspaceSummary,
    /// Most recently used first; never-used tokens last.
    pub rows: Vec<AccessAuditRow>,
    pub now: i64,
}

/// One request a token made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequestView {
    pub at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: String,
    pub path: String,
}

/// A token in the API Access Audit: its permissions, its recent requests, its use per day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAuditDetail {
    pub workspace: WorkspaceSummary,
    pub row: AccessAuditRow,
    /// Newest first, at most 20.
    pub recent: Vec<TokenRequestView>,
    /// Requests on each of the last 30 UTC days, oldest first; the last is today.
    pub daily: Vec<i64>,
    /// The first of those days, as milliseconds since the epoch (its midnight, UTC).
    pub first_day: i64,
    pub now: i64,
}

/// A notification mail as Owners see it in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent`, `failed` (given up) or `held` (no SMTP relay configured).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub workspace: WorkspaceSummary,
    pub entries: Vec<OutboxEntry>,
    pub now: i64,
}
