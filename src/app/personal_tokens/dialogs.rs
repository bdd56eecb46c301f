//! The dialogs of the account's token page: make a personal token (its secret then shown
//! once), edit one (the same form), delete one.

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    form::{Asked, PersonalDraft, PersonalTokenForm},
    rpc::{create_personal_token, delete_personal_token, edit_personal_token},
};
use crate::{
    app::{
        frame::widgets::{ConfirmDialog, Dialog, Toasts, date_input_value},
        tokens::{
            dialogs::SecretOnce,
            fields::{edited_expiry, expiry_ms},
        },
    },
    domain::error::AppError,
    model::{PersonalTokenView, WorkspaceSummary},
};

/// Where a personal token may act, for [`SecretOnce`]'s warning: "as you, as Viewer in Acme
/// and as Team Member in Beta".
pub fn reach(token: &PersonalTokenView) -> String {
    let places: Vec<String> = token
        .workspaces
        .iter()
        .map(|grant| format!("as {} in {}", grant.scope.label(), grant.workspace_name))
        .collect();
    format!("as you, {}", places.join(" and "))
}

#[component]
pub fn CreatePersonalDialog(
    workspaces: Vec<WorkspaceSummary>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_created: Callback<PersonalTokenView>,
) -> impl IntoView {
    let draft = PersonalDraft::new(&workspaces);
    let create = Action::new(move |asked: &Asked| {
        let asked = asked.clone();
        async move {
            let expires_at = expiry_ms(&asked.expiry)?;
            let created = create_personal_token(asked.input(expires_at)?).await?;
            on_created.run(created.token.clone());
            Ok::<_, AppError>(created)
        }
    });
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <Dialog title="New personal token".to_owned() on_close>
            {move || match create.value().get() {
                Some(Ok(created)) => {
                    view! { <SecretOnce secret=created.secret reach=reach(&created.token) on_close /> }
                        .into_any()
                }
                _ => {
                    view! {
                        <PersonalTokenForm action=create draft=draft.clone() error on_close submit="Create token" />
                    }
                        .into_any()
                }
            }}
        </Dialog>
    }
}

#[component]
pub fn EditPersonalDialog(
    token: PersonalTokenView,
    workspaces: Vec<WorkspaceSummary>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_saved: Callback<PersonalTokenView>,
) -> impl IntoView {
    let opened_with = token.expires_at.map(date_input_value).unwrap_or_default();
    let draft = PersonalDraft::of(&token, opened_with.clone(), &workspaces);
    let (token_id, stored) = (token.id, token.expires_at);
    let save = Action::new(move |asked: &Asked| {
        let asked = asked.clone();
        let opened_with = opened_with.clone();
        async move {
            let expires_at = edited_expiry(&asked.expiry, &opened_with, stored)?;
            let saved = edit_personal_token(token_id, asked.input(expires_at)?).await?;
            on_saved.run(saved.clone());
            Ok::<_, AppError>(saved)
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <Dialog title=format!("Edit \u{201c}{}\u{201d}", token.label) on_close>
            <PersonalTokenForm action=save draft error on_close submit="Save" />
        </Dialog>
    }
}

#[component]
pub fn DeletePersonalDialog(
    token: PersonalTokenView,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_deleted: Callback<Uuid>,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let token_id = token.id;
    let label = StoredValue::new(token.label.clone());
    let delete = Action::new(move |_: &()| async move {
        delete_personal_token(token_id).await?;
        toasts.success(format!("\u{201c}{}\u{201d} is deleted.", label.get_value()));
        on_deleted.run(token_id);
        Ok::<_, AppError>(())
    });
    view! {
        <ConfirmDialog title="Delete personal token".to_owned() confirm="Delete token" act=delete on_close>
            {format!(
                "Delete \u{201c}{}\u{201d}? Anything using it stops working at once, in every workspace. This cannot be undone.",
                token.label,
            )}
        </ConfirmDialog>
    }
}
