-- Sign-in attempts, to slow down password guessing across every server instance.
CREATE TABLE login_attempts (
    id uuid PRIMARY KEY,
    -- The account's id when the identifier names one, else the identifier as tried (lower-cased),
    -- so an email and a username of one person share one budget.
    throttle_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_throttle_key ON login_attempts (throttle_key, created_at);
CREATE INDEX login_attempts_created_at ON login_attempts (created_at);
