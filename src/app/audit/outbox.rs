//! The workspace's notification mail, for its Owners: what was sent, what waits for a retry,
//! and what is held because no SMTP relay is configured.

use leptos::prelude::*;

use super::rpc::get_outbox;
use crate::{
    app::frame::{
        status::{ErrorPanel, Loading},
        widgets::LocalTime,
        workspace::use_workspace,
    },
    model::{OutboxEntry, OutboxPage},
};

#[component]
pub fn OutboxPage() -> impl IntoView {
    let workspace = use_workspace().id();
    let page = Resource::new(|| (), move |()| get_outbox(workspace));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <OutboxList data /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn status_text(entry: &OutboxEntry) -> String {
    match entry.status.as_str() {
        "sent" => "Sent".to_owned(),
        "held" => "Held: no SMTP relay is configured".to_owned(),
        "failed" => format!("Given up after {} tries", entry.attempts),
        _ if entry.attempts > 0 => format!("Waiting to retry ({} tries so far)", entry.attempts),
        _ => "Waiting to be sent".to_owned(),
    }
}

#[component]
fn OutboxList(data: OutboxPage) -> impl IntoView {
    let now = data.now;
    let empty = data.entries.is_empty();
    let rows = data
        .entries
        .into_iter()
        .map(|entry| {
            let status = status_text(&entry);
            view! {
                <li class="px-4 py-3" data-testid="outbox-entry" data-status=entry.status.clone()>
                    <details>
                        <summary class="flex cursor-pointer flex-wrap items-baseline justify-between gap-2">
                            <span class="font-medium">{entry.subject.clone()}</span>
                            <span class="text-xs text-slate-500">
                                {format!("To {} · {status}", entry.recipient)}
                            </span>
                        </summary>
                        <div class="mt-2 text-xs text-slate-500"><LocalTime ms=entry.created_at now /></div>
                        {entry.last_error.clone().map(|error| view! {
                            <p class="mt-2 text-xs text-red-700">{format!("Last error: {error}")}</p>
                        })}
                        <pre class="mt-2 whitespace-pre-wrap rounded bg-slate-50 p-3 text-xs">{entry.body.clone()}</pre>
                    </details>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="mb-4 text-sm text-slate-600">
            "Security notifications for this workspace: new tokens (to its Owners), tokens someone else disabled, deleted or rescoped, and expiry reminders (to their creators). Set host under [smtp] in Leptos.toml to have them sent."
        </p>
        {empty.then(|| view! { <p class="text-sm text-slate-600">"No notifications yet."</p> })}
        <ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">{rows}</ul>
    }
}
