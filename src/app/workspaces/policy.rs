//! The workspace's token policy on its Settings page: Owners change it, Administrators see
//! it. The rules themselves are `domain::policy`; the server checks every one.

use leptos::prelude::*;
use uuid::Uuid;

use super::rpc::{get_token_policy, set_token_policy};
use crate::{
    app::{
        frame::{
            status::ErrorPanel,
            widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY, Toasts, date_input_value},
        },
        tokens::fields::expiry_ms,
    },
    domain::{error::AppError, policy::TokenPolicy, role::Role},
};

#[component]
pub fn TokenPolicySection(workspace_id: Uuid, may_change: bool) -> impl IntoView {
    let policy = Resource::new(move || workspace_id, get_token_policy);
    view! {
        <section class="mt-10 max-w-xl" aria-labelledby="token-policy">
            <h2 id="token-policy" class="text-lg font-semibold text-slate-900">"Token policy"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Rules for every token that acts in this workspace. Only Owners change them; each change is in the audit log."
            </p>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || {
                    policy
                        .get()
                        .map(|loaded| match loaded {
                            Ok(policy) => {
                                view! { <PolicyForm workspace_id policy may_change /> }.into_any()
                            }
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn PolicyForm(workspace_id: Uuid, policy: TokenPolicy, may_change: bool) -> impl IntoView {
    let toasts = Toasts::use_();
    let approve = RwSignal::new(policy.approve_personal_tokens);
    let once = RwSignal::new(policy.secret_shown_once);
    let days = RwSignal::new(
        policy
            .max_lifetime_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let grace = RwSignal::new(
        policy
            .lifetime_grace_until
            .map(date_input_value)
            .unwrap_or_default(),
    );
    let max_scope = RwSignal::new(
        policy
            .max_scope
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
    );
    let save = Action::new(move |asked: &Result<TokenPolicy, AppError>| {
        let asked = asked.clone();
        async move {
            let saved = set_token_policy(workspace_id, asked?).await;
            if let Ok(saved) = &saved {
                toasts.success("The token policy is saved.");
                grace.set(
                    saved
                        .lifetime_grace_until
                        .map(date_input_value)
                        .unwrap_or_default(),
                );
            }
            saved
        }
    });
    let asked = move || -> Result<TokenPolicy, AppError> {
        let days = days.get();
        let max_lifetime_days = match days.trim() {
            "" => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                AppError::invalid(
                    "max_token_lifetime_days",
                    "Enter a whole number of days, or leave it empty for no limit.",
                )
            })?),
        };
        let grace = grace.get();
        Ok(TokenPolicy {
            approve_personal_tokens: approve.get(),
            secret_shown_once: once.get(),
            max_lifetime_days,
            lifetime_grace_until: if max_lifetime_days.is_some() {
                expiry_ms(&grace).map_err(|_| {
                    AppError::invalid(
                        "token_lifetime_grace_until",
                        "Pick a date, or leave it empty for 30 days from now.",
                    )
                })?
            } else {
                None
            },
            max_scope: max_scope.get().parse::<Role>().ok(),
        })
    };
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let disabled = !may_change;
    view! {
        <form
            class="mt-4 space-y-4"
            on:submit=move |event| {
                event.prevent_default();
                save.dispatch(asked());
            }
        >
            <label class="flex items-start gap-2 text-sm text-slate-700">
                <input type="checkbox" class="mt-1" bind:checked=approve disabled=disabled />
                <span>
                    "Personal tokens need an Administrator's approval"
                    <span class="block text-slate-500">
                        "A person's own token waits in the queue on the Access tokens page before it may act here."
                    </span>
                </span>
            </label>
            <label class="flex items-start gap-2 text-sm text-slate-700">
                <input type="checkbox" class="mt-1" bind:checked=once disabled=disabled />
                <span>
                    "Show new tokens' secrets once only"
                    <span class="block text-slate-500">
                        "Tessera keeps no copy of a new token's secret: there is no Copy button for it."
                    </span>
                </span>
            </label>
            <label class=LABEL>
                "Maximum lifetime (days)"
                <input
                    class=INPUT
                    name="max_token_lifetime_days"
                    inputmode="numeric"
                    placeholder="No limit"
                    bind:value=days
                    disabled=disabled
                />
            </label>
            <FieldError field="max_token_lifetime_days" error />
            <label class=LABEL>
                "Older tokens over the limit are refused from"
                <input
                    class=INPUT
                    type="date"
                    name="token_lifetime_grace_until"
                    bind:value=grace
                    disabled=disabled
                />
            </label>
            <p class="text-xs text-slate-500">
                "Until then they are flagged “over policy” in the table. Empty: 30 days from when the limit is set."
            </p>
            <FieldError field="token_lifetime_grace_until" error />
            <label class=LABEL>
                "Highest scope for new tokens"
                <select class=INPUT name="max_token_scope" bind:value=max_scope disabled=disabled>
                    <option value="">"Any scope"</option>
                    {Role::ALL
                        .into_iter()
                        .map(|role| view! { <option value=role.as_str()>{role.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <FieldError field="max_token_scope" error />
            <FormError error />
            {may_change
                .then(|| {
                    view! {
                        <button type="submit" class=PRIMARY disabled=move || save.pending().get()>
                            "Save token policy"
                        </button>
                    }
                })}
        </form>
    }
}
