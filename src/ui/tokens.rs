//! The workspace's access-token page: the table, its columns, sorting and search, and the
//! dialogs to create, edit and delete tokens.

use std::cmp::Ordering;

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    session::{ErrorPanel, Loading, SignedIn},
    widgets::{
        DANGER, Dialog, FieldError, FormError, INPUT, LABEL, LocalTime, PRIMARY, SECONDARY, SMALL,
        Toasts, copy_to_clipboard, date_input_value, timezone_offset_minutes,
    },
    workspaces::{WorkspaceNav, workspace_param},
};
use crate::{
    domain::{
        api_permission::{ApiPermission, PermissionSet, presets},
        error::AppError,
        role::Role,
        time::end_of_local_day,
        token::{HiddenColumns, TokenColumn, TokenStatus},
        token_format::masked,
        validation::LABEL_MAX,
    },
    model::{TokenInput, TokenView, TokensPage},
    rpc::{
        copy_token, create_token, delete_token, edit_token, get_tokens, set_hidden_columns,
        set_token_enabled,
    },
};

#[component]
pub fn AccessTokensPage() -> impl IntoView {
    view! {
        <SignedIn>
            <AccessTokens />
        </SignedIn>
    }
}

#[component]
fn AccessTokens() -> impl IntoView {
    let workspace = workspace_param();
    let page = Resource::new(
        move || workspace.get(),
        |workspace| async move {
            match workspace {
                Some(id) => get_tokens(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <TokenTable data /> }.into_any(),
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
    Edit(TokenView),
    Delete(TokenView),
}

fn compare(a: &TokenView, b: &TokenView, column: TokenColumn) -> Ordering {
    // Missing dates sort after present ones whichever the direction of the rest.
    fn optional(a: Option<i64>, b: Option<i64>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    match column {
        TokenColumn::Label => a.label.to_lowercase().cmp(&b.label.to_lowercase()),
        TokenColumn::Token => a.display_prefix.cmp(&b.display_prefix),
        TokenColumn::Scope => a.scope.cmp(&b.scope),
        TokenColumn::Created | TokenColumn::Actions => a.created_at.cmp(&b.created_at),
        TokenColumn::Expires => optional(a.expires_at, b.expires_at),
        TokenColumn::LastUsed => optional(a.last_used_at, b.last_used_at),
        TokenColumn::Status => a.status.cmp(&b.status),
    }
}

#[component]
fn TokenTable(data: TokensPage) -> impl IntoView {
    let toasts = Toasts::use_();
    let workspace_id = data.workspace.id;
    let now = data.now;
    let can_create = data.can_create;
    let scopes = StoredValue::new(data.grantable_scopes.clone());
    let tokens = RwSignal::new(data.tokens);
    let hidden = RwSignal::new(data.hidden_columns);
    let sort = RwSignal::new((TokenColumn::Created, false));
    let search = RwSignal::new(String::new());
    let open = RwSignal::new(Open::Nothing);
    let columns_open = RwSignal::new(false);

    let save_columns = Action::new(|hidden: &HiddenColumns| set_hidden_columns(hidden.clone()));
    Effect::new(move |_| {
        if let Some(Err(error)) = save_columns.value().get() {
            toasts.error(format!("Your column choice was not saved: {error}"));
        }
    });
    let is_hidden = move |column: TokenColumn| hidden.with(|h| h.is_hidden(column));

    let rows = Memo::new(move |_| {
        let needle = search.get().trim().to_lowercase();
        let (column, ascending) = sort.get();
        let mut rows: Vec<TokenView> = tokens
            .get()
            .into_iter()
            .filter(|t| needle.is_empty() || t.label.to_lowercase().contains(&needle))
            .collect();
        rows.sort_by(|a, b| {
            let order = compare(a, b, column);
            let order = if ascending { order } else { order.reverse() };
            order.then_with(|| b.created_at.cmp(&a.created_at))
        });
        rows
    });

    let replace = move |view: TokenView| {
        tokens.update(|list| {
            if let Some(slot) = list.iter_mut().find(|t| t.id == view.id) {
                *slot = view;
            }
        })
    };
    let toggle = Action::new(move |token: &TokenView| {
        let token = token.clone();
        async move {
            let enable = token.status == TokenStatus::Disabled;
            match set_token_enabled(workspace_id, token.id, enable).await {
                Ok(view) => {
                    let verb = if enable { "enabled" } else { "disabled" };
                    toasts.success(format!("\u{201c}{}\u{201d} is {verb}.", view.label));
                    replace(view);
                }
                Err(error) => toasts.error(error.to_string()),
            }
        }
    });
    let copy = Action::new_local(move |token: &TokenView| {
        let token = token.clone();
        async move {
            let copied = match copy_token(workspace_id, token.id).await {
                Ok(secret) => copy_to_clipboard(secret).await,
                Err(error) => Err(error.to_string()),
            };
            match copied {
                Ok(()) => toasts.success(format!(
                    "The token \u{201c}{}\u{201d} is on your clipboard.",
                    token.label
                )),
                Err(error) => toasts.error(error),
            }
        }
    });

    let header = move |column: TokenColumn| {
        let sortable = column != TokenColumn::Actions;
        let indicator = move || match sort.get() {
            (c, true) if c == column => " ▲",
            (c, false) if c == column => " ▼",
            _ => "",
        };
        let aria_sort = move || match sort.get() {
            (c, true) if c == column => "ascending",
            (c, false) if c == column => "descending",
            _ => "none",
        };
        view! {
            <th
                class=("hidden", move || is_hidden(column))
                class="px-3 py-2 font-medium"
                aria-sort=aria_sort
                data-column=format!("{column:?}")
            >
                {if sortable {
                    view! {
                        <button
                            type="button"
                            class="uppercase hover:text-slate-800"
                            on:click=move |_| {
                                sort.update(|(c, ascending)| {
                                    if *c == column {
                                        *ascending = !*ascending;
                                    } else {
                                        *c = column;
                                        *ascending = true;
                                    }
                                })
                            }
                        >
                            {column.title()}
                            {indicator}
                        </button>
                    }
                        .into_any()
                } else {
                    view! { <span class="uppercase">{column.title()}</span> }.into_any()
                }}
            </th>
        }
    };

    let row = move |token: TokenView| {
        let status = token.status;
        let row_class = match status {
            TokenStatus::Disabled => "opacity-50",
            TokenStatus::Expired => "bg-red-50 text-red-800",
            TokenStatus::Active => "",
        };
        let cell = move |column: TokenColumn| {
            let hide = move || is_hidden(column);
            move |content: AnyView| {
                view! {
                    <td class=("hidden", hide) class="px-3 py-3 align-top" data-column=format!("{column:?}")>
                        {content}
                    </td>
                }
            }
        };
        let (edit_token, delete_token, toggle_token, copy_token) =
            (token.clone(), token.clone(), token.clone(), token.clone());
        let actions = view! {
            <div class="flex flex-wrap gap-1">
                {token
                    .may_copy
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class=SMALL
                                aria-label=format!("Copy {}", token.label)
                                on:click=move |_| {
                                    copy.dispatch(copy_token.clone());
                                }
                            >
                                "Copy"
                            </button>
                        }
                    })}
                {token
                    .may_edit
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class=SMALL
                                aria-label=format!("Edit {}", token.label)
                                on:click=move |_| open.set(Open::Edit(edit_token.clone()))
                            >
                                "Edit"
                            </button>
                        }
                    })}
                {token
                    .may_disable
                    .then(|| {
                        let label = if status == TokenStatus::Disabled { "Enable" } else { "Disable" };
                        view! {
                            <button
                                type="button"
                                class=SMALL
                                aria-label=format!("{label} {}", token.label)
                                on:click=move |_| {
                                    toggle.dispatch(toggle_token.clone());
                                }
                            >
                                {label}
                            </button>
                        }
                    })}
                {token
                    .may_delete
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
                                aria-label=format!("Delete {}", token.label)
                                on:click=move |_| open.set(Open::Delete(delete_token.clone()))
                            >
                                "Delete"
                            </button>
                        }
                    })}
            </div>
        };
        let expires = match token.expires_at {
            Some(at) => view! { <LocalTime ms=at now /> }.into_any(),
            None => view! { <span class="text-slate-500">"Not specified"</span> }.into_any(),
        };
        let last_used = match token.last_used_at {
            Some(at) => view! {
                <LocalTime ms=at now />
                <span class="block text-xs text-slate-500">{token.last_used_ip.clone()}</span>
            }
            .into_any(),
            None => view! { <span class="text-slate-500">"Never"</span> }.into_any(),
        };
        let status_class = match status {
            TokenStatus::Active => {
                "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800"
            }
            TokenStatus::Expired => {
                "rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800"
            }
            TokenStatus::Disabled => {
                "rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700"
            }
        };
        view! {
            <tr class=row_class data-testid="token-row" data-status=status.label()>
                {cell(TokenColumn::Label)(view! { <span class="font-medium">{token.label.clone()}</span> }.into_any())}
                {cell(TokenColumn::Token)(view! {
                    <code class="font-mono text-xs" data-testid="masked-token">{masked(&token.display_prefix)}</code>
                }.into_any())}
                {cell(TokenColumn::Scope)(view! {
                    <span class="block">{token.scope.label()}</span>
                    {token.permissions.map(|set| view! {
                        <span class="block text-xs text-slate-500" data-testid="token-permissions">
                            {set.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")}
                        </span>
                    })}
                }.into_any())}
                {cell(TokenColumn::Created)(view! {
                    <LocalTime ms=token.created_at now />
                    <span class="block text-xs text-slate-500">{token.created_by.clone().map(|name| format!("by {name}"))}</span>
                }.into_any())}
                {cell(TokenColumn::Expires)(expires)}
                {cell(TokenColumn::LastUsed)(last_used)}
                {cell(TokenColumn::Status)(view! { <span class=status_class>{status.label()}</span> }.into_any())}
                {cell(TokenColumn::Actions)(actions.into_any())}
            </tr>
        }
    };

    view! {
        <WorkspaceNav workspace=data.workspace.clone() current="Access tokens" />
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <input
                type="search"
                class="w-64 rounded-md border border-slate-300 px-3 py-2 text-sm"
                placeholder="Search by label"
                aria-label="Search by label"
                bind:value=search
            />
            <div class="relative">
                <button
                    type="button"
                    class=SECONDARY
                    aria-expanded=move || columns_open.get().to_string()
                    on:click=move |_| columns_open.update(|o| *o = !*o)
                >
                    "Columns"
                </button>
                <Show when=move || columns_open.get()>
                    <div
                        class="absolute left-0 z-30 mt-2 w-48 rounded-md border border-slate-200 bg-white p-2 shadow-lg"
                        role="group"
                        aria-label="Visible columns"
                    >
                        {TokenColumn::toggleable()
                            .map(|column| {
                                view! {
                                    <label class="flex items-center gap-2 rounded px-2 py-1 text-sm hover:bg-slate-50">
                                        <input
                                            type="checkbox"
                                            prop:checked=move || !is_hidden(column)
                                            on:change=move |event| {
                                                let shown = event_target_checked(&event);
                                                hidden.update(|h| h.set(column, !shown));
                                                save_columns.dispatch(hidden.get_untracked());
                                            }
                                        />
                                        {column.title()}
                                    </label>
                                }
                            })
                            .collect_view()}
                    </div>
                </Show>
            </div>
            <Show when=move || can_create>
                <button type="button" class=format!("{PRIMARY} ml-auto") on:click=move |_| open.set(Open::Create)>
                    "New token"
                </button>
            </Show>
        </div>
        <Show
            when=move || !tokens.with(Vec::is_empty)
            fallback=move || {
                view! {
                    <div class="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center" data-testid="empty-state">
                        <p class="font-medium">"No access tokens yet"</p>
                        <p class="mt-1 text-sm text-slate-600">
                            {if can_create {
                                "Create one for each service or script that calls the API, so each can be revoked on its own."
                            } else {
                                "Workspace Managers, Administrators and Owners can create them."
                            }}
                        </p>
                    </div>
                }
            }
        >
            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
                <table class="w-full text-left text-sm" data-testid="token-table">
                    <thead class="bg-slate-50 text-xs text-slate-500">
                        <tr>{TokenColumn::ALL.into_iter().map(header).collect_view()}</tr>
                    </thead>
                    <tbody class="divide-y divide-slate-200">
                        {move || rows.get().into_iter().map(row).collect_view()}
                    </tbody>
                </table>
                <Show when=move || rows.with(Vec::is_empty)>
                    <p class="p-4 text-sm text-slate-600">"No token's label matches your search."</p>
                </Show>
            </div>
        </Show>
        {move || match open.get() {
            Open::Nothing => ().into_any(),
            Open::Create => view! {
                <CreateDialog
                    workspace_id
                    scopes=scopes.get_value()
                    on_close=move || open.set(Open::Nothing)
                    on_created=move |token: TokenView| tokens.update(|list| list.insert(0, token))
                />
            }
            .into_any(),
            Open::Edit(token) => view! {
                <EditDialog
                    workspace_id
                    token
                    scopes=scopes.get_value()
                    on_close=move || open.set(Open::Nothing)
                    on_saved=move |token: TokenView| {
                        toasts.success(format!("\u{201c}{}\u{201d} is saved.", token.label));
                        replace(token);
                        open.set(Open::Nothing);
                    }
                />
            }
            .into_any(),
            Open::Delete(token) => view! {
                <DeleteDialog
                    workspace_id
                    token
                    on_close=move || open.set(Open::Nothing)
                    on_deleted=move |id: Uuid| {
                        tokens.update(|list| list.retain(|t| t.id != id));
                        open.set(Open::Nothing);
                    }
                />
            }
            .into_any(),
        }}
    }
}

/// What the create and edit forms hold: label, scope, expiry date, permissions.
type Draft = (String, Role, String, Option<PermissionSet>);

/// Label, scope, permissions and expiry, as the create and edit dialogs ask for them.
#[component]
fn TokenFields(
    label: RwSignal<String>,
    scope: RwSignal<Role>,
    expiry: RwSignal<String>,
    permissions: RwSignal<Option<PermissionSet>>,
    scopes: Vec<Role>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let presets = presets();
    let custom_index = presets.len();
    // Which preset the chosen permissions are, or `custom_index` for a hand-picked set.
    let custom = RwSignal::new(
        !presets
            .iter()
            .any(|(_, set)| *set == permissions.get_untracked()),
    );
    view! {
        <label class=LABEL>
            "Label"
            <input class=INPUT name="label" maxlength=LABEL_MAX.to_string() required bind:value=label />
        </label>
        <p class="text-xs text-slate-500">"What uses this token, such as \u{201c}CI deploy\u{201d}. Unique in the workspace."</p>
        <FieldError field="label" error />
        <label class=LABEL for="token-scope">
            "Scope"
        </label>
        <select
                id="token-scope"
                class=INPUT
                name="scope"
                on:change=move |event| {
                    if let Ok(value) = event_target_value(&event).parse() {
                        scope.set(value);
                    }
                }
            >
                {scopes
                    .into_iter()
                    .map(|role| {
                        view! {
                            <option value=role.as_str() selected=move || scope.get() == role>
                                {role.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        <p class="text-xs text-slate-500">"The token acts with this role's rights, never more than yours."</p>
        <FieldError field="scope" error />
        <label class=LABEL for="token-permissions">
            "Permissions"
        </label>
        <select
                id="token-permissions"
                class=INPUT
                name="permissions"
                on:change=move |event| {
                    let choice: usize = event_target_value(&event).parse().unwrap_or(0);
                    match presets.get(choice) {
                        Some((_, set)) => {
                            custom.set(false);
                            permissions.set(*set);
                        }
                        None => {
                            custom.set(true);
                            if permissions.get_untracked().is_none() {
                                permissions.set(Some(PermissionSet::of_role(scope.get_untracked())));
                            }
                        }
                    }
                }
            >
                {presets
                    .iter()
                    .enumerate()
                    .map(|(index, (name, set))| {
                        let set = *set;
                        view! {
                            <option
                                value=index.to_string()
                                selected=move || !custom.get() && permissions.get() == set
                            >
                                {*name}
                            </option>
                        }
                    })
                    .collect_view()}
                <option value=custom_index.to_string() selected=move || custom.get()>
                    "Choose permissions…"
                </option>
            </select>
        <Show when=move || custom.get()>
            <fieldset
                class="grid grid-cols-2 gap-1 rounded-md border border-slate-200 p-2"
                aria-label="Chosen permissions"
            >
                {ApiPermission::ALL
                    .into_iter()
                    .map(|permission| {
                        view! {
                            <label class="flex items-center gap-2 text-sm" title=permission.description()>
                                <input
                                    type="checkbox"
                                    prop:checked=move || {
                                        permissions.get().is_some_and(|set| set.contains(permission))
                                    }
                                    on:change=move |event| {
                                        let on = event_target_checked(&event);
                                        permissions.update(|set| {
                                            let current = set.unwrap_or_default();
                                            let next: PermissionSet = current
                                                .iter()
                                                .filter(|p| *p != permission)
                                                .chain(on.then_some(permission))
                                                .collect();
                                            *set = Some(next);
                                        });
                                    }
                                />
                                <code class="text-xs">{permission.as_str()}</code>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
        </Show>
        <p class="text-xs text-slate-500">
            "Narrow what the token may do through the API, below its scope. \u{201c}Verify only\u{201d} suits services that only check tokens."
        </p>
        <FieldError field="permissions" error />
        <label class=LABEL>
            "Expires (optional)"
            <input class=INPUT name="expires" type="date" bind:value=expiry />
        </label>
        <p class="text-xs text-slate-500">"The token stops working at the end of this day. Leave empty for no expiry."</p>
        <FieldError field="expires_at" error />
    }
}

/// The expiry field's date as the end of that day in the browser's time zone.
fn expiry_ms(date: &str) -> Result<Option<i64>, AppError> {
    if date.trim().is_empty() {
        return Ok(None);
    }
    end_of_local_day(date, timezone_offset_minutes())
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(
                "expires_at",
                "Enter the expiry as a date, such as 2027-01-31.",
            )
        })
}

#[component]
fn CreateDialog(
    workspace_id: Uuid,
    scopes: Vec<Role>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_created: Callback<TokenView>,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let label = RwSignal::new(String::new());
    let scope = RwSignal::new(scopes.first().copied().unwrap_or(Role::Viewer));
    let expiry = RwSignal::new(String::new());
    let permissions = RwSignal::new(None::<PermissionSet>);
    let create = Action::new(move |(label, scope, expiry, permissions): &Draft| {
        let (label, scope, expiry, permissions) =
            (label.clone(), *scope, expiry.clone(), *permissions);
        async move {
            let expires_at = expiry_ms(&expiry)?;
            let created = create_token(
                workspace_id,
                TokenInput {
                    label,
                    scope,
                    permissions,
                    expires_at,
                },
            )
            .await?;
            on_created.run(created.token.clone());
            Ok::<_, AppError>(created)
        }
    });
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let copy = Action::new_local(move |secret: &String| {
        let secret = secret.clone();
        async move {
            match copy_to_clipboard(secret).await {
                Ok(()) => toasts.success("The new token is on your clipboard."),
                Err(error) => toasts.error(error),
            }
        }
    });
    view! {
        <Dialog title="New access token".to_owned() on_close>
            {move || match create.value().get() {
                Some(Ok(created)) => {
                    let secret = created.secret.clone();
                    view! {
                        <div class="space-y-4">
                            <div role="alert" class="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
                                <p class="font-medium">"Copy this token now. It is a secret."</p>
                                <p class="mt-1">
                                    {format!(
                                        "Anyone who has it can call the API as {} in this workspace. Store it in a secret manager; do not paste it into code, tickets or chat.",
                                        created.token.scope.label(),
                                    )}
                                </p>
                            </div>
                            <code class="block break-all rounded-md bg-slate-900 p-3 font-mono text-sm text-white" data-testid="new-secret">
                                {created.secret.clone()}
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
                    .into_any()
                }
                _ => {
                    let scopes = scopes.clone();
                    view! {
                        <form
                            class="space-y-3"
                            on:submit=move |event| {
                                event.prevent_default();
                                create.dispatch((label.get(), scope.get(), expiry.get(), permissions.get()));
                            }
                        >
                            <TokenFields label scope expiry permissions scopes error />
                            <FormError error />
                            <div class="flex justify-end gap-3 pt-2">
                                <button type="button" class=SECONDARY on:click=move |_| on_close.run(())>
                                    "Cancel"
                                </button>
                                <button type="submit" class=PRIMARY disabled=move || create.pending().get()>
                                    "Create token"
                                </button>
                            </div>
                        </form>
                    }
                    .into_any()
                }
            }}
        </Dialog>
    }
}

#[component]
fn EditDialog(
    workspace_id: Uuid,
    token: TokenView,
    scopes: Vec<Role>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_saved: Callback<TokenView>,
) -> impl IntoView {
    let initial_date = token.expires_at.map(date_input_value).unwrap_or_default();
    let label = RwSignal::new(token.label.clone());
    let scope = RwSignal::new(token.scope);
    let expiry = RwSignal::new(initial_date.clone());
    let permissions = RwSignal::new(token.permissions);
    let token_id = token.id;
    let original_expiry = token.expires_at;
    let save = Action::new(move |(label, scope, expiry, permissions): &Draft| {
        let (label, scope, expiry, permissions) =
            (label.clone(), *scope, expiry.clone(), *permissions);
        let initial_date = initial_date.clone();
        async move {
            // An untouched date keeps the exact stored expiry (even one in the past).
            let expires_at = if expiry == initial_date {
                original_expiry
            } else {
                expiry_ms(&expiry)?
            };
            let saved = edit_token(
                workspace_id,
                token_id,
                TokenInput {
                    label,
                    scope,
                    permissions,
                    expires_at,
                },
            )
            .await?;
            on_saved.run(saved.clone());
            Ok::<_, AppError>(saved)
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <Dialog title=format!("Edit \u{201c}{}\u{201d}", token.label) on_close>
            <form
                class="space-y-3"
                on:submit=move |event| {
                    event.prevent_default();
                    save.dispatch((label.get(), scope.get(), expiry.get(), permissions.get()));
                }
            >
                <TokenFields label scope expiry permissions scopes error />
                <FormError error />
                <div class="flex justify-end gap-3 pt-2">
                    <button type="button" class=SECONDARY on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class=PRIMARY disabled=move || save.pending().get()>
                        "Save"
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn DeleteDialog(
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
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <Dialog title="Delete access token".to_owned() on_close>
            <p class="text-sm text-slate-700">
                {format!(
                    "Delete \u{201c}{}\u{201d}? Anything using this token stops working at once. This cannot be undone.",
                    token.label,
                )}
            </p>
            <FormError error />
            <div class="mt-6 flex justify-end gap-3">
                <button type="button" class=SECONDARY on:click=move |_| on_close.run(())>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class=DANGER
                    disabled=move || delete.pending().get()
                    on:click=move |_| {
                        delete.dispatch(());
                    }
                >
                    "Delete token"
                </button>
            </div>
        </Dialog>
    }
}
