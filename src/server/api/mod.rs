//! The REST API, nested at `/api/v1`. Errors are `application/problem+json` (RFC 9457).

mod problem;

use axum::{Router, extract::OriginalUri};

pub use problem::Problem;

use super::state::AppState;

pub fn router() -> Router<AppState> {
    // Without its own fallback an unknown /api/v1 path would get the HTML 404 page.
    Router::new().fallback(not_found)
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Problem {
    Problem::not_found(format!("There is no API endpoint at {}.", uri.path()))
}
