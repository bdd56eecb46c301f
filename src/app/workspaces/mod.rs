//! Workspaces: the start page that lists them and creates one (`list`), and a workspace's
//! settings (`settings`, with `guards` and `policy`), with their server functions (`rpc`).

pub mod guards;
pub mod list;
pub mod policy;
pub mod rpc;
pub mod settings;
