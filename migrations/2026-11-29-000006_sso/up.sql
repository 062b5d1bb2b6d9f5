-- Single sign-on: identities at OpenID providers, pending browser sign-ins, and what people see
-- of their own sessions.

ALTER TABLE users ADD COLUMN avatar_url text;

-- A person's account at an identity provider. Accounts are linked by (issuer, subject), the only
-- pair OpenID Connect guarantees to be stable and unique; never by email alone.
CREATE TABLE user_identities (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id text NOT NULL,
    issuer text NOT NULL,
    subject text NOT NULL,
    email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user_id ON user_identities (user_id);

-- A browser sign-in between the redirect to the provider and its callback. The row is deleted
-- when the callback reads it, so each state, nonce and PKCE verifier works once; the browser
-- binding is the hash of a secret kept in a short-lived HttpOnly cookie.
CREATE TABLE sso_login_attempts (
    state_hash bytea PRIMARY KEY,
    browser_hash bytea NOT NULL,
    provider_id text NOT NULL,
    nonce text NOT NULL,
    pkce_verifier text NOT NULL,
    redirect_path text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_login_attempts_expires_at ON sso_login_attempts (expires_at);

ALTER TABLE sessions
    ADD COLUMN user_agent text,
    ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- The provider that signed the person in, for RP-initiated logout.
    ADD COLUMN sso_provider_id text;
