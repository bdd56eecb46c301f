//! A workspace's access tokens: the page (`page`) with its table (`table`), the dialogs
//! that create, edit and delete (`dialogs`, sharing `fields`), rotation (`rotate`), the
//! bulk actions on selected or unused tokens (`bulk`), and their server functions (`rpc`).

pub mod bulk;
pub mod dialogs;
pub mod fields;
pub mod page;
pub mod rotate;
pub mod rpc;
pub mod table;
