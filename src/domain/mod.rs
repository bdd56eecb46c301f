//! Pure rules shared by the server and the browser: roles, who may do what with a
//! token, and the shape of a token secret. No I/O here.

pub mod permission;
pub mod role;
pub mod token_format;
