//! The dialogs that create, edit and delete a token.

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    fields::{Draft, Fields, TokenFields, edited_expiry, expiry_ms, token_input},
    rpc::{create_token, delete_token, edit_token},
};
use crate::{
    app::frame::widgets::{
        ConfirmDialog, Dialog, FormButtons, FormError, PRIMARY, SECONDARY, Toasts,
        copy_to_clipboard, date_input_value,
    },
    domain::{error::AppError, policy::TokenPolicy, role::Role},
    model::TokenView,
};

/// What the workspace's token policy means for a new token, in words.
fn policy_notes(policy: &TokenPolicy) -> Vec<String> {
    let mut notes = Vec::new();
    if policy.secret_shown_once {
        notes.push("This workspace shows a secret once: Tessera keeps no copy, so there is no Copy button later. Copy it when it is shown.".to_owned());
    }
    if let Some(days) = policy.max_lifetime_days {
        notes.push(format!("Tokens here must expire within {days} days."));
    }
    if let Some(max) = policy.max_scope {
        notes.push(format!(
            "New tokens here go up to the {} scope.",
            max.label()
        ));
    }
    notes
}

#[component]
pub fn CreateDialog(
    workspace_id: Uuid,
    scopes: Vec<Role>,
    policy: TokenPolicy,
    /// The workspace's default IP allowlist, which the field starts with.
    default_allowed_ips: Vec<String>,
    /// The workspace's default rate limit, which the field starts with.
    default_rate_limit: Option<crate::domain::rate_limit::RateLimit>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_created: Callback<TokenView>,
) -> impl IntoView {
    let rules = policy_notes(&policy);
    let fields = Fields::new(
        String::new(),
        scopes.first().copied().unwrap_or(Role::Viewer),
        String::new(),
        None,
        &default_allowed_ips,
        default_rate_limit,
    );
    let create = Action::new(move |draft: &Draft| {
        let draft = draft.clone();
        async move {
            let expires_at = expiry_ms(&draft.expiry)?;
            let created = create_token(workspace_id, token_input(draft, expires_at)?).await?;
            on_created.run(created.token.clone());
            Ok::<_, AppError>(created)
        }
    });
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <Dialog title="New access token".to_owned() on_close>
            {move || match create.value().get() {
                Some(Ok(created)) => {
                    view! { <SecretOnce secret=created.secret reach=in_this_workspace(created.token.scope) on_close /> }
                        .into_any()
                }
                _ => {
                    let scopes = scopes.clone();
                    view! {
                        {rules
                            .iter()
                            .map(|rule| {
                                view! {
                                    <p class="mb-2 text-sm text-slate-600" data-testid="policy-note">
                                        {rule.clone()}
                                    </p>
                                }
                            })
                            .collect_view()}
                        <TokenForm
                            action=create
                            fields
                            scopes
                            error
                            on_close
                            submit="Create token"
                        />
                    }
                    .into_any()
                }
            }}
        </Dialog>
    }
}

/// What a workspace token's holder may do, for [`SecretOnce`]'s warning.
pub fn in_this_workspace(scope: Role) -> String {
    format!("as {} in this workspace", scope.label())
}

/// A new secret, shown this once (after creating or rotating a token): the warning (anyone
/// holding it may call the API `reach`, "as Viewer in this workspace"), the secret, a copy
/// button and "Done".
#[component]
pub fn SecretOnce(
    secret: String,
    #[prop(into)] reach: String,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let copy = Action::new_local(move |secret: &String| {
        let secret = secret.clone();
        async move {
            match copy_to_clipboard(secret).await {
                Ok(()) => toasts.success("The new token is on your clipboard."),
                Err(error) => toasts.error(error),
            }
        }
    });
    let shown = secret.clone();
    view! {
        <div class="space-y-4">
            <div role="alert" class="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
                <p class="font-medium">"Copy this token now. It is a secret."</p>
                <p class="mt-1">
                    {format!(
                        "Anyone who has it can call the API {reach}. Store it in a secret manager; do not paste it into code, tickets or chat.",
                    )}
                </p>
            </div>
            <code class="block break-all rounded-md bg-slate-900 p-3 font-mono text-sm text-white" data-testid="new-secret">
                {shown}
            </code>
            <div class="flex justify-end gap-3">
                <button
                    type="button"
                    class=SECONDARY
                    on:click=move |_| {
                        copy.dispatch(secret.clone());
                    }
                >
                    "Copy token"
                </button>
                <button type="button" class=PRIMARY on:click=move |_| on_close.run(())>
                    "Done"
                </button>
            </div>
        </div>
    }
}

#[component]
pub fn EditDialog(
    workspace_id: Uuid,
    token: TokenView,
    scopes: Vec<Role>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_saved: Callback<TokenView>,
) -> impl IntoView {
    let initial_date = token.expires_at.map(date_input_value).unwrap_or_default();
    let fields = Fields::new(
        token.label.clone(),
        token.scope,
        initial_date.clone(),
        token.permissions,
        &token.allowed_ips,
        token.rate_limit,
    );
    let token_id = token.id;
    let original_expiry = token.expires_at;
    let save = Action::new(move |draft: &Draft| {
        let draft = draft.clone();
        let initial_date = initial_date.clone();
        async move {
            let expires_at = edited_expiry(&draft.expiry, &initial_date, original_expiry)?;
            let saved = edit_token(workspace_id, token_id, token_input(draft, expires_at)?).await?;
            on_saved.run(saved.clone());
            Ok::<_, AppError>(saved)
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <Dialog title=format!("Edit \u{201c}{}\u{201d}", token.label) on_close>
            <TokenForm
                action=save
                fields
                scopes
                error
                on_close
                submit="Save"
            />
        </Dialog>
    }
}

#[component]
pub fn DeleteDialog(
    workspace_id: Uuid,
    token: TokenView,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_deleted: Callback<Uuid>,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let token_id = token.id;
    let label = token.label.clone();
    let delete = Action::new(move |_: &()| {
        let label = label.clone();
        async move {
            delete_token(workspace_id, token_id).await?;
            toasts.success(format!("\u{201c}{label}\u{201d} is deleted."));
            on_deleted.run(token_id);
            Ok::<_, AppError>(())
        }
    });
    view! {
        <ConfirmDialog title="Delete access token".to_owned() confirm="Delete token" act=delete on_close>
            {format!(
                "Delete \u{201c}{}\u{201d}? Anything using this token stops working at once. This cannot be undone.",
                token.label,
            )}
        </ConfirmDialog>
    }
}

/// The create and edit dialogs' form: the fields, the error, and the buttons; submitting
/// dispatches `action` with the fields' values.
#[component]
fn TokenForm<O>(
    action: Action<Draft, O>,
    fields: Fields,
    scopes: Vec<Role>,
    error: Signal<Option<AppError>>,
    on_close: Callback<()>,
    submit: &'static str,
) -> impl IntoView
where
    O: Send + Sync + 'static,
{
    view! {
        <form
            class="space-y-3"
            on:submit=move |event| {
                event.prevent_default();
                action.dispatch(fields.draft());
            }
        >
            <TokenFields fields scopes error />
            <FormError error />
            <FormButtons on_close pending=action.pending() submit />
        </form>
    }
}
