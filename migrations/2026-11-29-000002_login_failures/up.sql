-- Failed sign-ins, to slow down password guessing across every server instance.
CREATE TABLE login_failures (
    id uuid PRIMARY KEY,
    -- The identifier as tried, lower-cased (it need not name an existing account).
    identifier text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_identifier ON login_failures (identifier, created_at);
CREATE INDEX login_failures_created_at ON login_failures (created_at);
