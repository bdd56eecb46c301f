-- A token reported as leaked (by a public report, GitLab's secret detection or GitHub's
-- secret scanning): when, by which channel, and where it was found. Such a token is
-- disabled and cannot be enabled again; it must be rotated or replaced.
ALTER TABLE access_tokens ADD COLUMN leaked_at BIGINT;
ALTER TABLE access_tokens ADD COLUMN leak_source TEXT;
ALTER TABLE access_tokens ADD COLUMN leak_location TEXT;
