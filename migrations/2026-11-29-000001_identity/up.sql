-- Identity: people, their sessions and their personal access tokens.
-- Extensions live in `public` so that every schema (and every test schema) shares one copy.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary makes it safe to
-- use in generated columns and indexes.
CREATE FUNCTION parvis_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

CREATE FUNCTION parvis_set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text,
    username text NOT NULL,
    -- ICU root collation: "Émilie" sorts beside "Emilie", not after "Zoé".
    display_name text COLLATE "und-x-icu" NOT NULL,
    title text,
    department text,
    site text,
    phone text,
    bio text,
    locale text NOT NULL DEFAULT 'en',
    time_zone text NOT NULL DEFAULT 'UTC',
    org_role text NOT NULL DEFAULT 'member' CHECK (org_role IN ('admin', 'member', 'guest')),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
    password_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    search_text text GENERATED ALWAYS AS (
        lower(parvis_unaccent(
            display_name || ' ' || username || ' ' || coalesce(email, '') || ' ' ||
            coalesce(title, '') || ' ' || coalesce(department, '') || ' ' || coalesce(site, '')
        ))
    ) STORED
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
-- The directory is listed by name with keyset pagination on (display_name, id).
CREATE INDEX users_directory_order ON users (display_name, id);
CREATE INDEX users_search_text_trgm ON users USING gin (search_text public.gin_trgm_ops);
CREATE INDEX users_department ON users (lower(department));
CREATE INDEX users_site ON users (lower(site));
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE personal_access_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_access_tokens_user_id ON personal_access_tokens (user_id, created_at);
CREATE TRIGGER personal_access_tokens_set_updated_at BEFORE UPDATE ON personal_access_tokens
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();
