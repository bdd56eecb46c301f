//! Rotating a token from the table: the dialog that asks how long the old token may keep
//! working and then shows the new secret once, and the note a token being rotated out
//! carries ("rotating — ends in …", with where it is still used from).

use leptos::prelude::*;

use super::dialogs::{SecretOnce, in_this_workspace};
use crate::{
    app::frame::widgets::{Dialog, FormButtons, FormError, LABEL, format_time},
    domain::{
        error::AppError,
        rotation::{GRACE_CHOICES, rotating_hint},
        time::relative,
    },
    model::{RotatedToken, Rotating},
};

/// The grace the dialog starts with: an hour, time enough for most deployments to pick
/// up the new secret.
const SUGGESTED_GRACE_SECONDS: i64 = 3600;

/// What a finished rotation shows: the new secret, where it works, and when the old one
/// stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSecret {
    pub secret: String,
    /// Where and as what the secret acts, for [`SecretOnce`]'s warning.
    pub reach: String,
    pub grace_ends_at: i64,
}

impl NewSecret {
    /// A workspace token's rotation, as the dialog shows it.
    pub fn of(rotated: &RotatedToken) -> NewSecret {
        NewSecret {
            secret: rotated.created.secret.clone(),
            reach: in_this_workspace(rotated.created.token.scope),
            grace_ends_at: rotated.grace_ends_at,
        }
    }
}

/// The rotation dialog for any token: `rotate` asks the server with the chosen grace (in
/// seconds) and updates the page. `keeps` names what the successor keeps ("label, scope
/// and permissions").
#[component]
pub fn RotateDialog(
    label: String,
    expires_at: Option<i64>,
    keeps: &'static str,
    /// The server's clock when the page was read.
    now: i64,
    rotate: Action<i64, Result<NewSecret, AppError>>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let grace = RwSignal::new(SUGGESTED_GRACE_SECONDS);
    let error = Signal::derive(move || rotate.value().get().and_then(Result::err));
    // The grace never outlasts the token: say so when a choice would.
    let capped = move || {
        expires_at
            .filter(|at| *at < now + grace.get() * 1000)
            .map(|at| {
                format!(
                    "This token expires {} anyway; it stops then.",
                    relative(at, now)
                )
            })
    };
    view! {
        <Dialog title=format!("Rotate \u{201c}{label}\u{201d}") on_close>
            {move || match rotate.value().get() {
                Some(Ok(rotated)) => {
                    view! {
                        <p class="mb-4 text-sm text-slate-700" data-testid="grace-end">
                            {format!(
                                "The old token keeps working until {}.",
                                format_time(rotated.grace_ends_at, true),
                            )}
                        </p>
                        <SecretOnce secret=rotated.secret reach=rotated.reach on_close />
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <form
                            class="space-y-3"
                            on:submit=move |event| {
                                event.prevent_default();
                                rotate.dispatch(grace.get());
                            }
                        >
                            <p class="text-sm text-slate-700">
                                {format!(
                                    "A new token with the same {keeps} replaces this one, with a new secret, shown once.",
                                )}
                            </p>
                            <fieldset>
                                <legend class=LABEL>"When should the old token stop working?"</legend>
                                {GRACE_CHOICES
                                    .into_iter()
                                    .map(|(seconds, words)| {
                                        view! {
                                            <label class="mt-2 flex items-center gap-2 text-sm">
                                                <input
                                                    type="radio"
                                                    name="grace"
                                                    value=seconds.to_string()
                                                    prop:checked=move || grace.get() == seconds
                                                    on:change=move |_| grace.set(seconds)
                                                />
                                                {words}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                            {move || capped().map(|text| view! { <p class="text-xs text-slate-500">{text}</p> })}
                            <FormError error />
                            <FormButtons on_close pending=rotate.pending() submit="Rotate token" />
                        </form>
                    }
                        .into_any()
                }
            }}
        </Dialog>
    }
}

/// Under a token's status while it is rotated out: when it stops (from the page's `now`,
/// so the server's HTML and the browser's first render agree) and, on hover or opened,
/// where it was used from since the rotation began: what has not switched yet.
#[component]
pub fn RotatingNote(rotating: Rotating, now: i64) -> impl IntoView {
    let places: Vec<String> = rotating
        .places
        .iter()
        .map(|place| {
            format!(
                "{} — {}: {} request{}, last {}",
                place.ip.as_deref().unwrap_or("unknown address"),
                place.user_agent.as_deref().unwrap_or("no user agent"),
                place.requests,
                if place.requests == 1 { "" } else { "s" },
                relative(place.last_at, now),
            )
        })
        .collect();
    let summary = match places.len() {
        0 => "Not used since the rotation began".to_owned(),
        1 => "Still used from 1 place".to_owned(),
        n => format!("Still used from {n} places"),
    };
    let tooltip = if places.is_empty() {
        summary.clone()
    } else {
        places.join("\n")
    };
    view! {
        <span class="mt-1 block text-xs text-amber-800" data-testid="rotating" title=tooltip>
            {rotating_hint(rotating.grace_ends_at, now)}
        </span>
        <details class="text-xs text-slate-600" data-testid="rotating-places">
            <summary class="cursor-pointer">{summary}</summary>
            <ul class="mt-1 space-y-0.5">
                {places.into_iter().map(|place| view! { <li>{place}</li> }).collect_view()}
            </ul>
        </details>
    }
}
