//! What a token page keeps of its rows, for a workspace's tokens and a person's own alike:
//! the list follows the dialogs (a made token goes first, a saved one replaces its row, a
//! deleted one leaves), and the row buttons that act at once, Disable/Enable and Copy, say
//! how it went.

use std::future::Future;

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    app::frame::widgets::{Toasts, copy_to_clipboard},
    domain::{error::AppError, token::TokenStatus},
    model::{PersonalTokenView, TokenView},
};

/// A row of a token table.
pub trait TokenRow: Clone + Send + Sync + 'static {
    fn id(&self) -> Uuid;
    fn label(&self) -> &str;
    fn status(&self) -> TokenStatus;
}

/// Both kinds of token view carry the same three fields.
macro_rules! token_row {
    ($($view:ty),*) => {$(
        impl TokenRow for $view {
            fn id(&self) -> Uuid {
                self.id
            }
            fn label(&self) -> &str {
                &self.label
            }
            fn status(&self) -> TokenStatus {
                self.status
            }
        }
    )*};
}

token_row!(TokenView, PersonalTokenView);

/// The rows a page shows, and the notices it gives about them.
pub struct Rows<T: 'static> {
    pub list: RwSignal<Vec<T>>,
    toasts: Toasts,
}

impl<T: 'static> Clone for Rows<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Rows<T> {}

impl<T: TokenRow> Rows<T> {
    pub fn new(rows: Vec<T>) -> Rows<T> {
        Rows {
            list: RwSignal::new(rows),
            toasts: Toasts::use_(),
        }
    }

    /// A token just made: first in the list.
    pub fn added(self, row: T) {
        self.list.update(|list| list.insert(0, row));
    }

    /// A token as the server now has it, in its place.
    pub fn replace(self, row: T) {
        self.list.update(|list| {
            if let Some(slot) = list.iter_mut().find(|t| t.id() == row.id()) {
                *slot = row;
            }
        })
    }

    /// A token an edit saved: in its place, and said so.
    pub fn saved(self, row: T) {
        self.toasts
            .success(format!("\u{201c}{}\u{201d} is saved.", row.label()));
        self.replace(row);
    }

    pub fn removed(self, id: Uuid) {
        self.list.update(|list| list.retain(|t| t.id() != id));
    }

    /// Disable or Enable: `set(id, enabled)` asks the server, and the row becomes its answer.
    pub fn toggle<F, Fut>(self, set: F) -> Action<T, ()>
    where
        F: Fn(Uuid, bool) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        Action::new(move |token: &T| {
            let enable = token.status() == TokenStatus::Disabled;
            let asked = set(token.id(), enable);
            async move {
                match asked.await {
                    Ok(row) => {
                        let verb = if enable { "enabled" } else { "disabled" };
                        self.toasts
                            .success(format!("\u{201c}{}\u{201d} is {verb}.", row.label()));
                        self.replace(row);
                    }
                    Err(error) => self.toasts.error(error.to_string()),
                }
            }
        })
    }

    /// Copy: `fetch(id)` reads the secret from the server, and it goes on the clipboard.
    pub fn copy<F, Fut>(self, fetch: F) -> Action<T, ()>
    where
        F: Fn(Uuid) -> Fut + Copy + 'static,
        Fut: Future<Output = Result<String, AppError>> + 'static,
    {
        Action::new_local(move |token: &T| {
            let label = token.label().to_owned();
            let fetched = fetch(token.id());
            async move {
                let copied = match fetched.await {
                    Ok(secret) => copy_to_clipboard(secret).await,
                    Err(error) => Err(error.to_string()),
                };
                match copied {
                    Ok(()) => self.toasts.success(format!(
                        "The token \u{201c}{label}\u{201d} is on your clipboard."
                    )),
                    Err(error) => self.toasts.error(error),
                }
            }
        })
    }
}
