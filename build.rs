//! `sqlx::migrate!` embeds `migrations/` at compile time, but cargo cannot see which files
//! a macro read: without this, a new migration is missed until something else changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
