//! The frame around a workspace's pages (`/workspace/<id>/…`): it admits the signed-in,
//! loads the workspace once, draws its title and tabs, and renders the tab's page in its
//! `<Outlet/>`. The pages read the workspace from context ([`use_workspace`]).

use leptos::prelude::*;
use leptos_router::{
    components::{A, Outlet},
    hooks::use_params_map,
};
use uuid::Uuid;

use super::{
    rpc::get_workspace,
    session::{Access, Decision, admit, use_session},
    status::{ErrorPanel, Loading},
};
use crate::{
    domain::{
        error::AppError,
        permission::{may_audit, may_change_settings},
        role::Role,
    },
    model::WorkspaceSummary,
};

/// The workspace the frame shows, for the page inside it.
#[derive(Clone, Copy)]
pub struct CurrentWorkspace(RwSignal<WorkspaceSummary>);

impl CurrentWorkspace {
    pub fn id(self) -> Uuid {
        self.0.with_untracked(|workspace| workspace.id)
    }

    /// The workspace as it stands (tracked).
    pub fn get(self) -> WorkspaceSummary {
        self.0.get()
    }

    /// The workspace as the page found it when it opened.
    pub fn untracked(self) -> WorkspaceSummary {
        self.0.get_untracked()
    }

    /// What a page learned about the workspace (a new name, the viewer's new role): the
    /// title and tabs follow at once.
    pub fn update(self, workspace: WorkspaceSummary) {
        if self.0.with_untracked(|current| *current != workspace) {
            self.0.set(workspace);
        }
    }
}

pub fn use_workspace() -> CurrentWorkspace {
    expect_context::<CurrentWorkspace>()
}

/// Admits the signed-in (the guard's decision); not a member, or no such workspace: 404,
/// and the page inside is never drawn.
#[component]
pub fn WorkspaceFrame() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse().ok())));
    let workspace = Resource::new(
        move || id.get(),
        move |id: Option<Uuid>| async move {
            // Read only for those the guard admits: for anyone else the server function's
            // refusal would become the status of a page that merely sends them away.
            let admitted = match session.await {
                Ok(state) => Access::SignedIn.decide(&state) == Decision::Show,
                Err(_) => false,
            };
            match id {
                Some(id) if admitted => get_workspace(id).await,
                Some(_) => Err(AppError::Unauthenticated),
                None => Err(AppError::NotFound),
            }
        },
    );
    // One Suspense around the page, its resources made outside it, as with <Guard>: on the
    // server a Suspense runs its children more than once before rendering them (to find
    // their resources), so anything with a hydration id made in there each time (a nested
    // Suspense, a resource) shifts the ids the browser finds the page's data by.
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                if let Err(instead) = admit(Access::SignedIn, session.await) {
                    return instead;
                }
                match workspace.await {
                    Ok(summary) => {
                        let current = CurrentWorkspace(RwSignal::new(summary));
                        provide_context(current);
                        view! {
                            <WorkspaceHeader workspace=current />
                            <Outlet />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

const TAB: &str = "border-b-2 border-transparent px-1 pb-2 text-sm font-medium text-slate-500 hover:text-slate-800 aria-[current=page]:border-indigo-600 aria-[current=page]:text-indigo-700";

/// The workspace's title and its tabs (the audit and settings tabs only for those who may
/// use them; the server checks again). `<A>` marks the current tab with `aria-current`.
#[component]
fn WorkspaceHeader(workspace: CurrentWorkspace) -> impl IntoView {
    move || {
        let workspace = workspace.get();
        let tab = |name: &'static str, tail: &str| {
            view! {
                <A href=format!("/workspace/{}/{tail}", workspace.id) attr:class=TAB>
                    {name}
                </A>
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
                    {tab("Access tokens", "access-tokens")}
                    {tab("Members", "members")}
                    {may_audit(workspace.role)
                        .then(|| {
                            view! {
                                {tab("API access audit", "api-access")}
                                {tab("Audit log", "audit-log")}
                            }
                        })}
                    {(workspace.role == Role::Owner).then(|| tab("Outbox", "outbox"))}
                    {may_change_settings(workspace.role).then(|| tab("Settings", "settings"))}
                </nav>
            </div>
        }
    }
}
