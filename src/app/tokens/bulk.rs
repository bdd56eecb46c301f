//! Revoking many tokens at once: the bar over the table while rows are selected, the
//! confirmation that states the count, and "Revoke unused…" with its preview count. The
//! server checks every token again (`services::bulk_revoke`).

use leptos::prelude::*;
use uuid::Uuid;

use super::rpc::revoke_tokens;
use crate::{
    app::frame::widgets::{
        ConfirmDialog, DANGER, Dialog, FormButtons, FormError, INPUT, LABEL, SECONDARY,
        timezone_offset_minutes,
    },
    domain::{
        error::AppError,
        revoke::{NOT_FOUND, RevokeAction, RevokeRequest, Selection, TokenCriteria, count_tokens},
        time::start_of_local_day,
    },
    model::Revoked,
};

/// The bulk actions for the `count` selected rows, shown while there are any: each only
/// for those who may do it.
#[component]
pub fn SelectionBar(
    count: Signal<usize>,
    can_disable: bool,
    can_delete: bool,
    #[prop(into)] on_act: Callback<RevokeAction>,
    #[prop(into)] on_clear: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || { count.get() > 0 }>
            <div
                class="mb-3 flex flex-wrap items-center gap-3 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm"
                role="region"
                aria-label="Selected tokens"
            >
                <span class="font-medium" data-testid="selected-count">
                    {move || format!("{} selected", count_tokens(count.get()))}
                </span>
                <Show when=move || can_disable>
                    <button type="button" class=SECONDARY on:click=move |_| on_act.run(RevokeAction::Disable)>
                        "Disable"
                    </button>
                </Show>
                <Show when=move || can_delete>
                    <button type="button" class=DANGER on:click=move |_| on_act.run(RevokeAction::Delete)>
                        "Delete"
                    </button>
                </Show>
                <button type="button" class="ml-auto text-slate-600 hover:underline" on:click=move |_| on_clear.run(())>
                    "Clear selection"
                </button>
            </div>
        </Show>
    }
}

/// A bulk revocation's refusal as the dialog says it: "not found" means a selected token
/// is gone (another person deleted it, say), and nothing was changed.
fn worded(error: AppError) -> AppError {
    match error {
        AppError::NotFound => AppError::Conflict(NOT_FOUND.into()),
        other => other,
    }
}

/// "Delete 3 tokens?": the confirmation of a bulk action on the selected rows.
#[component]
pub fn BulkDialog(
    workspace_id: Uuid,
    action: RevokeAction,
    ids: Vec<Uuid>,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_done: Callback<Revoked>,
) -> impl IntoView {
    let count = count_tokens(ids.len());
    let revoke = Action::new(move |_: &()| {
        let selection = Selection::ids(ids.clone());
        async move {
            let request = RevokeRequest {
                selection: selection?,
                action,
                dry_run: false,
            };
            let revoked = revoke_tokens(workspace_id, request).await.map_err(worded)?;
            on_done.run(revoked.clone());
            Ok::<_, AppError>(revoked)
        }
    });
    let consequence = match action {
        RevokeAction::Disable => {
            "Anything using them stops working at once. Each can be enabled again later."
        }
        RevokeAction::Delete => "Anything using them stops working at once. This cannot be undone.",
    };
    view! {
        <ConfirmDialog
            title=format!("{} {count}?", action.verb())
            confirm=format!("{} {count}", action.verb())
            act=revoke
            on_close
        >
            {consequence}
        </ConfirmDialog>
    }
}

/// "Revoke unused…": disables every token never used or last used before the start of a
/// chosen day, after showing how many that is.
#[component]
pub fn UnusedDialog(
    workspace_id: Uuid,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_done: Callback<Revoked>,
) -> impl IntoView {
    let date = RwSignal::new(String::new());
    let request = move |date: &str, dry_run: bool| {
        let since = start_of_local_day(date, timezone_offset_minutes())?;
        let selection = Selection::matching(TokenCriteria {
            unused_since: Some(since),
            ..TokenCriteria::default()
        });
        Some(RevokeRequest {
            selection: selection.ok()?,
            action: RevokeAction::Disable,
            dry_run,
        })
    };
    // Counted again whenever the date changes; each answer is kept with its date, so a
    // slow answer for an earlier date is never shown as this one's.
    let preview = Action::new(move |(date, request): &(String, RevokeRequest)| {
        let (date, request) = (date.clone(), request.clone());
        async move { (date, revoke_tokens(workspace_id, request).await) }
    });
    Effect::new(move |_| {
        let date = date.get();
        if let Some(request) = request(&date, true) {
            preview.dispatch((date, request));
        }
    });
    let previewed = Signal::derive(move || {
        preview
            .value()
            .get()
            .filter(|(at, _)| *at == date.get())
            .map(|(_, answer)| answer)
    });
    let count = Signal::derive(move || match previewed.get() {
        Some(Ok(revoked)) => Some(revoked.tokens.len()),
        _ => None,
    });
    let revoke = Action::new(move |date: &String| {
        let request = request(date, false);
        async move {
            let request = request.ok_or_else(|| {
                AppError::invalid("unused_since", "Choose a date, such as 2026-01-31.")
            })?;
            let revoked = revoke_tokens(workspace_id, request).await.map_err(worded)?;
            on_done.run(revoked.clone());
            Ok::<_, AppError>(revoked)
        }
    });
    let error = Signal::derive(move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| previewed.get().and_then(Result::err))
    });
    let submit = Signal::derive(move || match count.get() {
        Some(count) => format!("Disable {}", count_tokens(count)),
        None => "Disable tokens".to_owned(),
    });
    view! {
        <Dialog title="Revoke unused tokens".to_owned() on_close>
            <form
                class="space-y-3"
                on:submit=move |event| {
                    event.prevent_default();
                    revoke.dispatch(date.get());
                }
            >
                <label class=LABEL>
                    "Unused since"
                    <input class=INPUT name="unused_since" type="date" required bind:value=date />
                </label>
                <p class="text-xs text-slate-500">
                    "Tokens never used, or last used before this day, are disabled (they can be enabled again later)."
                </p>
                <p class="text-sm text-slate-700" data-testid="unused-preview" aria-live="polite">
                    {move || match previewed.get() {
                        Some(Ok(revoked)) if revoked.tokens.is_empty() => {
                            "No enabled token has gone unused that long.".to_owned()
                        }
                        Some(Ok(revoked)) => {
                            let labels: Vec<&str> = revoked
                                .tokens
                                .iter()
                                .take(5)
                                .map(|token| token.label.as_str())
                                .collect();
                            let more = revoked.tokens.len().saturating_sub(labels.len());
                            format!(
                                "{} will be disabled: {}{}.",
                                count_tokens(revoked.tokens.len()),
                                labels.join(", "),
                                if more > 0 { format!(" and {more} more") } else { String::new() },
                            )
                        }
                        _ => String::new(),
                    }}
                </p>
                <FormError error />
                <FormButtons
                    on_close
                    pending=revoke.pending()
                    submit
                    blocked=Signal::derive(move || count.get().is_none_or(|count| count == 0))
                />
            </form>
        </Dialog>
    }
}
