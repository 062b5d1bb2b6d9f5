-- Files: a drive per group and per person, folders as a tree, files with versions kept in object
-- storage under random keys (never derived from names), a trash, quotas.

ALTER TABLE groups ADD COLUMN drive_policy text NOT NULL DEFAULT 'members'
    CHECK (drive_policy IN ('members', 'managers'));

CREATE TABLE drives (
    id uuid PRIMARY KEY,
    group_id uuid UNIQUE REFERENCES groups (id) ON DELETE CASCADE,
    owner_id uuid UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    quota_bytes bigint NOT NULL CHECK (quota_bytes >= 0),
    -- Every stored version counts (trashed ones too, until purged); kept exact by the writes.
    used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((group_id IS NULL) <> (owner_id IS NULL))
);

CREATE TABLE folders (
    id uuid PRIMARY KEY,
    drive_id uuid NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    -- NULL for the drive's root folder.
    parent_id uuid REFERENCES folders (id) ON DELETE CASCADE,
    name text COLLATE "und-x-icu" NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX folders_one_root ON folders (drive_id) WHERE parent_id IS NULL;
-- Names are unique in a folder (case-insensitively) among what is not in the trash.
CREATE UNIQUE INDEX folders_unique_name ON folders (parent_id, lower(name)) WHERE deleted_at IS NULL;
CREATE TRIGGER folders_set_updated_at BEFORE UPDATE ON folders
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE files (
    id uuid PRIMARY KEY,
    drive_id uuid NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    folder_id uuid NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    name text COLLATE "und-x-icu" NOT NULL,
    -- The current version's, copied for listing and sorting.
    size_bytes bigint NOT NULL DEFAULT 0,
    content_type text NOT NULL,
    version_count integer NOT NULL DEFAULT 1,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    search_text text GENERATED ALWAYS AS (lower(parvis_unaccent(name))) STORED
);
CREATE UNIQUE INDEX files_unique_name ON files (folder_id, lower(name)) WHERE deleted_at IS NULL;
CREATE INDEX files_by_name ON files (folder_id, name, id);
CREATE INDEX files_by_updated ON files (folder_id, updated_at, id);
CREATE INDEX files_by_size ON files (folder_id, size_bytes, id);
CREATE INDEX files_recent ON files (drive_id, updated_at DESC);
CREATE INDEX files_search_text_trgm ON files USING gin (search_text public.gin_trgm_ops);

CREATE TABLE file_versions (
    id uuid PRIMARY KEY,
    file_id uuid NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    number integer NOT NULL,
    storage_key text NOT NULL UNIQUE,
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    sha256 bytea NOT NULL,
    content_type text NOT NULL,
    -- The original name at upload time (a later rename keeps it for the version list).
    uploaded_name text NOT NULL,
    uploaded_by uuid REFERENCES users (id) ON DELETE SET NULL,
    thumbnail_key text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (file_id, number)
);

-- Objects in storage that no row owns yet or any more: removed by a job once `sweep_after` has
-- passed (an upload still streaming is listed with an hour's grace; a purged version at once), so
-- storage never keeps orphans, even after a crash.
CREATE TABLE storage_garbage (
    storage_key text PRIMARY KEY,
    sweep_after timestamptz NOT NULL DEFAULT now()
);
