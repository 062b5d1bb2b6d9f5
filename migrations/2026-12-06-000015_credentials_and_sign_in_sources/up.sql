-- Sign-in attempts are counted per account and client address (src/auth/throttle.rs).
ALTER TABLE login_attempts ADD COLUMN client_address text NOT NULL DEFAULT 'unknown';
CREATE INDEX login_attempts_client_address ON login_attempts (client_address, created_at);

-- When the person's credentials were last revoked (deactivation): identity providers' access
-- tokens issued before then are refused, as they cannot be revoked at the provider from here.
ALTER TABLE users ADD COLUMN credentials_revoked_at timestamptz;
