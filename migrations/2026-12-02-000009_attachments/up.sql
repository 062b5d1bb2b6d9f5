-- Attachments: files uploaded for a post, a comment or an event (several each, in order), and
-- the images used as avatars and covers. An attachment is seen by whoever may see what it is
-- attached to; until it is attached, by its uploader alone (and removed after a day unused).

CREATE TABLE attachments (
    id uuid PRIMARY KEY,
    uploaded_by uuid REFERENCES users (id) ON DELETE SET NULL,
    name text NOT NULL,
    storage_key text NOT NULL UNIQUE,
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    sha256 bytea NOT NULL,
    content_type text NOT NULL,
    thumbnail_key text,
    post_id uuid REFERENCES posts (id) ON DELETE CASCADE,
    comment_id uuid REFERENCES comments (id) ON DELETE CASCADE,
    event_id uuid REFERENCES events (id) ON DELETE CASCADE,
    -- Order within its post, comment or event.
    position integer NOT NULL DEFAULT 0,
    -- Set when something first uses it (as an attachment, an avatar or a cover).
    attached_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(post_id, comment_id, event_id) <= 1)
);
CREATE INDEX attachments_of_post ON attachments (post_id, position) WHERE post_id IS NOT NULL;
CREATE INDEX attachments_of_comment ON attachments (comment_id, position) WHERE comment_id IS NOT NULL;
CREATE INDEX attachments_of_event ON attachments (event_id, position) WHERE event_id IS NOT NULL;
CREATE INDEX attachments_unused ON attachments (created_at) WHERE attached_at IS NULL;

-- However a row goes (replaced, detached, cascaded with its post or user), its objects become
-- garbage that the storage sweeper removes.
CREATE FUNCTION parvis_attachment_garbage() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO storage_garbage (storage_key)
    SELECT key FROM unnest(ARRAY[OLD.storage_key, OLD.thumbnail_key]) AS key
    WHERE key IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN OLD;
END $$;
CREATE TRIGGER attachments_to_garbage AFTER DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION parvis_attachment_garbage();

-- Avatars and covers are attachments (images with thumbnails); the uuid columns reserved for
-- them earlier now point at attachments.
ALTER TABLE groups RENAME COLUMN avatar_file_id TO avatar_attachment_id;
ALTER TABLE groups RENAME COLUMN cover_file_id TO cover_attachment_id;
ALTER TABLE groups
    ADD FOREIGN KEY (avatar_attachment_id) REFERENCES attachments (id) ON DELETE SET NULL,
    ADD FOREIGN KEY (cover_attachment_id) REFERENCES attachments (id) ON DELETE SET NULL;
ALTER TABLE events RENAME COLUMN cover_file_id TO cover_attachment_id;
ALTER TABLE events
    ADD FOREIGN KEY (cover_attachment_id) REFERENCES attachments (id) ON DELETE SET NULL;
-- An uploaded avatar wins over the picture an identity provider gives (`avatar_url`).
ALTER TABLE users
    ADD COLUMN avatar_attachment_id uuid REFERENCES attachments (id) ON DELETE SET NULL;
CREATE INDEX users_avatar ON users (avatar_attachment_id) WHERE avatar_attachment_id IS NOT NULL;
CREATE INDEX groups_avatar ON groups (avatar_attachment_id) WHERE avatar_attachment_id IS NOT NULL;
CREATE INDEX groups_cover ON groups (cover_attachment_id) WHERE cover_attachment_id IS NOT NULL;
CREATE INDEX events_cover ON events (cover_attachment_id) WHERE cover_attachment_id IS NOT NULL;
