//! The workspace's access-token page: the table a page at a time, with its search, status
//! filter, columns and sorting (all done by the server, the query kept in the URL), and the
//! dialogs it opens.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate, use_query_map},
    location::Url,
};
use uuid::Uuid;

use super::{
    bulk::{BulkDialog, SelectionBar, UnusedDialog},
    dialogs::{CreateDialog, DeleteDialog, EditDialog},
    personal::PersonalTokens,
    rotate::{NewSecret, RotateDialog},
    rows::Rows,
    rpc::{copy_token, get_tokens, rotate_token, set_hidden_columns, set_token_enabled},
    table::{Open, TableState, header, row, select_all},
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
        token::{HiddenColumns, TokenColumn, TokenStatus},
    },
    model::{Revoked, TokenQuery, TokenView, TokensPage},
};

#[component]
pub fn AccessTokensPage() -> impl IntoView {
    let current = use_workspace();
    let workspace = current.id();
    // The table's search, status filter, order and page live in the URL: a link or a
    // reload shows the same page, Back goes to the one before.
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| TokenQuery::from_params(|name| p.get(name))));
    let page = Resource::new(
        move || query.get(),
        move |query| get_tokens(workspace, query),
    );
    let location = use_location();
    let navigate = use_navigate();
    let go = Callback::new(move |(query, replace): (TokenQuery, bool)| {
        let url = query_url(&location.pathname.get_untracked(), &query);
        navigate(
            &url,
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // Members' personal tokens reaching the workspace, for those who oversee them (the
    // server refuses anyone else); read alongside the table.
    let oversees = may_manage_personal_tokens(current.untracked().role);
    let personal = Resource::new(
        || (),
        move |()| async move {
            if oversees {
                get_workspace_personal_tokens(workspace, None)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Filters query go />
        // The rows shown stay until the next page has come: typing in the search never
        // blanks the table.
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let data = match page.await {
                    Ok(data) => data,
                    Err(error) => return view! { <ErrorPanel error /> }.into_any(),
                };
                let (workspace_id, now) = (data.workspace.id, data.now);
                let name = data.workspace.name.clone();
                let personal = match personal.await {
                    Ok(Some(page)) => view! {
                        <PersonalTokens workspace_id workspace=name page now />
                    }
                    .into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! {
                        <div class="mt-10"><ErrorPanel error /></div>
                    }
                    .into_any(),
                };
                let path = location.pathname.get_untracked();
                view! {
                    <TokenTable data path go />
                    {personal}
                }
                .into_any()
            })}
        </Transition>
    }
}

/// The page's URL for `query`.
fn query_url(path: &str, query: &TokenQuery) -> String {
    let params: Vec<String> = query
        .params()
        .into_iter()
        .map(|(name, value)| format!("{name}={}", Url::escape(&value)))
        .collect();
    if params.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", params.join("&"))
    }
}

/// How long the search waits after a keystroke before asking the server.
const SEARCH_PAUSE: Duration = Duration::from_millis(250);

/// The search and the status filter, outside the table so that typing keeps its place
/// while the table below follows.
#[component]
fn Filters(query: Memo<TokenQuery>, go: Callback<(TokenQuery, bool)>) -> impl IntoView {
    let typed = RwSignal::new(query.get_untracked().search);
    // Back and forward change the URL: the box follows it.
    Effect::new(move |_| {
        let search = query.with(|q| q.search.clone());
        if typed.get_untracked().trim() != search {
            typed.set(search);
        }
    });
    let on_input = move |event| {
        let text = event_target_value(&event);
        typed.set(text.clone());
        set_timeout(
            move || {
                // Only the last keystroke of a pause asks; the history keeps no keystrokes.
                if typed.get_untracked() == text && query.get_untracked().search != text.trim() {
                    let mut next = query.get_untracked().first_page();
                    next.search = text.trim().to_owned();
                    go.run((next, true));
                }
            },
            SEARCH_PAUSE,
        );
    };
    let on_status = move |event| {
        let mut next = query.get_untracked().first_page();
        next.status = TokenStatus::parse(&event_target_value(&event));
        go.run((next, false));
    };
    view! {
        <div class="mb-3 flex flex-wrap items-center gap-3">
            <input
                type="search"
                class="w-64 rounded-md border border-slate-300 px-3 py-2 text-sm"
                placeholder="Search by label"
                aria-label="Search by label"
                prop:value=move || typed.get()
                on:input=on_input
            />
            <select
                class="rounded-md border border-slate-300 px-3 py-2 text-sm"
                aria-label="Status"
                on:change=on_status
            >
                <option value="" selected=move || query.with(|q| q.status.is_none())>"Any status"</option>
                {TokenStatus::ALL
                    .into_iter()
                    .map(|status| {
                        view! {
                            <option
                                value=status.name()
                                selected=move || query.with(|q| q.status == Some(status))
                            >
                                {status.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
fn TokenTable(data: TokensPage, path: String, go: Callback<(TokenQuery, bool)>) -> impl IntoView {
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
    let query = data.query.clone();
    let (total, start, shown_at_first) = (data.total, data.start, data.tokens.len());
    let pager = Pager {
        path,
        query: query.clone(),
        next: data.next.clone(),
        previous: data.previous.clone(),
    };
    let list = Rows::new(data.tokens);
    let tokens = list.list;
    let hidden = RwSignal::new(data.hidden_columns);
    let open = RwSignal::new(Open::Nothing);
    let columns_open = RwSignal::new(false);

    let save_columns = Action::new(|hidden: &HiddenColumns| set_hidden_columns(hidden.clone()));
    Effect::new(move |_| {
        if let Some(Err(error)) = save_columns.value().get() {
            toasts.error(format!("Your column choice was not saved: {error}"));
        }
    });

    // The page's rows in the server's order; made ones go first, deleted ones leave.
    let rows = Memo::new(move |_| tokens.get());
    // The count follows what this page made and deleted since it was read.
    let count = move || {
        let now_shown = tokens.with(Vec::len);
        let total = (total + now_shown as u64).saturating_sub(shown_at_first as u64);
        count_text(start, now_shown, total)
    };
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
    // After a bulk action: this page as the server now has it.
    let page_query = query.clone();
    let refresh = Action::new(move |_: &()| {
        let query = page_query.clone();
        async move {
            match get_tokens(workspace_id, query).await {
                Ok(page) => tokens.set(page.tokens),
                Err(error) => toasts.error(error.to_string()),
            }
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
    let sort_query = data.query.clone();
    let table = TableState {
        hidden,
        sort: sort_query.sort,
        sort_by: Callback::new(move |sort| {
            go.run((
                TokenQuery {
                    sort,
                    ..sort_query.first_page()
                },
                false,
            ))
        }),
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
            <p class="text-sm text-slate-600" data-testid="token-count">{count}</p>
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
    let unfiltered = query.search.is_empty() && query.status.is_none();
    let nothing_found = match (query.search.is_empty(), query.status) {
        (false, Some(_)) => "No token matches this search and status.",
        (false, None) => "No token's label matches your search.",
        (true, Some(_)) => "No token has this status.",
        (true, None) => "No tokens on this page.",
    };
    let listing = view! {
    <Show
        when=move || !(unfiltered && tokens.with(Vec::is_empty))
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
                <p class="p-4 text-sm text-slate-600">{nothing_found}</p>
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
        {pager.view()}
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

/// "51–100 of 10,000 tokens".
fn count_text(start: u64, shown: usize, total: u64) -> String {
    match (shown, total) {
        (_, 0) => "No tokens".to_owned(),
        (0, total) => format!("{} tokens", grouped(total)),
        (shown, total) => format!(
            "{}–{} of {} {}",
            grouped(start + 1),
            grouped(start + shown as u64),
            grouped(total),
            if total == 1 { "token" } else { "tokens" }
        ),
    }
}

/// 10000 → "10,000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The links to the pages on either side (real links: they open in a new tab, and work
/// before the page is interactive).
struct Pager {
    path: String,
    query: TokenQuery,
    next: Option<String>,
    previous: Option<String>,
}

impl Pager {
    fn view(self) -> impl IntoView {
        if self.next.is_none() && self.previous.is_none() {
            return ().into_any();
        }
        let link = |cursor: Option<String>, after: bool, text: &'static str, rel: &'static str| {
            match cursor {
                Some(cursor) => {
                    let query = TokenQuery {
                        after: after.then(|| cursor.clone()),
                        before: (!after).then_some(cursor),
                        ..self.query.first_page()
                    };
                    let href = query_url(&self.path, &query);
                    view! { <a class=SECONDARY href=href rel=rel>{text}</a> }.into_any()
                }
                None => view! {
                    <span class=format!("{SECONDARY} cursor-not-allowed opacity-50") aria-disabled="true">{text}</span>
                }
                .into_any(),
            }
        };
        view! {
            <nav class="mt-3 flex justify-end gap-2" aria-label="Pages">
                {link(self.previous.clone(), false, "Previous", "prev")}
                {link(self.next.clone(), true, "Next", "next")}
            </nav>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::{count_text, grouped};

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(10_000), "10,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(count_text(50, 50, 10_000), "51–100 of 10,000 tokens");
        assert_eq!(count_text(0, 1, 1), "1–1 of 1 token");
        assert_eq!(count_text(0, 0, 0), "No tokens");
    }
}
