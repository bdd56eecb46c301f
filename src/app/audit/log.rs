//! The workspace's audit log, for Administrators and Owners: newest first, filtered by
//! actor, action, target and dates, a page at a time.

use leptos::prelude::*;

use super::rpc::get_audit;
use crate::{
    app::frame::{
        status::{ErrorPanel, Loading},
        widgets::{INPUT, LABEL, LocalTime, PRIMARY, SECONDARY, timezone_offset_minutes},
        workspace::use_workspace,
    },
    domain::{
        audit::{ACTIONS, action_label, families},
        time::{DAY_MS, end_of_local_day},
    },
    model::{AuditEntry, AuditPage, AuditQuery},
};

/// The filter form's fields, as typed.
#[derive(Clone, Copy)]
struct Filters {
    actor: RwSignal<String>,
    action: RwSignal<String>,
    target: RwSignal<String>,
    from: RwSignal<String>,
    until: RwSignal<String>,
}

impl Filters {
    fn query(self) -> AuditQuery {
        let text = |signal: RwSignal<String>| Some(signal.get()).filter(|v| !v.trim().is_empty());
        let offset = timezone_offset_minutes();
        AuditQuery {
            actor: text(self.actor),
            action: text(self.action),
            target: text(self.target),
            // From the start of the first day to the end of the last, where the user is.
            from: text(self.from)
                .and_then(|date| end_of_local_day(&date, offset))
                .map(|end| end + 1 - DAY_MS),
            until: text(self.until)
                .and_then(|date| end_of_local_day(&date, offset))
                .map(|end| end + 1),
            ..AuditQuery::default()
        }
    }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let workspace = use_workspace().id();
    let filters = Filters {
        actor: RwSignal::new(String::new()),
        action: RwSignal::new(String::new()),
        target: RwSignal::new(String::new()),
        from: RwSignal::new(String::new()),
        until: RwSignal::new(String::new()),
    };
    let applied = RwSignal::new(AuditQuery::default());
    // The cursors of the pages before this one (None: the first page).
    let pages = RwSignal::new(vec![None::<String>]);
    let page = Resource::new(
        move || (applied.get(), pages.get().last().cloned().flatten()),
        move |(query, after)| get_audit(workspace, AuditQuery { after, ..query }),
    );
    let apply = move || {
        pages.set(vec![None]);
        applied.set(filters.query());
    };
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <AuditView data filters apply pages /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditView(
    data: AuditPage,
    filters: Filters,
    apply: impl Fn() + Copy + Send + Sync + 'static,
    pages: RwSignal<Vec<Option<String>>>,
) -> impl IntoView {
    let now = data.now;
    let next = data.next.clone();
    let first = move || pages.with(|p| p.len() <= 1);
    let rows = data
        .entries
        .into_iter()
        .map(|entry| view! { <AuditRow entry now /> })
        .collect_view();
    let empty = rows.is_empty();
    view! {
        <form
            class="mb-4 grid grid-cols-2 gap-3 md:grid-cols-6"
            role="search"
            aria-label="Filter the audit log"
            on:submit=move |event| {
                event.prevent_default();
                apply();
            }
        >
            <label class=LABEL>
                "Actor" <input class=INPUT name="actor" placeholder="email or token" bind:value=filters.actor />
            </label>
            <label class=LABEL>
                "Action"
                <select class=INPUT name="action" on:change=move |event| filters.action.set(event_target_value(&event))>
                    <option value="" selected=move || filters.action.with(String::is_empty)>"Any"</option>
                    {families()
                        .into_iter()
                        .map(|family| {
                            view! {
                                <option value=family selected=move || filters.action.with(|a| a == family)>
                                    {format!("Any {family} action")}
                                </option>
                            }
                        })
                        .collect_view()}
                    {ACTIONS
                        .into_iter()
                        .map(|(action, label)| {
                            view! {
                                <option value=action selected=move || filters.action.with(|a| a == action)>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class=LABEL>
                "Target" <input class=INPUT name="target" placeholder="label, email or id" bind:value=filters.target />
            </label>
            <label class=LABEL>"From" <input class=INPUT type="date" name="from" bind:value=filters.from /></label>
            <label class=LABEL>"Until" <input class=INPUT type="date" name="until" bind:value=filters.until /></label>
            <div class="flex items-end">
                <button type="submit" class=PRIMARY>"Filter"</button>
            </div>
        </form>
        <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-4 py-2">"When"</th>
                    <th class="px-4 py-2">"Actor"</th>
                    <th class="px-4 py-2">"Action"</th>
                    <th class="px-4 py-2">"Target"</th>
                    <th class="px-4 py-2">"From"</th>
                    <th class="px-4 py-2">"Changes"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-200">{rows}</tbody>
        </table>
        {empty.then(|| view! { <p class="mt-4 text-sm text-slate-600">"No audit records match."</p> })}
        <div class="mt-4 flex justify-between">
            <button
                type="button"
                class=SECONDARY
                disabled=first
                on:click=move |_| pages.update(|p| { p.pop(); })
            >
                "← Newer"
            </button>
            <button
                type="button"
                class=SECONDARY
                disabled=next.is_none()
                on:click=move |_| {
                    let after = next.clone();
                    pages.update(|p| p.push(after));
                }
            >
                "Older →"
            </button>
        </div>
    }
}

#[component]
fn AuditRow(entry: AuditEntry, now: i64) -> impl IntoView {
    let actor_kind = match entry.actor_kind.as_str() {
        "token" => "token",
        "system" => "",
        _ => "user",
    };
    let from = [entry.ip.clone(), entry.user_agent.clone()];
    view! {
        <tr data-testid="audit-row" data-action=entry.action.clone()>
            <td class="px-4 py-3"><LocalTime ms=entry.at now /></td>
            <td class="px-4 py-3">
                <span class="font-medium">{entry.actor.clone()}</span>
                {(!actor_kind.is_empty())
                    .then(|| view! { <span class="ml-1 text-xs text-slate-500">{actor_kind}</span> })}
            </td>
            <td class="px-4 py-3">{action_label(&entry.action).to_owned()}</td>
            <td class="px-4 py-3">{entry.target.clone().unwrap_or_default()}</td>
            <td class="px-4 py-3 text-xs text-slate-600">
                <span class="block font-mono">{from[0].clone().unwrap_or_else(|| "—".into())}</span>
                <span class="block max-w-48 truncate" title=from[1].clone()>{from[1].clone()}</span>
            </td>
            <td class="px-4 py-3 font-mono text-xs text-slate-600">
                {entry.changes_summary.clone()}
                <TokenLinks links=entry.token_links.clone() />
            </td>
        </tr>
    }
}

/// The tokens a record names (a rotation's successor or predecessor), as links to their
/// page in the API access audit.
#[component]
fn TokenLinks(links: Vec<(String, uuid::Uuid)>) -> impl IntoView {
    let workspace = use_workspace().id();
    links
        .into_iter()
        .map(|(how, id)| {
            view! {
                <a
                    class="block font-sans text-indigo-700 hover:underline"
                    data-testid="audit-token-link"
                    href=format!("/workspace/{workspace}/api-access/{id}")
                >
                    // The end of the id: a v7 id begins with its time, alike for tokens
                    // made together.
                    {format!("{how} token …{}", &id.simple().to_string()[24..])}
                </a>
            }
        })
        .collect_view()
}
