//! A workspace's access tokens: the page (`page`) with its table (`table`), the dialogs
//! that create, edit and delete (`dialogs`, sharing `fields`), rotation (`rotate`), the
//! bulk actions on selected or unused tokens (`bulk`), the members' personal tokens that
//! reach the workspace (`personal`), what every token table draws alike (`cells`) and keeps
//! of its rows (`rows`), and their server functions (`rpc`).

pub mod bulk;
pub mod cells;
pub mod dialogs;
pub mod fields;
pub mod page;
pub mod personal;
pub mod rotate;
pub mod rows;
pub mod rpc;
pub mod table;
