//! Cursors: a page's edge handed to the caller as an opaque, URL-safe string (base64url of
//! its JSON) and read back on the next request. Not sealed: a cursor only says where a list
//! of the caller's own workspace resumes, and every read still names that workspace, so a
//! made-up cursor can do no more than start the list elsewhere. Anything that does not read
//! back is refused with a message naming the parameter.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::domain::error::AppError;

/// The longest cursor read: an edge is an order, an id and one key (a label of at most a
/// few hundred bytes).
const MAX_CURSOR: usize = 2048;

/// The most items one page of a list holds (tokens, personal tokens, audit records), and
/// how many a page holds when the caller does not say.
pub const MAX_PAGE: usize = 200;
pub const DEFAULT_PAGE: usize = 50;

/// The page size asked for as `limit`, or the default; refused outside 1 to [`MAX_PAGE`].
pub fn page_limit(limit: Option<usize>) -> Result<usize, AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::invalid(
            "limit",
            format!("Use a limit from 1 to {MAX_PAGE}."),
        ))
    }
}

pub fn seal<T: Serialize>(edge: &T) -> String {
    // Serializing plain data cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(edge).unwrap_or_default())
}

/// The edge in `text`, given as the parameter `field`.
pub fn open<T: DeserializeOwned>(field: &str, text: &str) -> Result<T, AppError> {
    let refused = || {
        AppError::invalid(
            field,
            format!(
                "The cursor given as `{field}` is not one this list gave. Pass the `next` or \
                 `previous` cursor of the page before unchanged, or start again without it."
            ),
        )
    };
    if text.len() > MAX_CURSOR {
        return Err(refused());
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| refused())?;
    serde_json::from_slice(&bytes).map_err(|_| refused())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token_list::{Edge, SortKey, TokenSort};

    #[test]
    fn an_edge_reads_back_and_anything_else_is_refused() {
        let edge = Edge {
            sort: TokenSort::default(),
            key: SortKey::Text("Déploiement / CI".into()),
            id: uuid::Uuid::from_u128(7),
        };
        let sealed = seal(&edge);
        assert!(
            sealed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(open::<Edge>("after", &sealed).unwrap(), edge);
        for bad in ["", "!!", "bm90IGpzb24", &"A".repeat(MAX_CURSOR + 1)] {
            let error = open::<Edge>("after", bad).unwrap_err();
            assert_eq!(error.http_status(), 422);
            assert!(error.to_string().contains("after"), "{error}");
        }
    }
}
