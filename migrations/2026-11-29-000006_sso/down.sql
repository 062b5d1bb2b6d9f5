ALTER TABLE sessions DROP COLUMN sso_provider_id, DROP COLUMN last_seen_at, DROP COLUMN user_agent;
DROP TABLE sso_login_attempts;
DROP TABLE user_identities;
ALTER TABLE users DROP COLUMN avatar_url;
