//! The start page (the user's workspaces) and the members page.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{
    session::{ErrorPanel, Loading, SignedIn, go_to},
    widgets::{Dialog, FieldError, FormError, INPUT, LABEL, PRIMARY, SECONDARY, SMALL, Toasts},
};
use crate::{
    domain::{
        error::AppError,
        permission::{may_audit, may_change_settings},
        role::Role,
    },
    model::{Member, MembersPage as MembersData, WorkspaceSummary},
    rpc::{
        add_member, change_member_role, create_workspace, get_members, get_workspace,
        list_workspaces, remove_member, rename_workspace,
    },
};

/// The workspace id in the address, if it is one.
pub fn workspace_param() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("workspace").and_then(|id| id.parse().ok())))
}

/// The workspace's title and its tabs (the audit and settings tabs only for those who may
/// use them; the server checks again).
#[component]
pub fn WorkspaceNav(workspace: WorkspaceSummary, current: &'static str) -> impl IntoView {
    let tab = |name: &'static str, path: String| {
        let class = if name == current {
            "border-b-2 border-indigo-600 px-1 pb-2 text-sm font-medium text-indigo-700"
        } else {
            "border-b-2 border-transparent px-1 pb-2 text-sm font-medium text-slate-500 hover:text-slate-800"
        };
        view! {
            <a href=path class=class aria-current=(name == current).then_some("page")>
                {name}
            </a>
        }
    };
    view! {
        <div class="mb-6">
            <p class="text-sm text-slate-500">
                <a href="/" class="hover:underline">"Workspaces"</a>
                " / "
                <span data-testid="workspace-role">{format!("You are {}", workspace.role.label())}</span>
            </p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight">{workspace.name.clone()}</h1>
            <nav class="mt-4 flex gap-6 border-b border-slate-200">
                {tab("Access tokens", format!("/workspace/{}/access-tokens", workspace.id))}
                {tab("Members", format!("/workspace/{}/members", workspace.id))}
                {may_audit(workspace.role)
                    .then(|| {
                        view! {
                            {tab("API access audit", format!("/workspace/{}/api-access", workspace.id))}
                            {tab("Audit log", format!("/workspace/{}/audit-log", workspace.id))}
                        }
                    })}
                {(workspace.role == Role::Owner)
                    .then(|| tab("Outbox", format!("/workspace/{}/outbox", workspace.id)))}
                {may_change_settings(workspace.role)
                    .then(|| tab("Settings", format!("/workspace/{}/settings", workspace.id)))}
            </nav>
        </div>
    }
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    view! {
        <SignedIn>
            <WorkspaceList />
        </SignedIn>
    }
}

#[component]
fn WorkspaceList() -> impl IntoView {
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
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"Your workspaces"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match workspaces.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="mt-4 text-slate-600">
                                "You are not a member of any workspace yet. Create one below, or ask an administrator to add you."
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
        <form
            class="mt-8 max-w-md space-y-2"
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
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    view! {
        <SignedIn>
            <Members />
        </SignedIn>
    }
}

#[component]
fn Members() -> impl IntoView {
    let workspace = workspace_param();
    let version = RwSignal::new(0u32);
    let page = Resource::new(
        move || (workspace.get(), version.get()),
        |(workspace, _)| async move {
            match workspace {
                Some(id) => get_members(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let reload = move || version.update(|v| *v += 1);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <MemberTable data reload /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MemberTable(
    data: MembersData,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = Toasts::use_();
    let workspace_id = data.workspace.id;
    let can_manage = data.can_manage;
    let grantable = StoredValue::new(data.grantable_roles.clone());
    let adding = RwSignal::new(false);
    let change = Action::new(move |(member, role): &(Member, Role)| {
        let (member, role) = (member.clone(), *role);
        async move {
            match change_member_role(workspace_id, member.user_id, role).await {
                Ok(updated) => {
                    toasts.success(format!("{} is now {}.", updated.name, updated.role.label()));
                    reload();
                }
                Err(error) => {
                    toasts.error(error.to_string());
                    reload();
                }
            }
        }
    });
    let removing = RwSignal::new(None::<Member>);
    let remove = Action::new(move |member: &Member| {
        let member = member.clone();
        async move {
            match remove_member(workspace_id, member.user_id).await {
                Ok(()) => {
                    toasts.success(format!("{} was removed from the workspace.", member.name));
                    removing.set(None);
                    reload();
                }
                Err(error) => {
                    removing.set(None);
                    toasts.error(error.to_string());
                }
            }
        }
    });
    let rows = data
        .members
        .into_iter()
        .map(|member| {
            let select_member = member.clone();
            let remove_member = member.clone();
            let role_cell = if can_manage && grantable.with_value(|g| g.contains(&member.role)) {
                view! {
                    <select
                        class="rounded-md border border-slate-300 px-2 py-1 text-sm"
                        aria-label=format!("Role of {}", member.name)
                        on:change=move |event| {
                            if let Ok(role) = event_target_value(&event).parse::<Role>() {
                                change.dispatch((select_member.clone(), role));
                            }
                        }
                    >
                        {grantable
                            .get_value()
                            .into_iter()
                            .map(|role| {
                                view! {
                                    <option value=role.as_str() selected=role == member.role>
                                        {role.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                }
                .into_any()
            } else {
                view! { <span>{member.role.label()}</span> }.into_any()
            };
            let may_remove = can_manage && grantable.with_value(|g| g.contains(&member.role));
            view! {
                <tr data-testid="member-row">
                    <td class="px-4 py-3 font-medium">{member.name.clone()}</td>
                    <td class="px-4 py-3 text-slate-600">{member.email.clone()}</td>
                    <td class="px-4 py-3">{role_cell}</td>
                    <Show when=move || can_manage>
                        <td class="px-4 py-3 text-right">
                            {may_remove
                                .then(|| {
                                    let member = remove_member.clone();
                                    view! {
                                        <button
                                            type="button"
                                            class=SMALL
                                            on:click=move |_| removing.set(Some(member.clone()))
                                        >
                                            "Remove"
                                        </button>
                                    }
                                })}
                        </td>
                    </Show>
                </tr>
            }
        })
        .collect_view();
    view! {
        <WorkspaceNav workspace=data.workspace.clone() current="Members" />
        <div class="mb-4 flex items-center justify-between">
            <p class="text-sm text-slate-600">
                "Everyone in the workspace sees this list; Owners and Administrators manage it."
            </p>
            <Show when=move || can_manage>
                <button type="button" class=PRIMARY on:click=move |_| adding.set(true)>
                    "Add member"
                </button>
            </Show>
        </div>
        <table class="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-4 py-2">"Name"</th>
                    <th class="px-4 py-2">"Email"</th>
                    <th class="px-4 py-2">"Role"</th>
                    <Show when=move || can_manage>
                        <th class="px-4 py-2 text-right">"Actions"</th>
                    </Show>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-200">{rows}</tbody>
        </table>
        <Show when=move || adding.get()>
            <AddMemberDialog
                workspace_id
                roles=grantable.get_value()
                on_close=move || adding.set(false)
                on_added=move || reload()
            />
        </Show>
        {move || {
            removing
                .get()
                .map(|member| {
                    let target = member.clone();
                    view! {
                        <Dialog title="Remove member".to_owned() on_close=move || removing.set(None)>
                            <p class="text-sm text-slate-700">
                                {format!(
                                    "Remove {} ({}) from this workspace? They lose access at once; tokens they created keep working.",
                                    member.name,
                                    member.email,
                                )}
                            </p>
                            <div class="mt-6 flex justify-end gap-3">
                                <button type="button" class=SECONDARY on:click=move |_| removing.set(None)>
                                    "Cancel"
                                </button>
                                <button
                                    type="button"
                                    class=super::widgets::DANGER
                                    on:click=move |_| {
                                        remove.dispatch(target.clone());
                                    }
                                >
                                    "Remove"
                                </button>
                            </div>
                        </Dialog>
                    }
                })
        }}
    }
}

#[component]
fn AddMemberDialog(
    workspace_id: Uuid,
    roles: Vec<Role>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_added: Callback<()>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let add = Action::new(move |(email, name, role): &(String, String, Role)| {
        let (email, name, role) = (email.clone(), name.clone(), *role);
        async move {
            let name = (!name.trim().is_empty()).then_some(name);
            // The list reloads when the dialog closes: reloading now would close it
            // before the initial password has been read.
            add_member(workspace_id, email, name, role).await
        }
    });
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    view! {
        <Dialog title="Add member".to_owned() on_close>
            {move || match add.value().get() {
                Some(Ok(added)) => {
                    view! {
                        <div class="space-y-3 text-sm">
                            <p>
                                {format!(
                                    "{} ({}) is now {}.",
                                    added.member.name,
                                    added.member.email,
                                    added.member.role.label(),
                                )}
                            </p>
                            {added
                                .initial_password
                                .map(|password| {
                                    view! {
                                        <div class="rounded-md border border-amber-300 bg-amber-50 p-3">
                                            <p class="font-medium text-amber-900">
                                                "A new account was created. Its initial password is shown only now:"
                                            </p>
                                            <code
                                                class="mt-2 block select-all font-mono text-base"
                                                data-testid="initial-password"
                                            >
                                                {password}
                                            </code>
                                        </div>
                                    }
                                })}
                            <div class="flex justify-end">
                                <button
                                    type="button"
                                    class=PRIMARY
                                    on:click=move |_| {
                                        on_added.run(());
                                        on_close.run(());
                                    }
                                >
                                    "Done"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
                _ => {
                    let roles = roles.clone();
                    view! {
                        <form
                            class="space-y-4"
                            on:submit=move |event| {
                                event.prevent_default();
                                add.dispatch((email.get(), name.get(), role.get()));
                            }
                        >
                            <label class=LABEL>
                                "Email" <input class=INPUT name="email" type="email" bind:value=email />
                            </label>
                            <FieldError field="email" error />
                            <label class=LABEL>
                                "Name (only for a new account)"
                                <input class=INPUT name="name" bind:value=name />
                            </label>
                            <FieldError field="name" error />
                            <label class=LABEL>
                                "Role"
                                <select
                                    class=INPUT
                                    name="role"
                                    on:change=move |event| {
                                        if let Ok(value) = event_target_value(&event).parse() {
                                            role.set(value);
                                        }
                                    }
                                >
                                    {roles
                                        .into_iter()
                                        .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                                        .collect_view()}
                                </select>
                            </label>
                            <FieldError field="role" error />
                            <FormError error />
                            <div class="flex justify-end gap-3">
                                <button type="button" class=SECONDARY on:click=move |_| on_close.run(())>
                                    "Cancel"
                                </button>
                                <button type="submit" class=PRIMARY disabled=move || add.pending().get()>
                                    "Add member"
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                }
            }}
        </Dialog>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <SignedIn>
            <Settings />
        </SignedIn>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let workspace = workspace_param();
    let version = RwSignal::new(0u32);
    let summary = Resource::new(
        move || (workspace.get(), version.get()),
        |(workspace, _)| async move {
            match workspace {
                Some(id) => get_workspace(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(workspace) if may_change_settings(workspace.role) => {
                        view! { <SettingsForm workspace version /> }.into_any()
                    }
                    Ok(workspace) => {
                        view! {
                            <WorkspaceNav workspace current="Settings" />
                            <ErrorPanel error=AppError::Forbidden(
                                "Only Administrators and Owners can change the workspace's settings."
                                    .into(),
                            ) />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SettingsForm(workspace: WorkspaceSummary, version: RwSignal<u32>) -> impl IntoView {
    let toasts = Toasts::use_();
    let id = workspace.id;
    let name = RwSignal::new(workspace.name.clone());
    let save = Action::new(move |name: &String| {
        let name = name.clone();
        async move {
            let result = rename_workspace(id, name).await;
            if let Ok(renamed) = &result {
                toasts.success(format!("The workspace is now called {}.", renamed.name));
                version.update(|v| *v += 1);
            }
            result
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <WorkspaceNav workspace current="Settings" />
        <form
            class="max-w-md space-y-4"
            on:submit=move |event| {
                event.prevent_default();
                save.dispatch(name.get());
            }
        >
            <label class=LABEL>
                "Workspace name" <input class=INPUT name="workspace_name" bind:value=name />
            </label>
            <FieldError field="workspace_name" error />
            <FormError error />
            <p class="text-sm text-slate-600">
                "The change is recorded in the audit log. Tokens keep working; they report the new name."
            </p>
            <button type="submit" class=PRIMARY disabled=move || save.pending().get()>
                "Save"
            </button>
        </form>
    }
}
