//! The IP allowlist and rate limit a workspace's new tokens start with, on its Settings page
//! (Administrators and Owners). The rules are `domain::ip_allowlist` and
//! `domain::rate_limit`; the server checks them.

use leptos::prelude::*;
use uuid::Uuid;

use super::rpc::{get_token_defaults, set_default_allowed_ips, set_default_rate_limit};
use crate::{
    app::{
        frame::{
            status::ErrorPanel,
            widgets::{FormError, PRIMARY, Toasts},
        },
        tokens::fields::{AllowedIpsField, RateFields, RateLimitField, typed_entries},
    },
    domain::{error::AppError, rate_limit::RateLimit},
};

#[component]
pub fn DefaultAllowlistSection(workspace_id: Uuid) -> impl IntoView {
    let loaded = Resource::new(move || workspace_id, get_token_defaults);
    view! {
        <section class="mt-10 max-w-xl" aria-labelledby="default-allowlist">
            <h2 id="default-allowlist" class="text-lg font-semibold text-slate-900">
                "Guards for new tokens"
            </h2>
            <p class="mt-1 text-sm text-slate-600">
                "New tokens start with this IP allowlist and rate limit; whoever makes one may change them. Tokens that exist keep theirs."
            </p>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || {
                    loaded
                        .get()
                        .map(|loaded| match loaded {
                            Ok((entries, limit)) => {
                                view! {
                                    <AllowlistForm workspace_id entries />
                                    <RateLimitForm workspace_id limit />
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn AllowlistForm(workspace_id: Uuid, entries: Vec<String>) -> impl IntoView {
    let toasts = Toasts::use_();
    let allowed_ips = RwSignal::new(entries.join("\n"));
    let save = Action::new(move |text: &String| {
        let entries = typed_entries(text);
        async move {
            let saved = set_default_allowed_ips(workspace_id, entries).await?;
            toasts.success(if saved.is_empty() {
                "New tokens may be used from any address.".to_owned()
            } else {
                format!("New tokens start allowed from {}.", saved.join(", "))
            });
            allowed_ips.set(saved.join("\n"));
            Ok::<_, AppError>(saved)
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <form
            class="mt-4 space-y-3"
            on:submit=move |event| {
                event.prevent_default();
                save.dispatch(allowed_ips.get());
            }
        >
            <AllowedIpsField
                allowed_ips
                error
                field="default_allowed_ips"
                title="Allowed IP addresses"
                hint="Addresses or CIDR ranges, one a line, at most 32. Leave empty to let new tokens be used from any address."
            />
            <FormError error />
            <button type="submit" class=PRIMARY disabled=move || save.pending().get()>
                "Save allowlist"
            </button>
        </form>
    }
}

#[component]
fn RateLimitForm(workspace_id: Uuid, limit: Option<RateLimit>) -> impl IntoView {
    let toasts = Toasts::use_();
    let rate = RateFields::new(limit);
    let save = Action::new(move |(requests, window): &(String, u32)| {
        let typed = RateFields::typed(requests, *window, "default_rate_limit");
        async move {
            let saved = set_default_rate_limit(workspace_id, typed?).await?;
            toasts.success(match saved {
                Some(limit) => format!("New tokens start limited to {limit}."),
                None => "New tokens start without a rate limit.".to_owned(),
            });
            Ok::<_, AppError>(saved)
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <form
            class="mt-6 space-y-3"
            on:submit=move |event| {
                event.prevent_default();
                save.dispatch((rate.requests.get(), rate.window.get()));
            }
        >
            <RateLimitField
                rate
                error
                field="default_rate_limit"
                title="Rate limit"
                hint="Requests a new token may make per window, in bursts of up to that many. Leave empty for no limit."
            />
            <FormError error />
            <button type="submit" class=PRIMARY disabled=move || save.pending().get()>
                "Save rate limit"
            </button>
        </form>
    }
}
