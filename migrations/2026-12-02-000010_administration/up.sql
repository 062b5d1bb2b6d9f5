-- Administration: the organisation's settings and branding, invitations by email, accounts
-- activated with a code handed over on site, the communicator capability and the audit log.

-- One row: the organisation this server runs for.
CREATE TABLE organization (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    name text NOT NULL DEFAULT 'Parvis',
    logo_attachment_id uuid REFERENCES attachments (id) ON DELETE SET NULL,
    favicon_attachment_id uuid REFERENCES attachments (id) ON DELETE SET NULL,
    primary_color text NOT NULL DEFAULT '#1f4e8c',
    accent_color text NOT NULL DEFAULT '#e0663a',
    -- Shown on the sign-in page (Markdown).
    login_message text,
    -- Lower-case domains whose people may get an account through SSO; empty lets every domain in.
    allowed_email_domains text[] NOT NULL DEFAULT '{}',
    -- The zone analytics count days in.
    time_zone text NOT NULL DEFAULT 'UTC',
    -- Raw activity older than this is deleted (the daily rollups stay).
    activity_retention_days integer NOT NULL DEFAULT 395
        CHECK (activity_retention_days BETWEEN 30 AND 3650),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organization DEFAULT VALUES;
CREATE TRIGGER organization_set_updated_at BEFORE UPDATE ON organization
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

-- `pending`: created by an admin, waiting for its activation code.
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check
    CHECK (status IN ('active', 'deactivated', 'pending'));
ALTER TABLE users
    -- May publish to the whole organisation (posts and events), without being an admin.
    ADD COLUMN communicator boolean NOT NULL DEFAULT false,
    ADD COLUMN activation_code_hash bytea,
    ADD COLUMN activation_expires_at timestamptz,
    ADD COLUMN created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN activated_at timestamptz;
-- Accounts that existed before count as activated when they were made.
UPDATE users SET activated_at = created_at WHERE status <> 'pending';

-- An invitation by email: the account is made when the link is used, once, before it expires.
CREATE TABLE account_invitations (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    display_name text,
    org_role text NOT NULL DEFAULT 'member' CHECK (org_role IN ('admin', 'member', 'guest')),
    token_hash bytea NOT NULL UNIQUE,
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    sent_count integer NOT NULL DEFAULT 1,
    last_sent_at timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    accepted_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    revoked_at timestamptz,
    CHECK (num_nonnulls(accepted_at, revoked_at) <= 1)
);
-- One open invitation per address.
CREATE UNIQUE INDEX account_invitations_open_email ON account_invitations (lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX account_invitations_order ON account_invitations (created_at DESC, id DESC);

-- What admins and managers did. Append-only: rows are never changed or removed.
CREATE TABLE audit_log (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- No foreign key: a row never changes, even if its actor goes.
    actor_id uuid,
    -- The mutation, e.g. `deactivateUser`.
    action text NOT NULL,
    target_type text NOT NULL,
    target_id uuid,
    group_id uuid,
    before jsonb,
    after jsonb,
    request_id text NOT NULL DEFAULT ''
);
-- Ids are UUIDv7, so (occurred_at, id) and id order agree; the list pages newest first.
CREATE INDEX audit_log_order ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, occurred_at DESC);
CREATE INDEX audit_log_target ON audit_log (target_id, occurred_at DESC);
CREATE INDEX audit_log_group ON audit_log (group_id, occurred_at DESC) WHERE group_id IS NOT NULL;
CREATE INDEX audit_log_action ON audit_log (action, occurred_at DESC);

CREATE FUNCTION parvis_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION parvis_audit_log_append_only();
