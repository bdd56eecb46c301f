//! Pure rules shared by the server and the browser: roles, who may do what, input rules,
//! the shape of a token secret, a token's status and columns, IP allowlists, rate limits, and time
//! hints. No I/O here.

pub mod api_permission;
pub mod audit;
pub mod error;
pub mod ip_allowlist;
pub mod leak;
pub mod notify;
pub mod permission;
pub mod policy;
pub mod rate_limit;
pub mod revoke;
pub mod role;
pub mod rotation;
pub mod sign_in;
pub mod time;
pub mod token;
pub mod token_format;
pub mod token_list;
pub mod validation;
