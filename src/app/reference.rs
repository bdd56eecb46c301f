//! The API reference: every `/api/v1` endpoint, read from the OpenAPI document the server
//! generates, so the page and the contract cannot drift apart; and its server function.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::app::frame::status::{ErrorPanel, Loading};
use crate::domain::error::AppError;

#[server(prefix = "/rpc", endpoint = "api_reference", input = Json)]
pub async fn api_reference() -> Result<Vec<crate::model::ApiOperation>, AppError> {
    use crate::server::{api::openapi, web};
    web::person(async |_| Ok(openapi::operations())).await
}

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let operations = Resource::new(|| (), |()| api_reference());
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"API reference"</h1>
        <p class="mt-2 max-w-3xl text-sm text-slate-600">
            "Call the API with a token from a workspace's Access tokens page: "
            <code class="rounded bg-slate-100 px-1">"Authorization: Bearer tsr_…"</code>
            ". A token acts in its own workspace with its scope, narrowed to its permissions. Times are RFC 3339 UTC; errors are "
            <code class="rounded bg-slate-100 px-1">"application/problem+json"</code> ". The machine-readable contract is "
            <a class="text-indigo-700 underline" href="/api/v1/openapi.json">"/api/v1/openapi.json"</a> " (OpenAPI 3.1)."
        </p>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match operations.await {
                    Ok(list) => view! {
                        <div class="mt-6 space-y-4">
                            {list
                                .into_iter()
                                .map(|op| {
                                    let method_class = match op.method.as_str() {
                                        "GET" => "bg-sky-100 text-sky-800",
                                        "POST" => "bg-emerald-100 text-emerald-800",
                                        "PATCH" => "bg-amber-100 text-amber-800",
                                        _ => "bg-red-100 text-red-800",
                                    };
                                    view! {
                                        <section class="rounded-lg border border-slate-200 bg-white p-4" data-testid="api-operation">
                                            <h2 class="flex items-center gap-3 font-mono text-sm">
                                                <span class=format!("rounded px-2 py-0.5 text-xs font-semibold {method_class}")>
                                                    {op.method.clone()}
                                                </span>
                                                {op.path.clone()}
                                                <span class="ml-auto font-sans text-xs text-slate-500">{op.tag.clone()}</span>
                                            </h2>
                                            <p class="mt-2 text-sm">{op.summary.clone()}</p>
                                            {(!op.description.is_empty() && op.description != op.summary)
                                                .then(|| view! { <p class="mt-1 text-sm text-slate-600">{op.description.clone()}</p> })}
                                            {(!op.parameters.is_empty()).then(|| view! {
                                                <ul class="mt-2 list-disc pl-5 text-xs text-slate-600">
                                                    {op.parameters.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}
                                                </ul>
                                            })}
                                            {op.request.clone().map(|name| view! {
                                                <p class="mt-2 text-xs text-slate-600">"Body: " <code>{name}</code></p>
                                            })}
                                            <dl class="mt-2 grid grid-cols-[4rem_1fr] gap-x-2 text-xs">
                                                {op.responses.iter().map(|(code, description)| view! {
                                                    <dt class="font-mono text-slate-500">{code.clone()}</dt>
                                                    <dd>{description.clone()}</dd>
                                                }).collect_view()}
                                            </dl>
                                        </section>
                                    }
                                })
                                .collect_view()}
                        </div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
