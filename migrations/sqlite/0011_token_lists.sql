-- A workspace's token list is ordered, searched and paged in SQL (keyset pagination): one
-- index for each order it can have, each ending with the id that breaks ties, so that a page
-- is read from where the previous one ended in either direction. The expressions are those of
-- `domain::token_list::SortField::key_sql` (a never-expiring token sorts after the year 9999,
-- a never-used one before any use). The unique label index leaves rotated-out tokens out, so
-- the label order has its own.
CREATE INDEX access_tokens_workspace_created ON access_tokens (workspace_id, created_at, id);
CREATE INDEX access_tokens_workspace_label_order ON access_tokens (workspace_id, lower(label), id);
CREATE INDEX access_tokens_workspace_scope ON access_tokens (workspace_id,
    (CASE scope WHEN 'viewer' THEN 0 WHEN 'team_member' THEN 1
        WHEN 'workspace_manager' THEN 2 WHEN 'administrator' THEN 3 ELSE 4 END), id);
CREATE INDEX access_tokens_workspace_expires ON access_tokens (workspace_id,
    (COALESCE(expires_at, 253402300800000)), id);
CREATE INDEX access_tokens_workspace_last_used ON access_tokens (workspace_id,
    (COALESCE(last_used_at, -1)), id);
