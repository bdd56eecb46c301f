//! Input rules, checked on the server before anything is saved and mirrored in the
//! forms. Each error names the field and says how to fix the value.

use serde::{Deserialize, Serialize};

pub const LABEL_MAX: usize = 100;
pub const NAME_MAX: usize = 100;
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 1024;
pub const EMAIL_MAX: usize = 254;

/// A value refused, with the field it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A whole number as JSON Schema counts one (2020-12, "integer": any number whose
/// fractional part is zero), so that `60`, `60.0` and `6e1` are all 60: what the OpenAPI
/// document's `integer` promises. A fraction, a string or a number out of `T`'s range is
/// refused.
pub fn whole_number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_any(WholeNumber(std::marker::PhantomData))
}

/// [`whole_number`] for a field that may be left out (None) or null (Some(None)).
pub fn present_whole_number<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    struct Nullable<T>(std::marker::PhantomData<T>);
    impl<'de, T: TryFrom<i64> + TryFrom<u64>> serde::de::Visitor<'de> for Nullable<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, de: D) -> Result<Option<T>, D::Error> {
            whole_number(de).map(Some)
        }
    }
    deserializer
        .deserialize_option(Nullable(std::marker::PhantomData))
        .map(Some)
}

struct WholeNumber<T>(std::marker::PhantomData<T>);

impl<T: TryFrom<i64> + TryFrom<u64>> serde::de::Visitor<'_> for WholeNumber<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &"a number in range"))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &"a number in range"))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        // Exactly representable whole numbers only: within ±2^53 an f64 is exact.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() != 0.0 || !(-EXACT..=EXACT).contains(&v) {
            return Err(E::invalid_type(serde::de::Unexpected::Float(v), &self));
        }
        self.visit_i64(v as i64)
    }
}

/// Trims and lower-cases an email address; refuses what cannot be one.
pub fn email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err(FieldError::new(
            "email",
            "Enter an email address like name@example.com.",
        ));
    }
    if email.chars().count() > EMAIL_MAX {
        return Err(FieldError::new(
            "email",
            format!("An email address has at most {EMAIL_MAX} characters."),
        ));
    }
    Ok(email)
}

/// What [`email`] accepts, as a regular expression for the OpenAPI document: spaces
/// around it trimmed, then something, one `@`, and something, none of it white space.
/// (Its length is bounded by `maxLength` beside it.)
pub fn email_pattern() -> String {
    format!("^[{TRIMMED}]*[^@{TRIMMED}]+@[^@{TRIMMED}]+[{TRIMMED}]*$")
}

/// A person's display name: 1–100 characters after trimming.
pub fn person_name(raw: &str) -> Result<String, FieldError> {
    bounded_text("name", "a name", raw, NAME_MAX)
}

/// A workspace name: 1–100 characters after trimming.
pub fn workspace_name(raw: &str) -> Result<String, FieldError> {
    bounded_text("workspace_name", "a workspace name", raw, NAME_MAX)
}

/// A token label: 1–100 characters after trimming. (Uniqueness is the store's check.)
pub fn token_label(raw: &str) -> Result<String, FieldError> {
    bounded_text("label", "a label", raw, LABEL_MAX)
}

/// A new password: at least 12 characters. Not trimmed: spaces are characters.
pub fn password(raw: &str) -> Result<(), FieldError> {
    let length = raw.chars().count();
    if length < PASSWORD_MIN {
        return Err(FieldError::new(
            "password",
            format!("Use at least {PASSWORD_MIN} characters (this one has {length})."),
        ));
    }
    if length > PASSWORD_MAX {
        return Err(FieldError::new(
            "password",
            format!("Use at most {PASSWORD_MAX} characters."),
        ));
    }
    Ok(())
}

/// The characters `str::trim` removes (Unicode White_Space), as a regex class body.
const TRIMMED: &str = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// What [`bounded_text`] accepts, as a regular expression for the OpenAPI document (the
/// syntax ECMA-262, Python and Rust share): anything trimmed away around 1 to `max`
/// characters that start and end with neither a trimmed character nor a control
/// character, and hold no control character.
pub fn bounded_text_pattern(max: usize) -> String {
    let edge = format!("[^\\x00-\\x1f\\x7f-\\x9f{TRIMMED}]");
    let inner = "[^\\x00-\\x1f\\x7f-\\x9f]";
    format!(
        "^[{TRIMMED}]*{edge}(?:{inner}{{0,{}}}{edge})?[{TRIMMED}]*$",
        max.saturating_sub(2)
    )
}

fn bounded_text(field: &str, what: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, format!("Enter {what}.")));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!(
                "{} may not contain line breaks or control characters.",
                capitalise(what)
            ),
        ));
    }
    let length = text.chars().count();
    if length > max {
        return Err(FieldError::new(
            field,
            format!(
                "{} has at most {max} characters (this one has {length}).",
                capitalise(what)
            ),
        ));
    }
    Ok(text.to_owned())
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@example.com",
            "a@b@c",
        ] {
            let error = email(bad).unwrap_err();
            assert_eq!(error.field, "email", "{bad}");
            assert!(error.message.contains("name@example.com"), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(email(&long).unwrap_err().message.contains("254"));
    }

    /// The document's patterns say what the rules decide: on samples at every edge (trimmed
    /// characters, controls inside and around, the length bound, Unicode spaces).
    #[test]
    fn the_documented_patterns_agree_with_the_rules() {
        let label = regex::Regex::new(&bounded_text_pattern(LABEL_MAX)).unwrap();
        let at_most = "x".repeat(LABEL_MAX);
        let over = "x".repeat(LABEL_MAX + 1);
        let padded = format!("  {at_most}\u{3000}\n");
        let samples = [
            "CI deploy",
            "  CI deploy ",
            "",
            "   ",
            "\u{3000}",
            "a\nb",
            "\tab\t",
            "\u{1c}",
            "a\u{1c}",
            "x",
            " x ",
            "a\u{85}b",
            "\u{85}ab\u{85}",
            "\u{a0}é\u{a0}",
            "a\u{2003}b",
            "\u{7f}",
            &at_most,
            &over,
            &padded,
        ];
        for sample in samples {
            assert_eq!(
                label.is_match(sample),
                token_label(sample).is_ok(),
                "{sample:?}"
            );
        }
        let email_rule = regex::Regex::new(&email_pattern()).unwrap();
        for sample in [
            "ada@example.com",
            " Ada@Example.com\t",
            "ada",
            "@example.com",
            "ada@",
            "a b@c",
            "a@b@c",
            "a\u{3000}b@c",
            "=\u{3}x@y",
            "a@b\u{2028}",
            "\u{a0}a@b",
        ] {
            assert_eq!(
                email_rule.is_match(sample),
                email(sample).is_ok(),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn whole_numbers_are_read_as_json_schema_counts_them() {
        #[derive(Deserialize, Debug)]
        struct Body {
            #[serde(deserialize_with = "whole_number")]
            n: u32,
            #[serde(default, deserialize_with = "present_whole_number")]
            m: Option<Option<i64>>,
        }
        let read = |json: &str| serde_json::from_str::<Body>(json).map_err(|e| e.to_string());
        let body = read(r#"{"n": 60.0, "m": 6e1}"#).unwrap();
        assert_eq!((body.n, body.m), (60, Some(Some(60))));
        assert_eq!(read(r#"{"n": 7, "m": null}"#).unwrap().m, Some(None));
        assert_eq!(read(r#"{"n": 7}"#).unwrap().m, None);
        for bad in [
            r#"{"n": 1.5}"#,
            r#"{"n": "7"}"#,
            r#"{"n": -1}"#,
            r#"{"n": 5000000000}"#,
            r#"{"n": 1e300}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
        assert!(
            read(r#"{"n": 1.5}"#)
                .unwrap_err()
                .contains("expected a whole number")
        );
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(token_label("  CI deploy ").unwrap(), "CI deploy");
        assert_eq!(token_label(&"é".repeat(100)).unwrap().chars().count(), 100);
        let error = token_label(&"x".repeat(101)).unwrap_err();
        assert_eq!(error.field, "label");
        assert_eq!(
            error.message,
            "A label has at most 100 characters (this one has 101)."
        );
        assert_eq!(token_label("   ").unwrap_err().message, "Enter a label.");
        assert!(
            token_label("a\nb")
                .unwrap_err()
                .message
                .contains("line breaks")
        );
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(password("correct horse").is_ok());
        let error = password("short-pass1").unwrap_err();
        assert_eq!(error.field, "password");
        assert_eq!(
            error.message,
            "Use at least 12 characters (this one has 11)."
        );
        assert!(password(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn names_are_required() {
        assert_eq!(person_name(" Ada ").unwrap(), "Ada");
        assert_eq!(person_name("").unwrap_err().message, "Enter a name.");
        assert_eq!(workspace_name("").unwrap_err().field, "workspace_name");
    }
}
