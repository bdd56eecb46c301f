-- What the API Access Audit shows of a token's use (PostgreSQL; kept in step with
-- migrations/sqlite/0002_token_requests.sql). Written by the last-use flusher, never once
-- per request: each flush adds the requests it gathered and keeps the newest 20 per token.

CREATE TABLE token_requests (
    id         BIGSERIAL PRIMARY KEY,
    token_id   UUID    NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    at         BIGINT  NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    method     TEXT    NOT NULL,
    path       TEXT    NOT NULL
);
CREATE INDEX token_requests_token_at ON token_requests (token_id, at);
CREATE INDEX token_requests_ip ON token_requests (ip);

-- Requests per token per UTC day (days since 1970-01-01), for the 30-day chart.
CREATE TABLE token_daily_requests (
    token_id UUID    NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    day      BIGINT  NOT NULL,
    requests BIGINT  NOT NULL,
    PRIMARY KEY (token_id, day)
);
