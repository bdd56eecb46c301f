//! The API Access Audit (Administrators and Owners): every token with who made it and
//! where it was last used, searchable; a token's recent requests and its use per day, and
//! revoking it.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_params_map};
use uuid::Uuid;

use super::{
    session::{ErrorPanel, Loading, SignedIn},
    widgets::{
        DANGER, Dialog, FieldError, FormError, INPUT, LABEL, PRIMARY, SECONDARY, Toasts,
        format_time, use_hydrated,
    },
    workspaces::{WorkspaceNav, workspace_param},
};
use crate::{
    domain::{
        api_permission::{ApiPermission, PermissionSet},
        error::AppError,
        role::Role,
        time::{DAY_MS, relative},
        token_format::masked,
    },
    model::{
        AccessAuditDetail, AccessAuditPage, AccessAuditQuery, AccessAuditRow, TokenRequestView,
    },
    rpc::{delete_token, get_access_audit, get_access_audit_detail},
};

#[component]
pub fn ApiAccessPage() -> impl IntoView {
    view! {
        <SignedIn>
            <ApiAccess />
        </SignedIn>
    }
}

#[component]
pub fn ApiAccessTokenPage() -> impl IntoView {
    view! {
        <SignedIn>
            <ApiAccessToken />
        </SignedIn>
    }
}

/// "3 hours ago", with the exact time on hover.
#[component]
fn Ago(ms: i64, now: i64) -> impl IntoView {
    let hydrated = use_hydrated();
    view! {
        <span class="whitespace-nowrap" title=move || format_time(ms, hydrated.get())>
            {relative(ms, now)}
        </span>
    }
}

fn permissions_text(set: PermissionSet) -> String {
    set.iter()
        .map(ApiPermission::as_str)
        .collect::<Vec<_>>()
        .join(", ")
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
        }
    }
}

#[component]
fn ApiAccess() -> impl IntoView {
    let workspace = workspace_param();
    let search = Search {
        creator: RwSignal::new(String::new()),
        token: RwSignal::new(String::new()),
        ip: RwSignal::new(String::new()),
        scopes: RwSignal::new(Vec::new()),
        permissions: RwSignal::new(PermissionSet::EMPTY),
        admin: RwSignal::new(false),
    };
    let applied = RwSignal::new(AccessAuditQuery::default());
    let page = Resource::new(
        move || (workspace.get(), applied.get()),
        |(workspace, query)| async move {
            match workspace {
                Some(id) => get_access_audit(id, query).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // A refused search (a bad address, say) keeps the form and says what is wrong.
    let error = Signal::derive(move || page.get().and_then(Result::err));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <AccessList data search applied /> }.into_any(),
                    Err(AppError::Invalid(_)) => view! {
                        <SearchForm search applied error />
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
) -> impl IntoView {
    let now = data.now;
    let workspace_id = data.workspace.id;
    let count = data.rows.len();
    let rows = data
        .rows
        .into_iter()
        .map(|row| view! { <AccessRow row now workspace_id /> })
        .collect_view();
    view! {
        <WorkspaceNav workspace=data.workspace current="API access audit" />
        <SearchForm search applied error=Signal::derive(|| None) />
        <p class="mb-2 text-sm text-slate-600" data-testid="access-count">
            {match count {
                1 => "1 token".to_owned(),
                n => format!("{n} tokens"),
            }}
        </p>
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
}

#[component]
fn AccessRow(row: AccessAuditRow, now: i64, workspace_id: Uuid) -> impl IntoView {
    let token = row.token;
    let href = format!("/workspace/{workspace_id}/api-access/{}", token.id);
    view! {
        <tr data-testid="access-row">
            <td class="px-4 py-3">
                <a class="font-medium text-indigo-700 hover:underline" href=href>{token.label.clone()}</a>
                <code class="block font-mono text-xs text-slate-500">{masked(&token.display_prefix)}</code>
            </td>
            <td class="px-4 py-3">
                <span class="block">{token.scope.label()}</span>
                <span class="block text-xs text-slate-500">{permissions_text(token.effective_permissions)}</span>
            </td>
            <td class="px-4 py-3">
                <span class="block">{token.created_by.clone().unwrap_or_else(|| "A former member".into())}</span>
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

#[component]
fn ApiAccessToken() -> impl IntoView {
    let workspace = workspace_param();
    let params = use_params_map();
    let token =
        Memo::new(move |_| params.with(|p| p.get("token").and_then(|id| id.parse::<Uuid>().ok())));
    let detail = Resource::new(
        move || (workspace.get(), token.get()),
        |(workspace, token)| async move {
            match (workspace, token) {
                (Some(workspace), Some(token)) => get_access_audit_detail(workspace, token).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(data) => view! { <TokenDetail data /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TokenDetail(data: AccessAuditDetail) -> impl IntoView {
    let toasts = Toasts::use_();
    let now = data.now;
    let workspace_id = data.workspace.id;
    let token = data.row.token.clone();
    let token_id = token.id;
    let label = StoredValue::new(token.label.clone());
    let list = format!("/workspace/{workspace_id}/api-access");
    let confirming = RwSignal::new(false);
    let revoked = RwSignal::new(false);
    let revoke = Action::new(move |_: &()| async move {
        let result = delete_token(workspace_id, token_id).await;
        match &result {
            Ok(()) => {
                toasts.success(format!(
                    "{} was revoked. It stops working at once.",
                    label.get_value()
                ));
                // Back to the list within the app, so the notice stays on screen.
                revoked.set(true);
            }
            Err(error) => toasts.error(error.to_string()),
        }
        result
    });
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let most_recent = data.recent.first().cloned();
    let requests = data
        .recent
        .iter()
        .cloned()
        .map(|request| view! { <RequestRow request now /> })
        .collect_view();
    let back = list.clone();
    view! {
        <Show when=move || revoked.get()>
            <Redirect path=back.clone() />
        </Show>
        <WorkspaceNav workspace=data.workspace current="API access audit" />
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href=list>"← All tokens"</a></p>
        <div class="mb-6 flex items-start justify-between">
            <div>
                <h2 class="text-xl font-semibold">{token.label.clone()}</h2>
                <code class="font-mono text-xs text-slate-500">{masked(&token.display_prefix)}</code>
            </div>
            <button type="button" class=DANGER on:click=move |_| confirming.set(true)>"Revoke"</button>
        </div>
        <dl class="mb-6 grid grid-cols-2 gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm md:grid-cols-4">
            <div><dt class="text-slate-500">"Scope"</dt><dd>{token.scope.label()}</dd></div>
            <div class="col-span-2">
                <dt class="text-slate-500">"Permissions"</dt>
                <dd data-testid="detail-permissions">{permissions_text(token.effective_permissions)}</dd>
            </div>
            <div><dt class="text-slate-500">"Status"</dt><dd>{token.status.label()}</dd></div>
            <div>
                <dt class="text-slate-500">"Created by"</dt>
                <dd>{token.created_by.clone().unwrap_or_else(|| "A former member".into())}</dd>
                <dd class="text-xs text-slate-500">{data.row.creator_email.clone()}</dd>
            </div>
            <div><dt class="text-slate-500">"Created"</dt><dd><Ago ms=token.created_at now /></dd></div>
            <div>
                <dt class="text-slate-500">"Expires"</dt>
                <dd>{match token.expires_at {
                    Some(at) => view! { <Ago ms=at now /> }.into_any(),
                    None => view! { <span>"Never"</span> }.into_any(),
                }}</dd>
            </div>
        </dl>
        <h3 class="mb-2 font-semibold">"Most recent request"</h3>
        {match most_recent {
            Some(request) => view! {
                <p class="mb-6 text-sm" data-testid="most-recent-request">
                    <Ago ms=request.at now />
                    " · "<code class="font-mono">{format!("{} {}", request.method, request.path)}</code>
                    " · from "<span class="font-mono">{request.ip.clone().unwrap_or_else(|| "unknown address".into())}</span>
                    " · "<span class="text-slate-600">{request.user_agent.clone().unwrap_or_else(|| "no user agent".into())}</span>
                </p>
            }.into_any(),
            None => view! { <p class="mb-6 text-sm text-slate-500">"This token has not been used."</p> }.into_any(),
        }}
        <h3 class="mb-2 font-semibold">"Requests per day, last 30 days"</h3>
        <DailyChart daily=data.daily first_day=data.first_day />
        <h3 class="mb-2 mt-6 font-semibold">"Last 20 requests"</h3>
        <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-4 py-2">"When"</th>
                    <th class="px-4 py-2">"Request"</th>
                    <th class="px-4 py-2">"IP address"</th>
                    <th class="px-4 py-2">"User agent"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-200">{requests}</tbody>
        </table>
        <Show when=move || confirming.get()>
            <Dialog title="Revoke token".to_owned() on_close=move || confirming.set(false)>
                <p class="text-sm text-slate-700">
                    {format!(
                        "Revoke {}? Every request with it is refused from now on. This cannot be undone.",
                        label.get_value(),
                    )}
                </p>
                <FormError error=revoke_error />
                <div class="mt-6 flex justify-end gap-3">
                    <button type="button" class=SECONDARY on:click=move |_| confirming.set(false)>"Cancel"</button>
                    <button
                        type="button"
                        class=DANGER
                        disabled=move || revoke.pending().get()
                        on:click=move |_| { revoke.dispatch(()); }
                    >
                        "Revoke token"
                    </button>
                </div>
            </Dialog>
        </Show>
    }
}

#[component]
fn RequestRow(request: TokenRequestView, now: i64) -> impl IntoView {
    view! {
        <tr data-testid="request-row">
            <td class="px-4 py-2"><Ago ms=request.at now /></td>
            <td class="px-4 py-2 font-mono text-xs">{format!("{} {}", request.method, request.path)}</td>
            <td class="px-4 py-2 font-mono text-xs">{request.ip.unwrap_or_else(|| "—".into())}</td>
            <td class="max-w-64 truncate px-4 py-2 text-xs text-slate-600">{request.user_agent.unwrap_or_default()}</td>
        </tr>
    }
}

/// Thirty bars, one per UTC day, scaled to the busiest; each says its day and count.
/// SVG: its sizes are attributes, which the page's CSP allows (inline styles it does not).
#[component]
fn DailyChart(daily: Vec<i64>, first_day: i64) -> impl IntoView {
    let most = daily.iter().copied().max().unwrap_or(0).max(1);
    let total: i64 = daily.iter().sum();
    let bars = daily
        .into_iter()
        .enumerate()
        .map(|(i, requests)| {
            let day = format_time(first_day + i as i64 * DAY_MS, false);
            let label = format!("{}: {requests} requests", &day[..10]);
            let height = if requests == 0 {
                0
            } else {
                (requests * 96 / most).max(3)
            };
            view! {
                <rect
                    class="fill-indigo-500"
                    data-testid="day-bar"
                    data-requests=requests
                    x=(i * 10 + 1).to_string()
                    y=(100 - height).to_string()
                    width="8"
                    height=height.to_string()
                >
                    <title>{label}</title>
                </rect>
            }
        })
        .collect_view();
    let summary = format!("{total} requests in the last 30 days");
    view! {
        <figure class="rounded-lg border border-slate-200 bg-white p-4">
            <svg viewBox="0 0 300 100" class="h-24 w-full" preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                <line x1="0" y1="100" x2="300" y2="100" class="stroke-slate-300" stroke-width="1" />
                {bars}
            </svg>
            <figcaption class="mt-2 text-xs text-slate-500">{format!("{summary} (UTC days; today on the right)")}</figcaption>
        </figure>
    }
}
