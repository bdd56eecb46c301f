//! The API access audit (Administrators and Owners): every token, the workspace's own and
//! members' personal ones reaching it, with who made (or owns) it and where it was last
//! used, searchable.

use leptos::prelude::*;
use uuid::Uuid;

use super::rpc::get_access_audit;
use crate::{
    app::{
        frame::{
            status::{ErrorPanel, Loading},
            widgets::{
                FieldError, FormError, INPUT, LABEL, PRIMARY, SECONDARY, format_time, use_hydrated,
            },
            workspace::use_workspace,
        },
        tokens::cells::permissions_text,
    },
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        error::AppError,
        role::Role,
        time::relative,
        token_format::masked,
    },
    model::{AccessAuditPage, AccessAuditQuery, AccessAuditRow},
};

/// "3 hours ago", with the exact time on hover.
#[component]
pub fn Ago(ms: i64, now: i64) -> impl IntoView {
    let hydrated = use_hydrated();
    view! {
        <span class="whitespace-nowrap" title=move || format_time(ms, hydrated.get())>
            {relative(ms, now)}
        </span>
    }
}

/// The search form's fields, as typed and ticked.
#[derive(Clone, Copy)]
struct Search {
    creator: RwSignal<String>,
    token: RwSignal<String>,
    ip: RwSignal<String>,
    scopes: RwSignal<Vec<Role>>,
    permissions: RwSignal<PermissionSet>,
    admin: RwSignal<bool>,
}

impl Search {
    fn query(self) -> AccessAuditQuery {
        let text = |signal: RwSignal<String>| Some(signal.get()).filter(|v| !v.trim().is_empty());
        AccessAuditQuery {
            creator: text(self.creator),
            token: text(self.token),
            ip: text(self.ip),
            scopes: self.scopes.get(),
            permissions: self.permissions.get(),
            admin: self.admin.get(),
            after: None,
        }
    }
}

/// Where the list is: the pages before this one (each's cursor and first row's place) and
/// this one's first row's place.
#[derive(Clone, Copy)]
struct Paging {
    back: RwSignal<Vec<(Option<String>, u64)>>,
    start: RwSignal<u64>,
}

impl Paging {
    /// A new search starts at the first page.
    fn reset(self) {
        self.back.set(Vec::new());
        self.start.set(0);
    }
}

#[component]
pub fn ApiAccessPage() -> impl IntoView {
    let workspace = use_workspace().id();
    let search = Search {
        creator: RwSignal::new(String::new()),
        token: RwSignal::new(String::new()),
        ip: RwSignal::new(String::new()),
        scopes: RwSignal::new(Vec::new()),
        permissions: RwSignal::new(PermissionSet::EMPTY),
        admin: RwSignal::new(false),
    };
    let applied = RwSignal::new(AccessAuditQuery::default());
    let paging = Paging {
        back: RwSignal::new(Vec::new()),
        start: RwSignal::new(0),
    };
    let page = Resource::new(
        move || applied.get(),
        move |query| get_access_audit(workspace, query),
    );
    // A refused search (a bad address, say) keeps the form and says what is wrong.
    let error = Signal::derive(move || page.get().and_then(Result::err));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <AccessList data search applied paging /> }.into_any(),
                    Err(AppError::Invalid(_)) => view! {
                        <SearchForm search applied paging error />
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SearchForm(
    search: Search,
    applied: RwSignal<AccessAuditQuery>,
    paging: Paging,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let scope_box = move |role: Role| {
        view! {
            <label class="mr-3 inline-flex items-center gap-1 text-sm">
                <input
                    type="checkbox"
                    name="scope"
                    value=role.as_str()
                    prop:checked=move || search.scopes.with(|s| s.contains(&role))
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        search.scopes.update(|s| {
                            s.retain(|r| *r != role);
                            if on {
                                s.push(role);
                            }
                        });
                    }
                />
                {role.label()}
            </label>
        }
    };
    let permission_box = move |permission: ApiPermission| {
        view! {
            <label class="mr-3 inline-flex items-center gap-1 text-sm">
                <input
                    type="checkbox"
                    name="permission"
                    value=permission.as_str()
                    prop:checked=move || search.permissions.with(|p| p.contains(permission))
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        search.permissions.update(|set| {
                            *set = set.iter().filter(|p| *p != permission).chain(on.then_some(permission)).collect();
                        });
                    }
                />
                <code class="text-xs">{permission.as_str()}</code>
            </label>
        }
    };
    view! {
        <form
            class="mb-4 space-y-3 rounded-lg border border-slate-200 bg-white p-4"
            role="search"
            aria-label="Search tokens"
            on:submit=move |event| {
                event.prevent_default();
                paging.reset();
                applied.set(search.query());
            }
        >
            <div class="grid grid-cols-1 gap-3 md:grid-cols-3">
                <label class=LABEL>
                    "Token value"
                    <input class=INPUT name="token" autocomplete="off" placeholder="Paste a token, or its first characters" bind:value=search.token />
                </label>
                <label class=LABEL>
                    "Creator" <input class=INPUT name="creator" placeholder="Name or email" bind:value=search.creator />
                </label>
                <label class=LABEL>
                    "IP address" <input class=INPUT name="ip" placeholder="203.0.113.7 or 10.0.0.0/8" bind:value=search.ip />
                </label>
            </div>
            <FieldError field="ip" error />
            <fieldset>
                <legend class="text-sm font-medium text-slate-700">"Scopes"</legend>
                {Role::ALL.into_iter().map(scope_box).collect_view()}
                <label class="inline-flex items-center gap-1 text-sm font-medium">
                    <input type="checkbox" name="admin" bind:checked=search.admin />
                    "Admin tokens only (Administrator or Owner)"
                </label>
            </fieldset>
            <fieldset>
                <legend class="text-sm font-medium text-slate-700">"Holding every one of these permissions"</legend>
                {ApiPermission::ALL.into_iter().map(permission_box).collect_view()}
            </fieldset>
            <FormError error />
            <div class="flex gap-3">
                <button type="submit" class=PRIMARY>"Search"</button>
                <button
                    type="button"
                    class=SECONDARY
                    on:click=move |_| {
                        search.creator.set(String::new());
                        search.token.set(String::new());
                        search.ip.set(String::new());
                        search.scopes.set(Vec::new());
                        search.permissions.set(PermissionSet::EMPTY);
                        search.admin.set(false);
                        paging.reset();
                        applied.set(AccessAuditQuery::default());
                    }
                >
                    "Clear"
                </button>
            </div>
        </form>
    }
}

#[component]
fn AccessList(
    data: AccessAuditPage,
    search: Search,
    applied: RwSignal<AccessAuditQuery>,
    paging: Paging,
) -> impl IntoView {
    let now = data.now;
    let workspace_id = data.workspace.id;
    let (shown, total) = (data.rows.len() as u64, data.total);
    let start = paging.start.get_untracked();
    let rows = data
        .rows
        .into_iter()
        .map(|row| view! { <AccessRow row now workspace_id /> })
        .collect_view();
    let next = data.next;
    let has_next = next.is_some();
    let to_next = move |_| {
        let here = applied.with_untracked(|q| q.after.clone());
        paging.back.update(|back| back.push((here, start)));
        paging.start.set(start + shown);
        applied.update(|q| q.after = next.clone());
    };
    let to_previous = move |_| {
        if let Some((after, start)) = paging.back.try_update(Vec::pop).flatten() {
            paging.start.set(start);
            applied.update(|q| q.after = after);
        }
    };
    let has_previous = start > 0;
    view! {
        <SearchForm search applied paging error=Signal::derive(|| None) />
        <div class="mb-2 flex items-center justify-between gap-4 text-sm text-slate-600">
            <p data-testid="access-count">
                {if start == 0 && shown == total {
                    match total {
                        1 => "1 token".to_owned(),
                        n => format!("{n} tokens"),
                    }
                } else if shown == 0 {
                    format!("None of {total} tokens on this page")
                } else {
                    format!("{}\u{2013}{} of {total} tokens", start + 1, start + shown)
                }}
            </p>
            {(has_next || has_previous).then(|| view! {
                <nav class="flex gap-2" aria-label="Pages">
                    <button type="button" class=SECONDARY data-testid="access-previous" disabled=!has_previous on:click=to_previous>
                        "Previous"
                    </button>
                    <button type="button" class=SECONDARY data-testid="access-next" disabled=!has_next on:click=to_next>
                        "Next"
                    </button>
                </nav>
            })}
        </div>
        {if total == 0 {
            let searched = applied.with_untracked(|q| {
                *q != AccessAuditQuery { after: q.after.clone(), ..Default::default() }
            });
            view! {
                <p class="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600" data-testid="access-empty">
                    {if searched { "No token matches this search." } else { "This workspace has no tokens yet." }}
                </p>
            }
            .into_any()
        } else {
            view! {
                <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
                    <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                        <tr>
                            <th class="px-4 py-2">"Token"</th>
                            <th class="px-4 py-2">"Scope and permissions"</th>
                            <th class="px-4 py-2">"Created by"</th>
                            <th class="px-4 py-2">"Created"</th>
                            <th class="px-4 py-2">"Last used"</th>
                            <th class="px-4 py-2">"Last IP"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-200">{rows}</tbody>
                </table>
            }
            .into_any()
        }}
    }
}

#[component]
fn AccessRow(row: AccessAuditRow, now: i64, workspace_id: Uuid) -> impl IntoView {
    let token = row.token;
    // A personal token's requests include those in its owner's other workspaces: it has no
    // page of its own here.
    let label = if row.personal {
        view! { <span class="font-medium">{token.label.clone()}</span> }.into_any()
    } else {
        let href = format!("/workspace/{workspace_id}/api-access/{}", token.id);
        view! { <a class="font-medium text-indigo-700 hover:underline" href=href>{token.label.clone()}</a> }
            .into_any()
    };
    let by = token
        .created_by
        .clone()
        .unwrap_or_else(|| "A former member".into());
    view! {
        <tr data-testid="access-row" data-personal=row.personal.to_string()>
            <td class="px-4 py-3">
                {label}
                {row.personal.then(|| view! {
                    <span class="ml-2 rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800" data-testid="personal-badge">
                        "Personal"
                    </span>
                })}
                <code class="block font-mono text-xs text-slate-500">{masked(&token.display_prefix)}</code>
            </td>
            <td class="px-4 py-3">
                <span class="block">{token.scope.label()}</span>
                <span class="block text-xs text-slate-500">{permissions_text(token.effective_permissions)}</span>
            </td>
            <td class="px-4 py-3">
                <span class="block">{if row.personal { format!("{by}'s own token") } else { by }}</span>
                <span class="block text-xs text-slate-500">{row.creator_email.clone()}</span>
            </td>
            <td class="px-4 py-3"><Ago ms=token.created_at now /></td>
            <td class="px-4 py-3">
                {match token.last_used_at {
                    Some(at) => view! { <Ago ms=at now /> }.into_any(),
                    None => view! { <span class="text-slate-500">"Never used"</span> }.into_any(),
                }}
            </td>
            <td class="px-4 py-3 font-mono text-xs">{token.last_used_ip.clone().unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}
