//! People's own tokens (see `services::personal_tokens`).

pub mod rpc;
