//! Fine-grained permissions a token may be narrowed to. A token's effective rights are its
//! scope's permissions intersected with the ones chosen at creation; none chosen means the
//! whole scope.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::role::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiPermission {
    TokensRead,
    TokensWrite,
    MembersRead,
    MembersWrite,
    WorkspaceRead,
    WorkspaceWrite,
    AuditRead,
    Introspect,
}

impl ApiPermission {
    pub const ALL: [ApiPermission; 8] = [
        ApiPermission::TokensRead,
        ApiPermission::TokensWrite,
        ApiPermission::MembersRead,
        ApiPermission::MembersWrite,
        ApiPermission::WorkspaceRead,
        ApiPermission::WorkspaceWrite,
        ApiPermission::AuditRead,
        ApiPermission::Introspect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiPermission::TokensRead => "tokens:read",
            ApiPermission::TokensWrite => "tokens:write",
            ApiPermission::MembersRead => "members:read",
            ApiPermission::MembersWrite => "members:write",
            ApiPermission::WorkspaceRead => "workspace:read",
            ApiPermission::WorkspaceWrite => "workspace:write",
            ApiPermission::AuditRead => "audit:read",
            ApiPermission::Introspect => "introspect",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ApiPermission::TokensRead => "List and read the workspace's tokens",
            ApiPermission::TokensWrite => "Create, edit, disable and delete tokens",
            ApiPermission::MembersRead => "List the workspace's members",
            ApiPermission::MembersWrite => "Add members, change their roles, remove them",
            ApiPermission::WorkspaceRead => "Read the workspace's details",
            ApiPermission::WorkspaceWrite => "Change the workspace's settings (its name)",
            ApiPermission::AuditRead => "Read the audit log",
            ApiPermission::Introspect => "Check whether a token of the workspace is valid",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The lowest role that carries this permission.
    pub fn minimum_role(self) -> Role {
        match self {
            ApiPermission::TokensRead
            | ApiPermission::MembersRead
            | ApiPermission::WorkspaceRead
            | ApiPermission::Introspect => Role::Viewer,
            ApiPermission::TokensWrite => Role::WorkspaceManager,
            ApiPermission::MembersWrite
            | ApiPermission::WorkspaceWrite
            | ApiPermission::AuditRead => Role::Administrator,
        }
    }
}

impl fmt::Display for ApiPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown permission `{0}`; expected tokens:read, tokens:write, members:read, members:write, workspace:read, workspace:write, audit:read or introspect"
)]
pub struct UnknownPermission(pub String);

impl std::str::FromStr for ApiPermission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiPermission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

impl Serialize for ApiPermission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiPermission {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of permissions (a small bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u8);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Everything `role` carries.
    pub fn of_role(role: Role) -> PermissionSet {
        ApiPermission::ALL
            .into_iter()
            .filter(|p| p.minimum_role() <= role)
            .collect()
    }

    /// What a token of `scope` may do, narrowed to `chosen` when given.
    pub fn effective(scope: Role, chosen: Option<PermissionSet>) -> PermissionSet {
        let role = PermissionSet::of_role(scope);
        match chosen {
            Some(chosen) => PermissionSet(role.0 & chosen.0),
            None => role,
        }
    }

    pub fn contains(self, permission: ApiPermission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn is_subset_of(self, other: PermissionSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = ApiPermission> {
        ApiPermission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// The stored form: names separated by spaces.
    pub fn to_text(self) -> String {
        self.iter()
            .map(ApiPermission::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn from_text(text: &str) -> Result<PermissionSet, UnknownPermission> {
        text.split_whitespace().map(str::parse).collect()
    }
}

impl FromIterator<ApiPermission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = ApiPermission>>(iter: I) -> Self {
        PermissionSet(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = Vec::<ApiPermission>::deserialize(deserializer)?;
        Ok(list.into_iter().collect())
    }
}

/// Named starting points offered when creating a token.
pub fn presets() -> [(&'static str, Option<PermissionSet>); 3] {
    [
        ("The whole scope", None),
        (
            "Read only",
            Some(
                [
                    ApiPermission::TokensRead,
                    ApiPermission::MembersRead,
                    ApiPermission::WorkspaceRead,
                ]
                .into_iter()
                .collect(),
            ),
        ),
        (
            "Verify only",
            Some([ApiPermission::Introspect].into_iter().collect()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_carry_growing_sets() {
        assert_eq!(
            PermissionSet::of_role(Role::Viewer).to_text(),
            "tokens:read members:read workspace:read introspect"
        );
        assert!(
            PermissionSet::of_role(Role::WorkspaceManager).contains(ApiPermission::TokensWrite)
        );
        assert!(
            !PermissionSet::of_role(Role::WorkspaceManager).contains(ApiPermission::MembersWrite)
        );
        assert_eq!(
            PermissionSet::of_role(Role::Administrator),
            PermissionSet::of_role(Role::Owner)
        );
        for pair in Role::ALL.windows(2) {
            assert!(PermissionSet::of_role(pair[0]).is_subset_of(PermissionSet::of_role(pair[1])));
        }
    }

    #[test]
    fn effective_is_the_intersection_and_none_means_the_whole_role() {
        let chosen: PermissionSet = [ApiPermission::Introspect, ApiPermission::AuditRead]
            .into_iter()
            .collect();
        let viewer = PermissionSet::effective(Role::Viewer, Some(chosen));
        assert_eq!(
            viewer.iter().collect::<Vec<_>>(),
            vec![ApiPermission::Introspect]
        );
        assert_eq!(
            PermissionSet::effective(Role::Owner, None),
            PermissionSet::of_role(Role::Owner)
        );
        assert!(PermissionSet::effective(Role::Owner, Some(PermissionSet::EMPTY)).is_empty());
    }

    #[test]
    fn text_and_json_round_trip_and_unknown_names_are_refused() {
        let set = PermissionSet::of_role(Role::Administrator);
        assert_eq!(PermissionSet::from_text(&set.to_text()).unwrap(), set);
        let json = serde_json::to_string(&set).unwrap();
        assert!(
            json.starts_with("[\"tokens:read\",\"tokens:write\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<PermissionSet>(&json).unwrap(), set);
        let error = serde_json::from_str::<PermissionSet>("[\"tokens:delete\"]").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown permission `tokens:delete`"),
            "{error}"
        );
        assert!(PermissionSet::from_text("root").is_err());
    }
}
