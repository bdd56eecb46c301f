//! A workspace's access tokens: the page (`page`) with its table (`table`), the dialogs
//! that create, edit and delete (`dialogs`, sharing `fields`), rotation (`rotate`), and
//! their server functions (`rpc`).

pub mod dialogs;
pub mod fields;
pub mod page;
pub mod rotate;
pub mod rpc;
pub mod table;
