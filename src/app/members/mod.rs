//! Who belongs to a workspace and how people join it: the members page (`page`), its
//! invitations (`invitations`), the page an invitation link opens (`invite`), and their
//! server functions (`rpc`).

pub mod invitations;
pub mod invite;
pub mod page;
pub mod rpc;
