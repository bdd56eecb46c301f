-- Token guards (SQLite; kept in step with migrations/postgres/0008_token_guards.sql).
-- See src/domain/ip_allowlist.rs for the rules.
-- The addresses and CIDR ranges a token may be used from, canonical and comma-separated
-- (NULL: any address).
ALTER TABLE access_tokens ADD COLUMN allowed_ips TEXT;
-- What a workspace's new tokens get when their maker gives no list.
ALTER TABLE workspaces ADD COLUMN default_allowed_ips TEXT;
-- Why a kept request was refused (NULL: it was served), e.g. 'ip_not_allowed'.
ALTER TABLE token_requests ADD COLUMN refused TEXT;
