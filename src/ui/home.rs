//! The start page and the server function it calls.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the server reports about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub database: String,
    pub schema_version: i64,
}

#[server(prefix = "/rpc", endpoint = "server_status")]
pub async fn server_status() -> Result<StatusReport, ServerFnError> {
    use crate::server::state::AppState;

    let state = expect_context::<AppState>();
    let schema_version = state.db.schema_version().await.map_err(|error| {
        // The details are for the log; the browser gets a sentence it can show.
        tracing::error!("server status: {error}");
        ServerFnError::new("The database is not answering right now.")
    })?;
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: state.db.engine().name().to_owned(),
        schema_version,
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    let check = Action::new(|_: &()| server_status());
    let checks = RwSignal::new(0u32);

    view! {
        <section class="rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Tessera is running"</h1>
            <p class="mt-2 max-w-2xl text-slate-600">
                "Tessera keeps a workspace's API access tokens: who holds which, what they may do, and when they were last used."
            </p>
            <div class="mt-6 flex items-center gap-4">
                <button
                    type="button"
                    class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60"
                    disabled=move || check.pending().get()
                    on:click=move |_| {
                        checks.update(|n| *n += 1);
                        check.dispatch(());
                    }
                >
                    "Check server"
                </button>
                <span class="text-sm text-slate-500" data-testid="check-count">
                    {move || match checks.get() {
                        0 => "Not checked yet".to_owned(),
                        1 => "Checked once".to_owned(),
                        n => format!("Checked {n} times"),
                    }}
                </span>
            </div>
            <div class="mt-4" data-testid="server-status" aria-live="polite">
                {move || {
                    if check.pending().get() {
                        return view! { <p class="text-slate-500">"Checking…"</p> }.into_any();
                    }
                    match check.value().get() {
                        None => ().into_any(),
                        Some(Ok(status)) => {
                            view! {
                                <dl class="grid max-w-md grid-cols-2 gap-x-6 gap-y-1 text-sm">
                                    <dt class="text-slate-500">"Version"</dt>
                                    <dd>{status.version}</dd>
                                    <dt class="text-slate-500">"Database"</dt>
                                    <dd>{status.database}</dd>
                                    <dt class="text-slate-500">"Schema version"</dt>
                                    <dd>{status.schema_version}</dd>
                                </dl>
                            }
                                .into_any()
                        }
                        Some(Err(error)) => {
                            view! {
                                <p role="alert" class="text-sm text-red-700">
                                    {error.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                }}
            </div>
        </section>
    }
}
