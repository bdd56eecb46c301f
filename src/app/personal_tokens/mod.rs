//! People's own tokens (see `services::personal_tokens`): the account's token page
//! (`page`, `/account/tokens`), its dialogs (`dialogs`) sharing one form (`form`), and the
//! server functions (`rpc`). What a workspace's Administrators see of them is on its
//! Access tokens page (`tokens::personal`).

pub mod dialogs;
pub mod form;
pub mod page;
pub mod rpc;
