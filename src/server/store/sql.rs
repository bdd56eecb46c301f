//! Statements put together from parts: the text and its values, numbered as they are
//! added, bound in order on either engine.

use uuid::Uuid;

/// A value bound to the statement, in the order of its `$n`.
pub enum Arg {
    Id(Uuid),
    Number(i64),
    Text(String),
}

/// A statement's text and its values, numbered as they are added.
#[derive(Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    /// Adds a value and returns its placeholder.
    pub fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub fn bind_all<'q, DB: sqlx::Database, O>(
        &'q self,
        mut query: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
    where
        Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        for arg in &self.args {
            query = match arg {
                Arg::Id(id) => query.bind(*id),
                Arg::Number(n) => query.bind(*n),
                Arg::Text(text) => query.bind(text.clone()),
            };
        }
        query
    }
}

/// `text` with LIKE's wildcards and the escape character escaped (`ESCAPE '\'`).
pub fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::like_escaped;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escaped("50%_off\\now"), "50\\%\\_off\\\\now");
        assert_eq!(like_escaped("plain"), "plain");
    }
}
