//! The IP allowlist a workspace's new tokens start with, on its Settings page
//! (Administrators and Owners). The rules are `domain::ip_allowlist`; the server checks them.

use leptos::prelude::*;
use uuid::Uuid;

use super::rpc::{get_default_allowed_ips, set_default_allowed_ips};
use crate::{
    app::{
        frame::{
            status::ErrorPanel,
            widgets::{FormError, PRIMARY, Toasts},
        },
        tokens::fields::{AllowedIpsField, typed_entries},
    },
    domain::error::AppError,
};

#[component]
pub fn DefaultAllowlistSection(workspace_id: Uuid) -> impl IntoView {
    let loaded = Resource::new(move || workspace_id, get_default_allowed_ips);
    view! {
        <section class="mt-10 max-w-xl" aria-labelledby="default-allowlist">
            <h2 id="default-allowlist" class="text-lg font-semibold text-slate-900">
                "IP allowlist for new tokens"
            </h2>
            <p class="mt-1 text-sm text-slate-600">
                "New tokens start with this list; whoever makes one may change it. Tokens that exist keep theirs."
            </p>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || {
                    loaded
                        .get()
                        .map(|loaded| match loaded {
                            Ok(entries) => view! { <AllowlistForm workspace_id entries /> }.into_any(),
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
