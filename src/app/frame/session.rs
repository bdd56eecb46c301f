//! Who is looking: the session, read once per page load, and the guard that decides, per
//! page, whether the visitor sees it or goes to set-up, sign-in or elsewhere.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::{
    rpc::get_session,
    status::{ErrorPanel, Loading, NotFound},
};
use crate::{domain::error::AppError, model::SessionState};

pub type SessionResource = Resource<Result<SessionState, AppError>>;

pub fn provide_session() -> SessionResource {
    let session: SessionResource = Resource::new(|| (), |()| get_session());
    provide_context(session);
    session
}

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// Loads a fresh page at `path`: after signing in or out, everything is read again.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Who a page is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Signed in, with a password of one's own: nearly every page.
    SignedIn,
    /// Signed in, whoever chose the password: the account page, where one chooses one's own.
    AnyPassword,
    /// Signed out: the sign-in page.
    SignedOut,
    /// Nobody yet: set-up, reachable only before the first account exists.
    BeforeSetup,
}

/// What the guard does with a visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Show,
    Redirect(&'static str),
    NotFound,
}

impl Access {
    pub fn decide(self, session: &SessionState) -> Decision {
        match (self, session) {
            (Access::BeforeSetup, SessionState::SetupRequired) => Decision::Show,
            (Access::BeforeSetup, _) => Decision::NotFound,
            (_, SessionState::SetupRequired) => Decision::Redirect("/setup"),
            (Access::SignedOut, SessionState::SignedOut) => Decision::Show,
            (Access::SignedOut, SessionState::SignedIn(_)) => Decision::Redirect("/"),
            (_, SessionState::SignedOut) => Decision::Redirect("/login"),
            (Access::SignedIn, SessionState::SignedIn(user)) if user.must_change_password => {
                Decision::Redirect("/account")
            }
            (Access::SignedIn | Access::AnyPassword, SessionState::SignedIn(_)) => Decision::Show,
        }
    }
}

/// The guard's decision on the session as read: `Ok` when the page shows (the signed-in
/// user then in context), else what shows instead.
pub fn admit(access: Access, session: Result<SessionState, AppError>) -> Result<(), AnyView> {
    match session {
        Ok(state) => match access.decide(&state) {
            Decision::Show => {
                if let SessionState::SignedIn(user) = state {
                    provide_context(user);
                }
                Ok(())
            }
            Decision::Redirect(path) => Err(view! { <Redirect path /> }.into_any()),
            Decision::NotFound => Err(view! { <NotFound /> }.into_any()),
        },
        Err(error) => Err(view! { <ErrorPanel error /> }.into_any()),
    }
}

/// Renders `children` to the visitors `access` admits; sends the others where the
/// decision says.
#[component]
pub fn Guard(access: Access, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match admit(access, session.await) {
                    Ok(()) => children.with_value(|children| children()).into_any(),
                    Err(instead) => instead,
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::{Access, Decision};
    use crate::model::{CurrentUser, SessionState};

    fn signed_in(must_change_password: bool) -> SessionState {
        SessionState::SignedIn(CurrentUser {
            id: uuid::Uuid::nil(),
            email: "a@example.com".into(),
            name: "A".into(),
            is_instance_admin: false,
            must_change_password,
            may_create_workspaces: false,
        })
    }

    /// Every access against every kind of visitor, as the three guards decided before
    /// they became one.
    #[test]
    fn decisions() {
        use Decision::{NotFound, Redirect, Show};
        let visitors = [
            SessionState::SetupRequired,
            SessionState::SignedOut,
            signed_in(false),
            signed_in(true),
        ];
        let expected = [
            (
                Access::SignedIn,
                [
                    Redirect("/setup"),
                    Redirect("/login"),
                    Show,
                    Redirect("/account"),
                ],
            ),
            (
                Access::AnyPassword,
                [Redirect("/setup"), Redirect("/login"), Show, Show],
            ),
            (
                Access::SignedOut,
                [Redirect("/setup"), Show, Redirect("/"), Redirect("/")],
            ),
            (Access::BeforeSetup, [Show, NotFound, NotFound, NotFound]),
        ];
        for (access, decisions) in expected {
            for (visitor, decision) in visitors.iter().zip(decisions) {
                assert_eq!(
                    access.decide(visitor),
                    decision,
                    "{access:?} for {visitor:?}"
                );
            }
        }
    }
}
