-- Groups (communities): membership with roles, join requests, invitations, incoming webhooks.

CREATE TABLE groups (
    id uuid PRIMARY KEY,
    name text COLLATE "und-x-icu" NOT NULL,
    slug text NOT NULL,
    -- Markdown, as written.
    description text NOT NULL DEFAULT '',
    visibility text NOT NULL CHECK (visibility IN ('public', 'private', 'secret')),
    join_policy text NOT NULL CHECK (join_policy IN ('open', 'request', 'invite_only')),
    posting_policy text NOT NULL CHECK (posting_policy IN ('members', 'managers')),
    -- File references, wired up when files land.
    avatar_file_id uuid,
    cover_file_id uuid,
    archived_at timestamptz,
    -- Kept exact by the trigger on group_memberships.
    member_count integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    search_text text GENERATED ALWAYS AS (
        lower(parvis_unaccent(name || ' ' || slug || ' ' || description))
    ) STORED,
    -- Private groups are joined by request or invitation, secret ones by invitation only.
    CHECK (visibility = 'public' OR join_policy <> 'open'),
    CHECK (visibility <> 'secret' OR join_policy = 'invite_only')
);
CREATE UNIQUE INDEX groups_slug_key ON groups (lower(slug));
CREATE INDEX groups_list_order ON groups (name, id);
CREATE INDEX groups_search_text_trgm ON groups USING gin (search_text public.gin_trgm_ops);
CREATE TRIGGER groups_set_updated_at BEFORE UPDATE ON groups
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE group_memberships (
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'manager', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_memberships_user_id ON group_memberships (user_id);
CREATE TRIGGER group_memberships_set_updated_at BEFORE UPDATE ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE FUNCTION parvis_count_group_members() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE groups SET member_count = member_count + 1 WHERE id = NEW.group_id;
    ELSE
        UPDATE groups SET member_count = member_count - 1 WHERE id = OLD.group_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER group_memberships_count AFTER INSERT OR DELETE ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION parvis_count_group_members();

CREATE TABLE group_join_requests (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message text,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'declined', 'cancelled')),
    decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX group_join_requests_one_pending ON group_join_requests (group_id, user_id)
    WHERE status = 'pending';
CREATE INDEX group_join_requests_user_id ON group_join_requests (user_id);
CREATE TRIGGER group_join_requests_set_updated_at BEFORE UPDATE ON group_join_requests
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE group_invitations (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX group_invitations_one_pending ON group_invitations (group_id, user_id)
    WHERE status = 'pending';
CREATE INDEX group_invitations_user_id ON group_invitations (user_id);
CREATE TRIGGER group_invitations_set_updated_at BEFORE UPDATE ON group_invitations
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE group_webhooks (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX group_webhooks_group_id ON group_webhooks (group_id);
CREATE TRIGGER group_webhooks_set_updated_at BEFORE UPDATE ON group_webhooks
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();
