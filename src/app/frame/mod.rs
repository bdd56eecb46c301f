//! What every page shares: the header (`shell`), who is looking and the one guard that
//! decides who sees a page (`session`), the frame around a workspace's pages
//! (`workspace`), what a page shows instead of itself (`status`), and small widgets.
//!
//! Imports run one way: `status` ← `session` ← `shell`, `workspace`.

pub mod rpc;
pub mod session;
pub mod shell;
pub mod status;
pub mod widgets;
pub mod workspace;
