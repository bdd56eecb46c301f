//! How the domain's values sit in a column, on both engines: a role as its name
//! (`team_member`), a permission set as its names separated by spaces (a NULL column is
//! `None`: the whole scope). Rows decode into the domain's types here, once; a stored value
//! that is not one of them fails the query with a decoding error (logged, and an internal
//! error to the client), never a panic. The impls live here rather than beside the types
//! because `domain` also builds for the browser, where there is no sqlx.

use std::borrow::Cow;

use sqlx::{Database, Decode, Encode, Type, encode::IsNull, error::BoxDynError};

use crate::domain::{api_permission::PermissionSet, role::Role};

/// Stores `$ty` in a text column: read with `$parse` (text to `Result<$ty, impl Error>`),
/// written as `$text` (the value to `Cow<'static, str>`).
macro_rules! text_column {
    ($ty:ty, $parse:expr, $text:expr) => {
        impl<DB: Database> Type<DB> for $ty
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&'r str as Decode<'r, DB>>::decode(value)?;
                Ok($parse(text)?)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            Cow<'q, str>: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                let text: Cow<'static, str> = $text(self);
                <Cow<'q, str> as Encode<'q, DB>>::encode(text, buf)
            }
        }
    };
}

text_column!(Role, str::parse::<Role>, |role: &Role| Cow::Borrowed(
    role.as_str()
));

text_column!(
    PermissionSet,
    PermissionSet::from_text,
    |set: &PermissionSet| Cow::Owned(set.to_text())
);

#[cfg(test)]
mod tests {
    use sqlx::{Row, SqlitePool};

    use super::*;
    use crate::domain::api_permission::ApiPermission;

    async fn pool() -> SqlitePool {
        SqlitePool::connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn values_round_trip_through_a_text_column() {
        let pool = pool().await;
        let chosen: PermissionSet = [ApiPermission::TokensRead, ApiPermission::Introspect]
            .into_iter()
            .collect();
        let row = sqlx::query("SELECT $1 AS role, $2 AS chosen, $3 AS whole, $1 || '' AS text")
            .bind(Role::TeamMember)
            .bind(Some(chosen))
            .bind(None::<PermissionSet>)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(row.get::<Role, _>("role"), Role::TeamMember);
        assert_eq!(row.get::<String, _>("text"), "team_member");
        assert_eq!(row.get::<Option<PermissionSet>, _>("chosen"), Some(chosen));
        assert_eq!(row.get::<Option<PermissionSet>, _>("whole"), None);
    }

    #[tokio::test]
    async fn a_bad_stored_value_is_a_decoding_error() {
        let pool = pool().await;
        let row = sqlx::query("SELECT 'root' AS role, 'tokens:delete' AS chosen")
            .fetch_one(&pool)
            .await
            .unwrap();
        let role = row.try_get::<Role, _>("role").unwrap_err();
        assert!(matches!(role, sqlx::Error::ColumnDecode { .. }), "{role}");
        assert!(role.to_string().contains("unknown role `root`"), "{role}");
        let chosen = row
            .try_get::<Option<PermissionSet>, _>("chosen")
            .unwrap_err();
        assert!(
            chosen
                .to_string()
                .contains("unknown permission `tokens:delete`"),
            "{chosen}"
        );
    }
}
