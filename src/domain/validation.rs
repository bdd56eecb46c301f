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
