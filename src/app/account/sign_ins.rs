//! Sign-ins as a table: one's own on the account page, everyone's for the instance admin.

use leptos::prelude::*;

use super::rpc::get_all_sign_ins;
use crate::{
    app::frame::{
        status::{ErrorPanel, Loading},
        widgets::LocalTime,
    },
    model::SignIn,
};

#[component]
pub fn SignInTable(sign_ins: Vec<SignIn>, now: i64) -> impl IntoView {
    if sign_ins.is_empty() {
        return view! { <p class="mt-3 text-sm text-slate-500">"None yet."</p> }.into_any();
    }
    view! {
        <table class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-4 py-2">"When"</th>
                    <th class="px-4 py-2">"Account"</th>
                    <th class="px-4 py-2">"Result"</th>
                    <th class="px-4 py-2">"IP address"</th>
                    <th class="px-4 py-2">"Browser"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-200">
                {sign_ins
                    .into_iter()
                    .map(|sign_in| {
                        view! {
                            <tr data-testid="sign-in-row">
                                <td class="px-4 py-2"><LocalTime ms=sign_in.at now /></td>
                                <td class="px-4 py-2">{sign_in.email}</td>
                                <td class="px-4 py-2">{if sign_in.succeeded { "Signed in" } else { "Failed" }}</td>
                                <td class="px-4 py-2 font-mono text-xs">{sign_in.ip.unwrap_or_default()}</td>
                                <td class="px-4 py-2 text-xs text-slate-600">{sign_in.user_agent.unwrap_or_default()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn AdminSignInsPage() -> impl IntoView {
    let page = Resource::new(|| (), |()| get_all_sign_ins());
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"Sign-ins to this Tessera"</h1>
        <p class="mt-1 text-sm text-slate-600">"Every account's newest sign-ins and failed attempts (instance admin only)."</p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok((sign_ins, now)) => view! { <SignInTable sign_ins now /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
