//! The workspace's access-token page: the table with its search, columns and sorting, and
//! the dialogs it opens.

use leptos::prelude::*;
use uuid::Uuid;

use super::{
    bulk::{BulkDialog, SelectionBar, UnusedDialog},
    dialogs::{CreateDialog, DeleteDialog, EditDialog},
    personal::PersonalTokens,
    rotate::{NewSecret, RotateDialog},
    rows::Rows,
    rpc::{copy_token, get_tokens, rotate_token, set_hidden_columns, set_token_enabled},
    table::{Open, TableState, compare, header, row, select_all},
};
use crate::{
    app::{
        frame::{
            status::{ErrorPanel, Loading},
            widgets::{PRIMARY, SECONDARY, Toasts},
            workspace::use_workspace,
        },
        personal_tokens::rpc::get_workspace_personal_tokens,
    },
    domain::{
        error::AppError,
        permission::may_manage_personal_tokens,
        revoke::count_tokens,
        token::{HiddenColumns, TokenColumn},
    },
    model::{Revoked, TokenView, TokensPage},
};

#[component]
pub fn AccessTokensPage() -> impl IntoView {
    let current = use_workspace();
    let workspace = current.id();
    let page = Resource::new(|| (), move |()| get_tokens(workspace));
    // Members' personal tokens reaching the workspace, for those who oversee them (the
    // server refuses anyone else); read alongside the table.
    let oversees = may_manage_personal_tokens(current.untracked().role);
    let personal = Resource::new(
        || (),
        move |()| async move {
            if oversees {
                get_workspace_personal_tokens(workspace).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let data = match page.await {
                    Ok(data) => data,
                    Err(error) => return view! { <ErrorPanel error /> }.into_any(),
                };
                let (workspace_id, now) = (data.workspace.id, data.now);
                let name = data.workspace.name.clone();
                let personal = match personal.await {
                    Ok(Some(tokens)) => view! {
                        <PersonalTokens workspace_id workspace=name tokens now />
                    }
                    .into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! {
                        <div class="mt-10"><ErrorPanel error /></div>
                    }
                    .into_any(),
                };
                view! {
                    <TokenTable data />
                    {personal}
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn TokenTable(data: TokensPage) -> impl IntoView {
    let toasts = Toasts::use_();
    let workspace_id = data.workspace.id;
    let now = data.now;
    let can_create = data.can_create;
    let (can_disable, can_delete) = (data.can_disable, data.can_delete);
    let scopes = StoredValue::new(data.grantable_scopes.clone());
    let policy = data.policy;
    let default_allowed_ips = StoredValue::new(data.default_allowed_ips.clone());
    let default_rate_limit = data.default_rate_limit;
    // A new token's scope also keeps under the workspace's highest (edits are checked
    // against it by the server when they raise a scope).
    let new_scopes = StoredValue::new(
        data.grantable_scopes
            .iter()
            .copied()
            .filter(|scope| policy.check_scope(*scope).is_ok())
            .collect::<Vec<_>>(),
    );
    let list = Rows::new(data.tokens);
    let tokens = list.list;
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
    // A bulk action takes the selected rows the search shows, nothing hidden from view.
    let shown = Memo::new(move |_| rows.with(|rows| rows.iter().map(|t| t.id).collect::<Vec<_>>()));
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let chosen = Memo::new(move |_| {
        shown.with(|shown| {
            selected.with(|s| {
                shown
                    .iter()
                    .filter(|id| s.contains(id))
                    .copied()
                    .collect::<Vec<_>>()
            })
        })
    });
    // After a bulk action: the table as the server now has it.
    let refresh = Action::new(move |_: &()| async move {
        match get_tokens(workspace_id).await {
            Ok(page) => tokens.set(page.tokens),
            Err(error) => toasts.error(error.to_string()),
        }
    });
    let revoked = move |revoked: Revoked| {
        toasts.success(format!(
            "{} {}.",
            count_tokens(revoked.tokens.len()),
            revoked.action.done()
        ));
        selected.set(Vec::new());
        open.set(Open::Nothing);
        refresh.dispatch(());
    };

    let toggle = list.toggle(move |id, enable| set_token_enabled(workspace_id, id, enable));
    let copy = list.copy(move |id| copy_token(workspace_id, id));
    let table = TableState {
        hidden,
        sort,
        open,
        toggle,
        copy,
        selectable: can_disable || can_delete,
        selected,
    };

    // Type-erased parts: the page as one nested view type is deeper than the compiler
    // follows.
    let toolbar = view! {
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
                                            prop:checked=move || !table.is_hidden(column)
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
            <Show when=move || can_disable>
                <button type="button" class=SECONDARY on:click=move |_| open.set(Open::Unused)>
                    "Revoke unused…"
                </button>
            </Show>
            <Show when=move || can_create>
                <button type="button" class=format!("{PRIMARY} ml-auto") on:click=move |_| open.set(Open::Create)>
                    "New token"
                </button>
            </Show>
        </div>
    }
    .into_any();
    let listing = view! {
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
                    <tr>
                        {select_all(table, shown)}
                        {TokenColumn::ALL.into_iter().map(|column| header(table, column)).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200">
                    {move || rows.get().into_iter().map(|token| row(table, now, token)).collect_view()}
                </tbody>
            </table>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="p-4 text-sm text-slate-600">"No token's label matches your search."</p>
            </Show>
        </div>
    </Show>
    }
    .into_any();
    view! {
        {toolbar}
        <SelectionBar
            count=Signal::derive(move || chosen.with(Vec::len))
            can_disable
            can_delete
            on_act=move |action| open.set(Open::Bulk(action, chosen.get_untracked()))
            on_clear=move || selected.set(Vec::new())
        />
        {listing}
        {move || match open.get() {
            Open::Nothing => ().into_any(),
            Open::Create => view! {
                <CreateDialog
                    workspace_id
                    scopes=new_scopes.get_value()
                    policy
                    default_allowed_ips=default_allowed_ips.get_value()
                    default_rate_limit
                    on_close=move || open.set(Open::Nothing)
                    on_created=move |token: TokenView| list.added(token)
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
                        list.saved(token);
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
                        list.removed(id);
                        open.set(Open::Nothing);
                    }
                />
            }
            .into_any(),
            Open::Bulk(action, ids) => view! {
                <BulkDialog workspace_id action ids on_close=move || open.set(Open::Nothing) on_done=revoked />
            }
            .into_any(),
            Open::Unused => view! {
                <UnusedDialog workspace_id on_close=move || open.set(Open::Nothing) on_done=revoked />
            }
            .into_any(),
            Open::Rotate(token) => {
                let token_id = token.id;
                let rotate = Action::new(move |grace: &i64| {
                    let grace = *grace;
                    async move {
                        let rotated = rotate_token(workspace_id, token_id, grace).await?;
                        if let Some(old) = rotated.old.clone() {
                            list.replace(old);
                        }
                        list.added(rotated.created.token.clone());
                        Ok::<_, AppError>(NewSecret::of(&rotated))
                    }
                });
                view! {
                    <RotateDialog
                        label=token.label
                        expires_at=token.expires_at
                        keeps="label, scope and permissions"
                        now
                        rotate
                        on_close=move || open.set(Open::Nothing)
                    />
                }
                .into_any()
            }
        }}
    }
}
