//! First-run set-up, sign-in, the account page (own password, own sign-ins), password
//! resets and the instance admin's sign-in history, with the server functions they call.
//!
//! Every form that carries a password posts (`method="post"`): before the WASM has loaded,
//! pressing Enter must never put a password into a URL. Set-up and sign-in work fully
//! without the WASM (their server functions take url-encoded forms and redirect).

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    session::{SetupOnly, SignedIn, SignedOutOnly, go_to},
    widgets::{FieldError, FormError, INPUT, LABEL, LocalTime, PRIMARY},
};
use crate::{
    domain::{error::AppError, validation::PASSWORD_MIN},
    model::{AccountPage as AccountData, SignIn},
    rpc::{Login, Setup},
};

/// The message for `?error=` after a plain form post came back (no WASM yet).
fn returned_error() -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        query.with(|q| {
            q.get("error")
                .map(|kind| AppError::kind_message(&kind).to_owned())
        })
    })
}

#[component]
fn ReturnedError() -> impl IntoView {
    let error = returned_error();
    move || {
        error.get().map(|message| {
            view! {
                <p role="alert" class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                    {message}
                </p>
            }
        })
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    view! {
        <SetupOnly>
            <SetupForm />
        </SetupOnly>
    }
}

#[component]
fn PasswordHint(password: RwSignal<String>) -> impl IntoView {
    let hint = move || {
        let length = password.with(|p| p.chars().count());
        if length >= PASSWORD_MIN {
            "Long enough. Unrelated words make a strong passphrase; common passwords are refused."
                .to_owned()
        } else {
            format!(
                "At least {PASSWORD_MIN} characters: {} more.",
                PASSWORD_MIN - length
            )
        }
    };
    view! { <p class="text-xs text-slate-500" data-testid="password-hint">{hint}</p> }
}

/// A new password someone chooses, with its hint and the server's refusal.
#[component]
fn NewPassword(
    password: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "New password")] label: &'static str,
) -> impl IntoView {
    view! {
        <label class=LABEL>
            {label}
            <input
                class=INPUT
                name="password"
                type="password"
                autocomplete="new-password"
                bind:value=password
            />
        </label>
        <PasswordHint password />
        <FieldError field="password" error />
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let submit = ServerAction::<Setup>::new();
    let password = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(workspace)) = submit.value().get() {
            go_to(&format!("/workspace/{workspace}/access-tokens"));
        }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Set up Tessera"</h1>
            <p class="mt-2 text-sm text-slate-600">
                "Create the owner account and the first workspace. This account administers Tessera; you invite others afterwards."
            </p>
            <ActionForm action=submit attr:class="mt-6 space-y-4">
                <label class=LABEL>
                    "Your name" <input class=INPUT name="name" autocomplete="name" />
                </label>
                <FieldError field="name" error />
                <label class=LABEL>
                    "Email"
                    <input class=INPUT name="email" type="email" autocomplete="email" />
                </label>
                <FieldError field="email" error />
                <NewPassword password error label="Password" />
                <label class=LABEL>
                    "Workspace name" <input class=INPUT name="workspace_name" />
                </label>
                <FieldError field="workspace_name" error />
                <FormError error />
                <ReturnedError />
                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                    "Create account and workspace"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <SignedOutOnly>
            <LoginForm />
        </SignedOutOnly>
    }
}

#[component]
fn LoginForm() -> impl IntoView {
    let submit = ServerAction::<Login>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = submit.value().get() {
            go_to("/");
        }
    });
    let error: Signal<Option<AppError>> =
        Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Sign in"</h1>
            <ActionForm action=submit attr:class="mt-6 space-y-4">
                <label class=LABEL>
                    "Email"
                    <input class=INPUT name="email" type="email" autocomplete="username" />
                </label>
                <label class=LABEL>
                    "Password"
                    <input
                        class=INPUT
                        name="password"
                        type="password"
                        autocomplete="current-password"

                    />
                </label>
                <FieldError field="email" error />
                <FieldError field="password" error />
                <FormError error />
                <ReturnedError />
                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
            <p class="mt-4 text-sm">
                <a class="text-indigo-700 hover:underline" href="/forgot-password">
                    "Forgot your password?"
                </a>
            </p>
        </section>
    }
}

// ---------------------------------------------------------------------------------------
// Password resets

#[server(prefix = "/rpc", endpoint = "request_password_reset", input = server_fn::codec::Json)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        password_changes::request_password_reset(&request.visitor(), &email).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "password_reset", input = server_fn::codec::Json)]
pub async fn get_password_reset(code: String) -> Result<String, AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        password_changes::password_reset_email(&request.visitor(), &code).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "reset_password", input = server_fn::codec::Json)]
pub async fn reset_password(code: String, password: String) -> Result<(), AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        password_changes::complete_password_reset(&request.visitor(), &code, &password).await
    })
    .await
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let submit = Action::new(|email: &String| {
        let email = email.clone();
        async move { request_password_reset(email).await }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Reset your password"</h1>
            {move || match submit.value().get() {
                Some(Ok(())) => view! {
                    <p class="mt-4 text-sm" data-testid="reset-requested">
                        "If an account has this email address, a link to choose a new password is on its way. It works once, for 30 minutes."
                    </p>
                }
                .into_any(),
                _ => view! {
                    <form
                        class="mt-6 space-y-4"
                        method="post"
                        on:submit=move |event| {
                            event.prevent_default();
                            submit.dispatch(email.get());
                        }
                    >
                        <label class=LABEL>
                            "Email"
                            <input class=INPUT name="email" type="email" autocomplete="username" bind:value=email />
                        </label>
                        <FieldError field="email" error />
                        <FormError error />
                        <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                            "Send me a link"
                        </button>
                    </form>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.with(|p| p.get("code").unwrap_or_default());
    let reset = Resource::new(code, get_password_reset);
    let password = RwSignal::new(String::new());
    let submit = Action::new(move |password: &String| {
        let (code, password) = (code(), password.clone());
        async move { reset_password(code, password).await }
    });
    let error = Signal::derive(move || submit.value().get().and_then(Result::err));
    view! {
        <section class="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 shadow-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Choose a new password"</h1>
            <Suspense fallback=super::session::Loading>
                {move || Suspend::new(async move {
                    match (reset.await, submit.value().get()) {
                        (_, Some(Ok(()))) => view! {
                            <p class="mt-4 text-sm" data-testid="password-reset-done">
                                "Your password was changed and every session of your account was ended. "
                                <a class="text-indigo-700 underline" href="/login">"Sign in"</a>
                                " with the new one."
                            </p>
                        }
                        .into_any(),
                        (Ok(email), _) => view! {
                            <form
                                class="mt-6 space-y-4"
                                method="post"
                                on:submit=move |event| {
                                    event.prevent_default();
                                    submit.dispatch(password.get());
                                }
                            >
                                <p class="text-sm text-slate-600">{format!("For the account {email}.")}</p>
                                <input type="hidden" name="username" autocomplete="username" value=email />
                                <NewPassword password error />
                                <FieldError field="code" error />
                                <FormError error />
                                <button type="submit" class=PRIMARY disabled=move || submit.pending().get()>
                                    "Set password"
                                </button>
                            </form>
                        }
                        .into_any(),
                        (Err(error), _) => view! {
                            <p role="alert" class="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                                {error.to_string()}
                                " "
                                <a class="underline" href="/forgot-password">"Ask for a new link."</a>
                            </p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

// ---------------------------------------------------------------------------------------
// The account page

#[server(prefix = "/rpc", endpoint = "account", input = server_fn::codec::Json)]
pub async fn get_account() -> Result<AccountData, AppError> {
    use crate::server::{services::accounts, web};
    web::serve(async |request| {
        // Reachable before choosing one's own password: this is where it is chosen.
        accounts::account_page(&request.any_person().await?).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "change_password", input = server_fn::codec::Json)]
pub async fn change_password(current_password: String, password: String) -> Result<u64, AppError> {
    use crate::server::{services::password_changes, web};
    web::serve(async |request| {
        let change = password_changes::PasswordChange {
            current: &current_password,
            new: &password,
        };
        let ctx = request.any_person().await?;
        password_changes::change_password(&ctx, request.session_id.as_deref(), change).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "all_sign_ins", input = server_fn::codec::Json)]
pub async fn get_all_sign_ins() -> Result<(Vec<SignIn>, i64), AppError> {
    use crate::server::{services::accounts, web};
    web::person(async |ctx| Ok((accounts::all_sign_ins(&ctx).await?, ctx.now))).await
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <SignedIn password_change_pending=true>
            <Account />
        </SignedIn>
    }
}

#[component]
fn Account() -> impl IntoView {
    let page = Resource::new(|| (), |()| get_account());
    view! {
        <Transition fallback=super::session::Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <AccountView data /> }.into_any(),
                    Err(error) => view! { <super::session::ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountView(data: AccountData) -> impl IntoView {
    let must_change = data.user.must_change_password;
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let change = Action::new(move |(current, new): &(String, String)| {
        let (current, new) = (current.clone(), new.clone());
        async move { change_password(current, new).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = change.value().get() {
            if must_change {
                // Everything else opens up now: load it afresh.
                go_to("/");
            } else {
                // The fields empty, the message stays (reloading the page data would
                // draw a fresh form without it).
                current.set(String::new());
                password.set(String::new());
            }
        }
    });
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let now = data.now;
    view! {
        <h1 class="text-2xl font-semibold tracking-tight">"Your account"</h1>
        <p class="mt-1 text-sm text-slate-600">{format!("{} · {}", data.user.name, data.user.email)}</p>
        {must_change
            .then(|| {
                view! {
                    <p role="alert" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="must-change-password">
                        "The password you signed in with was chosen by someone else. Choose your own before anything else."
                    </p>
                }
            })}
        <section class="mt-8 max-w-md">
            <h2 class="text-lg font-semibold">"Change password"</h2>
            <p class="mt-1 text-sm text-slate-600">"Your other sessions end when you change it."</p>
            {move || {
                change
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|ended| {
                        view! {
                            <p role="status" class="mt-3 rounded-md bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="password-changed">
                                {format!("Your password was changed. {ended} other session(s) ended.")}
                            </p>
                        }
                    })
            }}
            <form
                class="mt-4 space-y-4"
                method="post"
                on:submit=move |event| {
                    event.prevent_default();
                    change.dispatch((current.get(), password.get()));
                }
            >
                <input type="hidden" name="username" autocomplete="username" value=data.user.email.clone() />
                <label class=LABEL>
                    "Current password"
                    <input
                        class=INPUT
                        name="current_password"
                        type="password"
                        autocomplete="current-password"
                        bind:value=current
                    />
                </label>
                <FieldError field="current_password" error />
                <NewPassword password error />
                <FieldError field="email" error />
                <FormError error />
                <button type="submit" class=PRIMARY disabled=move || change.pending().get()>
                    "Change password"
                </button>
            </form>
        </section>
        <section class="mt-10">
            <h2 class="text-lg font-semibold">"Recent sign-ins"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Sign-ins to your account, and failed attempts with your email address. Only you (and the instance admin) see these."
                {data
                    .user
                    .is_instance_admin
                    .then(|| {
                        view! {
                            " "
                            <a class="text-indigo-700 underline" href="/admin/sign-ins">"Every account's sign-ins"</a>
                        }
                    })}
            </p>
            <SignInTable sign_ins=data.sign_ins now />
        </section>
    }
}

#[component]
fn SignInTable(sign_ins: Vec<SignIn>, now: i64) -> impl IntoView {
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
        <SignedIn>
            <h1 class="text-2xl font-semibold tracking-tight">"Sign-ins to this Tessera"</h1>
            <p class="mt-1 text-sm text-slate-600">"Every account's newest sign-ins and failed attempts (instance admin only)."</p>
            <Suspense fallback=super::session::Loading>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok((sign_ins, now)) => view! { <SignInTable sign_ins now /> }.into_any(),
                        Err(error) => view! { <super::session::ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </SignedIn>
    }
}
