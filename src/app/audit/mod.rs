//! What a workspace's records say, for those who may read them: the audit log (`log`), the
//! API access audit (`access`, and one token's in `access_token`), the notification
//! mail's outbox (`outbox`), and their server functions (`rpc`).

pub mod access;
pub mod access_token;
pub mod log;
pub mod outbox;
pub mod rpc;
