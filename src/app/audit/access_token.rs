//! One token in the API access audit: its recent requests, its use per day, and revoking it.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_params_map};
use uuid::Uuid;

use super::{access::Ago, rpc::get_access_audit_detail};
use crate::{
    app::{
        frame::{
            status::{ErrorPanel, Loading},
            widgets::{DANGER, Dialog, FormError, SECONDARY, Toasts, format_time},
            workspace::use_workspace,
        },
        tokens::{cells::permissions_text, rpc::delete_token},
    },
    domain::{error::AppError, time::DAY_MS, token_format::masked},
    model::{AccessAuditDetail, TokenRequestView},
};

#[component]
pub fn ApiAccessTokenPage() -> impl IntoView {
    let workspace = use_workspace().id();
    let params = use_params_map();
    let token =
        Memo::new(move |_| params.with(|p| p.get("token").and_then(|id| id.parse::<Uuid>().ok())));
    let detail = Resource::new(
        move || token.get(),
        move |token| async move {
            match token {
                Some(token) => get_access_audit_detail(workspace, token).await,
                None => Err(AppError::NotFound),
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
    // A refused attempt stands out, and says why.
    let refused = request.refused.as_deref().map(|reason| match reason {
        "ip_not_allowed" => "Refused: address not allowed",
        "rate_limited" => "Refused: over its rate limit",
        _ => "Refused",
    });
    view! {
        <tr data-testid="request-row" data-refused=refused.is_some().then_some("true")>
            <td class="px-4 py-2"><Ago ms=request.at now /></td>
            <td class="px-4 py-2 font-mono text-xs">
                {format!("{} {}", request.method, request.path)}
                {refused
                    .map(|why| {
                        view! {
                            <span class="ml-2 rounded bg-red-100 px-1.5 py-0.5 font-sans text-xs font-medium text-red-800" data-testid="refused">
                                {why}
                            </span>
                        }
                    })}
            </td>
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
