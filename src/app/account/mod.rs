//! People's own accounts: first-run set-up and sign-in (`sign_in`), forgotten passwords
//! (`password`), the account page (`page`, with `delete` for deleting one's account) and the instance admin's sign-in history
//! (`sign_ins`), with the server functions they call (`rpc`).
//!
//! Every form that carries a password posts (`method="post"`): before the WASM has loaded,
//! pressing Enter must never put a password into a URL. Set-up and sign-in work fully
//! without the WASM (their server functions take url-encoded forms and redirect).

pub mod delete;
pub mod page;
pub mod password;
pub mod rpc;
pub mod sign_in;
pub mod sign_ins;
