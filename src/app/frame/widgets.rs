//! Small pieces the pages share: local times, dialogs, toasts, field errors, the
//! clipboard.

use leptos::prelude::*;

use crate::domain::{error::AppError, time::relative};

/// Set once the WASM app runs: browser-only values (the time zone) render after that,
/// so the server's HTML and the first client render agree.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// The browser's offset from UTC in minutes, as `Date.getTimezoneOffset()` gives it.
pub fn timezone_offset_minutes() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::new_0().get_timezone_offset() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// `YYYY-MM-DD HH:MM` in the browser's time zone (UTC, marked, before hydration).
pub fn format_time(ms: i64, local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        return format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date(),
            date.get_hours(),
            date.get_minutes()
        );
    }
    let _ = local;
    crate::domain::time::utc(ms)
}

/// `YYYY-MM-DD` of a moment in the browser's time zone, for a date input.
pub fn date_input_value(ms: i64) -> String {
    format_time(ms - timezone_offset_minutes() * 60_000, false)[..10].to_owned()
}

/// A moment as a local date and time, with a relative hint ("in 3 days") beneath.
#[component]
pub fn LocalTime(ms: i64, now: i64) -> impl IntoView {
    let hydrated = use_hydrated();
    view! {
        <span class="whitespace-nowrap" title=move || format_time(ms, hydrated.get())>
            <span class="block">{move || format_time(ms, hydrated.get())}</span>
            <span class="block text-xs text-slate-500">{relative(ms, now)}</span>
        </span>
    }
}

/// A dialog form's last row: "Cancel", and the submit button, disabled while `pending`
/// (or while `blocked`, when the form is not ready); red when it destroys (`danger`).
#[component]
pub fn FormButtons(
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] submit: Signal<String>,
    #[prop(optional)] danger: bool,
    #[prop(optional, into)] blocked: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="flex justify-end gap-3 pt-2">
            <button type="button" class=SECONDARY on:click=move |_| on_close.run(())>
                "Cancel"
            </button>
            <button
                type="submit"
                class=if danger { DANGER } else { PRIMARY }
                disabled=move || pending.get() || blocked.get()
            >
                {submit}
            </button>
        </div>
    }
}

/// A modal dialog. Closing is the caller's: `on_close` runs on Escape and on "Cancel".
#[component]
pub fn Dialog(
    title: String,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let aria_label = title.clone();
    view! {
        <div
            class="fixed inset-0 z-40 flex items-start justify-center overflow-y-auto bg-slate-900/50 p-4 pt-24"
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <div
                role="dialog"
                aria-modal="true"
                aria-label=aria_label
                class="w-full max-w-lg rounded-lg bg-white p-6 shadow-xl"
            >
                <h2 class="text-lg font-semibold">{title}</h2>
                <div class="mt-4">{children()}</div>
            </div>
        </div>
    }
}

/// Asks before an act that cannot be taken back: what it does (`children`), the server's
/// refusal if it refuses, "Cancel" and a red `confirm` button that runs `act`. Closing after
/// success is the caller's.
#[component]
pub fn ConfirmDialog<O>(
    title: String,
    #[prop(into)] confirm: String,
    act: Action<(), Result<O, AppError>>,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView
where
    O: Clone + Send + Sync + 'static,
{
    let error = Signal::derive(move || act.value().get().and_then(Result::err));
    view! {
        <Dialog title on_close>
            <form on:submit=move |event| {
                event.prevent_default();
                act.dispatch(());
            }>
                <div class="text-sm text-slate-700">{children()}</div>
                <FormError error />
                <FormButtons on_close pending=act.pending() submit=confirm danger=true />
            </form>
        </Dialog>
    }
}

/// Notices shown at the bottom of the screen for a few seconds.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, bool, String)>>);

impl Toasts {
    pub fn provide() -> Toasts {
        let toasts = Toasts(RwSignal::new(Vec::new()));
        provide_context(toasts);
        toasts
    }

    pub fn use_() -> Toasts {
        expect_context::<Toasts>()
    }

    pub fn success(self, message: impl Into<String>) {
        self.push(false, message.into());
    }

    pub fn error(self, message: impl Into<String>) {
        self.push(true, message.into());
    }

    fn push(self, error: bool, message: String) {
        let id = self
            .0
            .with_untracked(|t| t.last().map_or(0, |(id, ..)| id + 1));
        self.0.update(|t| t.push((id, error, message)));
        let list = self.0;
        set_timeout(
            move || list.update(|t| t.retain(|(i, ..)| *i != id)),
            std::time::Duration::from_secs(6),
        );
    }
}

#[component]
pub fn ToastList() -> impl IntoView {
    let toasts = Toasts::use_();
    view! {
        <div class="fixed bottom-4 right-4 z-50 flex flex-col gap-2" aria-live="polite">
            <For each=move || toasts.0.get() key=|(id, ..)| *id let((_, error, message))>
                <div
                    role=if error { "alert" } else { "status" }
                    data-testid="toast"
                    class=if error {
                        "rounded-md bg-red-700 px-4 py-3 text-sm text-white shadow-lg"
                    } else {
                        "rounded-md bg-slate-900 px-4 py-3 text-sm text-white shadow-lg"
                    }
                >
                    {message}
                </div>
            </For>
        </div>
    }
}

/// The message for one field of a failed form, if the error is about it.
#[component]
pub fn FieldError(
    field: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! { <p class="mt-1 text-sm text-red-700" data-field-error=field>{e.to_string()}</p> }
        })
    }
}

/// An error not tied to a field, shown above the form's buttons.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field().is_none()).map(|e| {
            view! {
                <p role="alert" class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                    {e.to_string()}
                </p>
            }
        })
    }
}

/// Writes `text` to the clipboard.
pub async fn copy_to_clipboard(text: String) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        let clipboard = window().navigator().clipboard();
        wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
            .await
            .map(|_| ())
            .map_err(|_| "The browser refused to write to the clipboard.".to_owned())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        Err("The clipboard is only available in the browser.".to_owned())
    }
}

pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
pub const LABEL: &str = "block text-sm font-medium text-slate-700";
pub const PRIMARY: &str = "rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60";
pub const SECONDARY: &str = "rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:opacity-60";
pub const DANGER: &str = "rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-red-500 disabled:opacity-60";
pub const SMALL: &str =
    "rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 disabled:opacity-60";

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formatting_before_hydration() {
        assert_eq!(
            super::format_time(1_795_391_999_999, false),
            "2026-11-22 23:59 UTC"
        );
        assert_eq!(super::format_time(0, false), "1970-01-01 00:00 UTC");
    }
}
