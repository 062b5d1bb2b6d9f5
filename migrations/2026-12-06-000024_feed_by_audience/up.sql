-- The feed reads each of the viewer's groups newest first and merges them, instead of scanning
-- every post newest first and asking of each whether the viewer's groups hold it: a page then
-- costs what it shows, not the groups' history.
--
-- `listed_at` is the post's publication time while it is published and not deleted (NULL
-- otherwise; in the future while scheduled). Triggers keep it, so no code path can forget it.
ALTER TABLE post_audiences ADD COLUMN listed_at timestamptz;
UPDATE post_audiences a SET listed_at = p.published_at
FROM posts p WHERE p.id = a.post_id AND p.deleted_at IS NULL AND p.published_at IS NOT NULL;
CREATE INDEX post_audiences_feed_order ON post_audiences (group_id, listed_at DESC, post_id DESC)
    WHERE listed_at IS NOT NULL;

-- Organization-wide posts, newest first, merged into every member's feed.
CREATE INDEX posts_organization_wide_order ON posts (published_at DESC, id DESC)
    WHERE organization_wide AND deleted_at IS NULL AND published_at IS NOT NULL;

CREATE FUNCTION parvis_list_new_audience() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN p.deleted_at IS NULL THEN p.published_at END INTO NEW.listed_at
    FROM posts p WHERE p.id = NEW.post_id;
    RETURN NEW;
END $$;
CREATE TRIGGER post_audiences_listed_at BEFORE INSERT ON post_audiences
    FOR EACH ROW EXECUTE FUNCTION parvis_list_new_audience();

CREATE FUNCTION parvis_relist_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE post_audiences
    SET listed_at = CASE WHEN NEW.deleted_at IS NULL THEN NEW.published_at END
    WHERE post_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER posts_relist AFTER UPDATE OF published_at, deleted_at ON posts
    FOR EACH ROW
    WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION parvis_relist_post();
