//! The start page: the signed-in person's workspaces, and a new one.

use leptos::prelude::*;

use super::rpc::{create_workspace, list_workspaces};
use crate::{
    app::frame::{
        session::go_to,
        status::{ErrorPanel, Loading},
        widgets::{FieldError, FormError, INPUT, LABEL, PRIMARY},
    },
    model::CurrentUser,
};

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let workspaces = Resource::new(|| (), |()| list_workspaces());
    let name = RwSignal::new(String::new());
    let create = Action::new(|name: &String| {
        let name = name.clone();
        async move {
            let result = create_workspace(name).await;
            if let Ok(workspace) = &result {
                go_to(&format!("/workspace/{}/access-tokens", workspace.id));
            }
            result
        }
    });
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let may_create = use_context::<CurrentUser>().is_some_and(|user| user.may_create_workspaces);
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"Your workspaces"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match workspaces.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="mt-4 text-slate-600">
                                "You are not a member of any workspace yet. Ask a workspace's administrator to invite you."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="mt-4 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
                                {list
                                    .into_iter()
                                    .map(|workspace| {
                                        view! {
                                            <li class="flex items-center justify-between px-4 py-3">
                                                <a
                                                    class="font-medium text-indigo-700 hover:underline"
                                                    href=format!("/workspace/{}/access-tokens", workspace.id)
                                                >
                                                    {workspace.name}
                                                </a>
                                                <span class="text-sm text-slate-500">{workspace.role.label()}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
        <Show when=move || may_create>
            <form
                class="mt-8 max-w-md space-y-2"
                method="post"
                on:submit=move |event| {
                    event.prevent_default();
                    create.dispatch(name.get());
                }
            >
                <label class=LABEL>
                    "New workspace" <input class=INPUT name="workspace_name" bind:value=name />
                </label>
                <FieldError field="workspace_name" error />
                <FormError error />
                <button type="submit" class=PRIMARY disabled=move || create.pending().get()>
                    "Create workspace"
                </button>
            </form>
        </Show>
    }
}
