//! The five roles, lowest to highest. A member has one per workspace; a token's
//! scope is one too.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    TeamMember,
    WorkspaceManager,
    Administrator,
    Owner,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 5] = [
        Role::Viewer,
        Role::TeamMember,
        Role::WorkspaceManager,
        Role::Administrator,
        Role::Owner,
    ];

    /// The stored and wire name (`team_member`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::TeamMember => "team_member",
            Role::WorkspaceManager => "workspace_manager",
            Role::Administrator => "administrator",
            Role::Owner => "owner",
        }
    }

    /// The name people read (`Team Member`).
    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::TeamMember => "Team Member",
            Role::WorkspaceManager => "Workspace Manager",
            Role::Administrator => "Administrator",
            Role::Owner => "Owner",
        }
    }

    /// The roles at or below this one: what its holder may hand out.
    pub fn at_or_below(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |role| *role <= self)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role `{0}`; expected one of viewer, team_member, workspace_manager, administrator, owner"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_lowest_to_highest() {
        assert!(Role::Viewer < Role::TeamMember);
        assert!(Role::TeamMember < Role::WorkspaceManager);
        assert!(Role::WorkspaceManager < Role::Administrator);
        assert!(Role::Administrator < Role::Owner);
        assert_eq!(
            Role::WorkspaceManager.at_or_below().collect::<Vec<_>>(),
            vec![Role::Viewer, Role::TeamMember, Role::WorkspaceManager]
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert!("Owner".parse::<Role>().is_err());
        assert!(
            "root"
                .parse::<Role>()
                .unwrap_err()
                .to_string()
                .contains("expected one of")
        );
    }
}
