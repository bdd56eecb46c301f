//! `/account/tokens`: a person's own tokens, each with the workspaces it may act in, and
//! the dialogs that make, edit and delete them.

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    dialogs::{CreatePersonalDialog, DeletePersonalDialog, EditPersonalDialog, reach},
    rpc::{
        copy_personal_token, get_personal_tokens, rotate_personal_token, set_personal_token_enabled,
    },
};
use crate::{
    app::{
        frame::{
            status::{ErrorPanel, Loading},
            widgets::{LocalTime, PRIMARY},
        },
        tokens::{
            cells::{
                Cell, Expiry, GrantScope, MaskedToken, PersonalUseAndStatus, TokenTableFrame,
                row_button, row_class,
            },
            rotate::{NewSecret, RotateDialog},
            rows::Rows,
        },
    },
    domain::{error::AppError, token::TokenStatus},
    model::{PersonalTokenView, PersonalTokensPage},
};

#[component]
pub fn PersonalTokensPage() -> impl IntoView {
    let page = Resource::new(|| (), |()| get_personal_tokens());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <PersonalTokenTable data /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Which dialog is open.
#[derive(Clone, PartialEq)]
enum Open {
    Nothing,
    Create,
    Edit(PersonalTokenView),
    Rotate(PersonalTokenView),
    Delete(PersonalTokenView),
}

/// What a row's buttons do.
#[derive(Clone, Copy)]
struct RowActions {
    open: RwSignal<Open>,
    toggle: Action<PersonalTokenView, ()>,
    copy: Action<PersonalTokenView, ()>,
}

#[component]
fn PersonalTokenTable(data: PersonalTokensPage) -> impl IntoView {
    let now = data.now;
    let workspaces = StoredValue::new(data.workspaces);
    let list = Rows::new(data.tokens);
    let tokens = list.list;
    let open = RwSignal::new(Open::Nothing);
    let toggle = list.toggle(set_personal_token_enabled);
    let copy = list.copy(copy_personal_token);
    let actions = RowActions { open, toggle, copy };
    let has_workspaces = workspaces.with_value(|w| !w.is_empty());

    let heading = view! {
        <p class="text-sm text-slate-500">
            <a href="/account" class="hover:underline">"Your account"</a>
        </p>
        <div class="mt-1 mb-4 flex flex-wrap items-end gap-3">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Your personal tokens"</h1>
                <p class="mt-1 max-w-2xl text-sm text-slate-600">
                    "Tokens of your own, for your scripts and tools: each may act in the workspaces you choose, never with more than your role there at the time. Administrators of those workspaces see them and may take their workspace away; they never see the secret."
                </p>
            </div>
            <button
                type="button"
                class=format!("{PRIMARY} ml-auto")
                disabled=!has_workspaces
                title=(!has_workspaces).then_some("You are not a member of any workspace yet.")
                on:click=move |_| open.set(Open::Create)
            >
                "New token"
            </button>
        </div>
    }
    .into_any();
    let listing = view! {
        <Show
            when=move || !tokens.with(Vec::is_empty)
            fallback=|| {
                view! {
                    <div class="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center" data-testid="empty-state">
                        <p class="font-medium">"No personal tokens yet"</p>
                        <p class="mt-1 text-sm text-slate-600">
                            "Make one for each script or tool of yours that calls the API, so each can be revoked on its own."
                        </p>
                    </div>
                }
            }
        >
            <TokenTableFrame
                testid="personal-token-table"
                columns=&["Label", "Token", "Workspaces", "Created", "Expires", "Last used", "Status", "Actions"]
            >
                {move || tokens.get().into_iter().map(|token| row(actions, now, token)).collect_view()}
            </TokenTableFrame>
        </Show>
    }
    .into_any();
    view! {
        {heading}
        {listing}
        {move || match open.get() {
            Open::Nothing => ().into_any(),
            Open::Create => view! {
                <CreatePersonalDialog
                    workspaces=workspaces.get_value()
                    on_close=move || open.set(Open::Nothing)
                    on_created=move |token: PersonalTokenView| list.added(token)
                />
            }
            .into_any(),
            Open::Edit(token) => view! {
                <EditPersonalDialog
                    token
                    workspaces=workspaces.get_value()
                    on_close=move || open.set(Open::Nothing)
                    on_saved=move |token: PersonalTokenView| {
                        list.saved(token);
                        open.set(Open::Nothing);
                    }
                />
            }
            .into_any(),
            Open::Rotate(token) => {
                let token_id = token.id;
                let rotate = Action::new(move |grace: &i64| {
                    let grace = *grace;
                    async move {
                        let rotated = rotate_personal_token(token_id, grace).await?;
                        // The old token now ends with its grace.
                        tokens.update(|list| {
                            if let Some(old) = list.iter_mut().find(|t| t.id == token_id) {
                                old.expires_at = Some(rotated.grace_ends_at);
                            }
                        });
                        list.added(rotated.created.token.clone());
                        Ok::<_, AppError>(NewSecret {
                            reach: reach(&rotated.created.token),
                            secret: rotated.created.secret,
                            grace_ends_at: rotated.grace_ends_at,
                        })
                    }
                });
                view! {
                    <RotateDialog
                        label=token.label
                        expires_at=token.expires_at
                        keeps="label, workspaces, scopes and permissions"
                        now
                        rotate
                        on_close=move || open.set(Open::Nothing)
                    />
                }
                .into_any()
            }
            Open::Delete(token) => view! {
                <DeletePersonalDialog
                    token
                    on_close=move || open.set(Open::Nothing)
                    on_deleted=move |id: Uuid| {
                        list.removed(id);
                        open.set(Open::Nothing);
                    }
                />
            }
            .into_any(),
        }}
    }
}

/// One of the person's tokens: where it may act and how, and its buttons.
fn row(actions: RowActions, now: i64, token: PersonalTokenView) -> impl IntoView {
    let status = token.status;
    let leaked = token.leak.is_some();
    let label = token.label.as_str();
    let (copied, toggled, edited, rotated, deleted) = (
        token.clone(),
        token.clone(),
        token.clone(),
        token.clone(),
        token.clone(),
    );
    let buttons = view! {
        <div class="flex flex-wrap gap-1">
            {(token.secret_kept && status == TokenStatus::Active)
                .then(|| row_button("Copy", label, false, move || {
                    actions.copy.dispatch(copied.clone());
                }))}
            {row_button("Edit", label, false, move || actions.open.set(Open::Edit(edited.clone())))}
            // A leaked token is rotated (the way out of a leak), never enabled again.
            {(status == TokenStatus::Active || leaked && status == TokenStatus::Disabled)
                .then(|| row_button("Rotate", label, false, move || {
                    actions.open.set(Open::Rotate(rotated.clone()))
                }))}
            {(!leaked).then(|| row_button(
                if status == TokenStatus::Disabled { "Enable" } else { "Disable" },
                label,
                false,
                move || {
                    actions.toggle.dispatch(toggled.clone());
                },
            ))}
            {row_button("Delete", label, true, move || actions.open.set(Open::Delete(deleted.clone())))}
        </div>
    };
    let places = token
        .workspaces
        .iter()
        .map(|grant| {
            view! {
                <li data-testid="token-workspace" data-workspace=grant.workspace_name.clone()>
                    <span class="font-medium">{grant.workspace_name.clone()}</span>
                    <GrantScope grant=grant.clone() />
                    {grant.pending.then(|| view! {
                        <span class="block text-xs text-amber-800" data-testid="pending">"pending approval"</span>
                    })}
                </li>
            }
        })
        .collect_view();
    let use_and_status = view! { <PersonalUseAndStatus token=token.clone() now /> };
    view! {
        <tr class=row_class(status) data-testid="personal-token-row" data-status=status.label()>
            <Cell column="Label"><span class="font-medium">{token.label.clone()}</span></Cell>
            <Cell column="Token">
                <MaskedToken prefix=token.display_prefix.clone() />
            </Cell>
            <Cell column="Workspaces">
                <ul class="space-y-2">{places}</ul>
            </Cell>
            <Cell column="Created">
                <LocalTime ms=token.created_at now />
            </Cell>
            <Cell column="Expires">
                <Expiry expires_at=token.expires_at now />
            </Cell>
            {use_and_status}
            <Cell column="Actions">{buttons}</Cell>
        </tr>
    }
}
