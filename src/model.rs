//! The shapes the server's services return and the UI renders (both targets). Secrets
//! appear only in [`CreatedToken`] and the copy answer, each shown to their owner once.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{
    api_permission::PermissionSet,
    leak::Leak,
    policy::TokenPolicy,
    rate_limit::{RateLimit, RateLimitChoice},
    role::Role,
    token::{HiddenColumns, TokenStatus},
    token_list::TokenSort,
};

/// The signed-in person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// The account made at set-up: decides who may create workspaces, sees every sign-in.
    #[serde(default)]
    pub is_instance_admin: bool,
    /// The password is one somebody else chose: the person must choose their own before
    /// anything else.
    #[serde(default)]
    pub must_change_password: bool,
    /// Whether this person may create workspaces (`workspace_creation`).
    #[serde(default)]
    pub may_create_workspaces: bool,
}

/// Where the visitor stands: before set-up, signed out, or signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    SetupRequired,
    SignedOut,
    SignedIn(CurrentUser),
}

/// A workspace as one person (or token) sees it; read by the store as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub name: String,
    /// The viewer's role in it.
    pub role: Role,
}

/// A workspace's settings page: its name (in the summary) and its token policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    pub workspace: WorkspaceSummary,
    pub policy: TokenPolicy,
    /// The IP allowlist new tokens get when their maker gives none (empty: any address).
    #[serde(default)]
    pub default_allowed_ips: Vec<String>,
    /// The rate limit new tokens get when their maker gives none (None: no limit).
    #[serde(default)]
    pub default_rate_limit: Option<RateLimit>,
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
    /// Open and recent invitations (for those who manage members).
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    /// The server's clock when the page was read.
    #[serde(default)]
    pub now: i64,
}

/// An invitation to join a workspace, as its workspace's managers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// Who invited: a person's email or a token's label.
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub status: InvitationStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Expired,
    Accepted,
    Declined,
    Revoked,
}

impl InvitationStatus {
    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "Pending",
            InvitationStatus::Expired => "Expired",
            InvitationStatus::Accepted => "Accepted",
            InvitationStatus::Declined => "Declined",
            InvitationStatus::Revoked => "Revoked",
        }
    }
}

/// An invitation just made or re-sent. `link` only when no mail relay is configured and a
/// person (not a token) invited: shown to them once, as the only way to pass it on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentInvitation {
    pub invitation: Invitation,
    pub link: Option<String>,
}

/// What the holder of an invitation link sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: i64,
    /// Whether an account has the invited email (then it signs in to accept).
    pub account_exists: bool,
    /// Who is signed in on this browser, if anyone.
    pub signed_in_as: Option<String>,
    pub now: i64,
}

/// How the holder of an invitation link answers it. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationAnswer {
    pub accept: bool,
    /// A new account's name (when no account has the email).
    #[serde(default)]
    pub name: Option<String>,
    /// The account's password (to sign in), or a new account's chosen one.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for InvitationAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationAnswer")
            .field("accept", &self.accept)
            .field("name", &self.name)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// A sign-in attempt, as its owner (or the instance admin) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub succeeded: bool,
    /// The account's email (the one tried, for a failure).
    pub email: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub at: i64,
}

/// The account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub user: CurrentUser,
    /// The newest sign-ins of this account.
    pub sign_ins: Vec<SignIn>,
    pub now: i64,
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
    /// Who made it, as the UI names them: the person, and the token they made it through.
    pub created_by: Option<String>,
    /// The label of the token it was made through (the API), if it was.
    pub created_by_token: Option<String>,
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
    /// Whether the viewer may rotate it (a live token not already rotated).
    #[serde(default)]
    pub may_rotate: bool,
    /// Over the workspace's maximum lifetime: the moment from which the API refuses it.
    #[serde(default)]
    pub over_policy: Option<i64>,
    /// Set while it is being rotated out: it works until its grace ends.
    #[serde(default)]
    pub rotating: Option<Rotating>,
    /// The addresses and ranges it may be used from; empty: any address.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// How often it may be used (None: no limit).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Set once it was reported as leaked: disabled for good.
    #[serde(default)]
    pub leak: Option<Leak>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    pub workspace: WorkspaceSummary,
    pub can_create: bool,
    /// Whether the viewer may disable, and delete, tokens: the table's selection column
    /// and bulk actions.
    pub can_disable: bool,
    pub can_delete: bool,
    /// Scopes the viewer may give a token (their own role and below).
    pub grantable_scopes: Vec<Role>,
    /// The workspace's token policy (the create dialog shows its limits).
    pub policy: TokenPolicy,
    /// The IP allowlist the create dialog starts with: the workspace's default.
    #[serde(default)]
    pub default_allowed_ips: Vec<String>,
    /// The rate limit the create dialog starts with: the workspace's default.
    #[serde(default)]
    pub default_rate_limit: Option<RateLimit>,
    pub hidden_columns: HiddenColumns,
    /// One page of the table, as `query` asked.
    pub tokens: Vec<TokenView>,
    /// How many tokens the search and status filter keep, and how many of them come before
    /// this page.
    pub total: u64,
    pub start: u64,
    /// The cursors of the pages after and before this one (None at an end).
    pub next: Option<String>,
    pub previous: Option<String>,
    pub query: TokenQuery,
    /// The server's clock when the page was read, for status and relative times.
    pub now: i64,
}

/// What the token table shows: its search, status filter, order and page (the page's URL
/// holds it: `?q=deploy&status=active&sort=label&after=…`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenQuery {
    /// Labels containing this text, ignoring case.
    pub search: String,
    pub status: Option<TokenStatus>,
    pub sort: TokenSort,
    /// The page after this cursor (a page's `next`).
    pub after: Option<String>,
    /// The page before this cursor (a page's `previous`).
    pub before: Option<String>,
}

impl TokenQuery {
    /// The query a URL's parameters (`get`, already decoded) hold. Anything that does not
    /// read leaves its part at the default: a stale or hand-edited URL still shows a page.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> TokenQuery {
        let sort = get("sort").and_then(|name| TokenSort::parse(&name).ok());
        TokenQuery {
            search: get("q").unwrap_or_default(),
            status: get("status").and_then(|name| TokenStatus::parse(&name)),
            sort: sort.unwrap_or_default(),
            // A cursor belongs to its order: without a valid order, none.
            after: get("after").filter(|_| sort.is_some()),
            before: get("before").filter(|_| sort.is_some()),
        }
    }

    /// Its URL parameters, defaults left out, not yet escaped.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if !self.search.is_empty() {
            params.push(("q", self.search.clone()));
        }
        if let Some(status) = self.status {
            params.push(("status", status.name().to_owned()));
        }
        if self.sort != TokenSort::default() || self.after.is_some() || self.before.is_some() {
            params.push(("sort", self.sort.name()));
        }
        if let Some(after) = &self.after {
            params.push(("after", after.clone()));
        } else if let Some(before) = &self.before {
            params.push(("before", before.clone()));
        }
        params
    }

    /// The same search, filter and order from the first page.
    pub fn first_page(&self) -> TokenQuery {
        TokenQuery {
            after: None,
            before: None,
            ..self.clone()
        }
    }
}

/// What a bulk revocation did (or, on a dry run, would do): the tokens it took, each with
/// its label as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub action: crate::domain::revoke::RevokeAction,
    pub dry_run: bool,
    pub tokens: Vec<RevokedToken>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedToken {
    pub id: Uuid,
    pub label: String,
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
    /// The addresses and CIDR ranges it may be used from (an empty list: any address).
    /// Left out: any address.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
    /// Its rate limit; left out: the workspace's default (an edit: unchanged).
    #[serde(default)]
    pub rate_limit: RateLimitChoice,
}

/// A token just created: the only time its secret is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenView,
    pub secret: String,
}

/// One workspace a personal token may act in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalGrant {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    /// The scope its owner gave it there.
    pub scope: Role,
    /// The permissions chosen there; None gives the whole scope.
    pub permissions: Option<PermissionSet>,
    /// The scope it acts with there now: never above its owner's role there.
    pub acting_scope: Role,
    /// Waiting for an Administrator of the workspace to approve it.
    pub pending: bool,
}

/// A person's own token, as they (or an Administrator of a workspace it reaches, then with
/// that workspace only) see it. Never holds the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalTokenView {
    pub id: Uuid,
    pub label: String,
    pub owner_name: String,
    pub owner_email: String,
    pub display_prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub status: TokenStatus,
    /// Whether Tessera keeps the secret for the Copy button.
    pub secret_kept: bool,
    pub workspaces: Vec<PersonalGrant>,
    /// The addresses and ranges it may be used from; empty: any address.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// How often it may be used (None: no limit).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Set once it was reported as leaked: disabled for good.
    #[serde(default)]
    pub leak: Option<Leak>,
}

/// What making or editing a personal token asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalTokenInput {
    pub label: String,
    /// Milliseconds since the epoch; `None` for no expiry.
    pub expires_at: Option<i64>,
    pub workspaces: Vec<GrantInput>,
    /// The addresses and CIDR ranges it may be used from (an empty list: any address).
    /// Left out: any address for a new token, the list it has for an edit.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
    /// Its rate limit (None: no limit; a workspace's default does not apply).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

/// One workspace asked for a personal token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantInput {
    pub workspace_id: Uuid,
    pub scope: Role,
    #[serde(default)]
    pub permissions: Option<PermissionSet>,
}

/// A personal token just made: the only time its secret is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedPersonalToken {
    pub token: PersonalTokenView,
    pub secret: String,
}

/// The account's token page: the person's tokens and the workspaces they may name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalTokensPage {
    pub tokens: Vec<PersonalTokenView>,
    /// The person's workspaces, with their role in each (the most a token may have there).
    pub workspaces: Vec<WorkspaceSummary>,
    pub now: i64,
}

/// A page of the members' personal tokens reaching a workspace, for its Administrators:
/// those waiting for approval first, then newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachingTokensPage {
    /// Each with its standing in this workspace only.
    pub tokens: Vec<PersonalTokenView>,
    /// How many reach the workspace in all, and how many of those wait for its approval.
    pub total: u64,
    pub waiting: u64,
    /// The cursor of the next page (None at the end).
    pub next: Option<String>,
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
    /// Other tokens the change names, as `(how, token id)`: a rotation's `rotated to` and
    /// `rotated from`, shown as links to those tokens.
    #[serde(default)]
    pub token_links: Vec<(String, Uuid)>,
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
    /// The page after this cursor (a page's `next`); none: the first.
    #[serde(default)]
    pub after: Option<String>,
}

/// One token as the API Access Audit lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAuditRow {
    pub token: TokenView,
    pub creator_email: Option<String>,
    /// A member's personal token reaching the workspace, not one of the workspace's own:
    /// `token.created_by` and `creator_email` then name its owner, and `token.scope` is
    /// what it acts with here now.
    #[serde(default)]
    pub personal: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessAuditPage {
    pub workspace: WorkspaceSummary,
    /// A page of them, most recently used first; never-used tokens last.
    pub rows: Vec<AccessAuditRow>,
    /// How many tokens the search keeps in all.
    pub total: u64,
    /// The cursor of the next page (None at the end).
    pub next: Option<String>,
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
    /// Why it was refused (`ip_not_allowed`); None when it was served.
    #[serde(default)]
    pub refused: Option<String>,
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

/// A notification mail as Owners see it in the outbox; read by the store as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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

/// A token being rotated out: its successor, when the rotation began, when the old token
/// stops, and where it was still used from since the rotation began (so whoever rotated
/// can see what has not switched yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotating {
    pub successor: Uuid,
    pub rotated_at: i64,
    pub grace_ends_at: i64,
    /// Newest first, as of the last write of the tokens' requests.
    pub places: Vec<TokenPlace>,
}

/// Where a token was used from: an address and user agent, how often, and how lately.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPlace {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub last_at: i64,
    pub requests: i64,
}

/// A personal token's rotation: its successor with the new secret, and when the old one
/// stops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedPersonalToken {
    pub created: CreatedPersonalToken,
    pub rotated_from: Uuid,
    pub grace_ends_at: i64,
    pub replayed: bool,
}

/// A token just rotated: its successor with the secret (the only time it is sent, or sent
/// again to a retry under the same `Idempotency-Key`), and the token it replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedToken {
    pub created: CreatedToken,
    pub rotated_from: Uuid,
    /// When the old token stops working.
    pub grace_ends_at: i64,
    /// The old token as it is now (None once deleted).
    pub old: Option<TokenView>,
    /// This answer repeats an earlier rotation made under the same key.
    pub replayed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token_list::SortField;

    #[test]
    fn a_token_query_round_trips_through_its_url_parameters() {
        let query = TokenQuery {
            search: "deploy eu".into(),
            status: Some(TokenStatus::Expired),
            sort: TokenSort::new(SortField::Label, true),
            after: Some("abc_-1".into()),
            before: None,
        };
        let params = query.params();
        let get = |name: &str| {
            params
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        };
        assert_eq!(TokenQuery::from_params(get), query);
        // The default query has no parameters; a cursor keeps its order even when default.
        assert!(TokenQuery::default().params().is_empty());
        let next = TokenQuery {
            after: Some("c".into()),
            ..TokenQuery::default()
        };
        assert_eq!(
            next.params(),
            vec![("sort", "-created_at".into()), ("after", "c".into())]
        );
        // What does not read is left at the default; a cursor without a known order goes.
        let stale = |name: &str| match name {
            "sort" => Some("colour".to_owned()),
            "status" => Some("lost".to_owned()),
            "after" => Some("c".to_owned()),
            _ => None,
        };
        assert_eq!(TokenQuery::from_params(stale), TokenQuery::default());
        assert_eq!(next.first_page(), TokenQuery::default());
    }
}
