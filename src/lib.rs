//! Tessera: a self-hosted API access-token manager.
//!
//! Layers: `app` (the user interface, one folder per feature with its pages and
//! server functions; both targets) and, behind the `ssr` feature, `server`
//! (configuration, store, HTTP). Pure rules shared by both targets live in `domain`.

// The release WASM build (opt-level z, LTO) computes the layouts of the page views' nested
// types, the access-token page's among them, deeper than rustc's default limit of 128.
#![recursion_limit = "256"]

pub mod app;
pub mod domain;
pub mod model;

#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: attaches the reactive UI to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Leptos's `hydrate_lazy`, and one step after it: hydration waits for the files of the
    // page's lazy route (src/app/mod.rs), and only once the page is hydrated does `<body>`
    // say so (`data-hydrated`), for tests and curious operators to tell a live page from
    // static HTML.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
