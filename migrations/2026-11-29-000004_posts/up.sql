-- Posts in groups or organisation-wide, with their audiences, mentions, comments and reactions.

CREATE TABLE posts (
    id uuid PRIMARY KEY,
    -- A person, or an integration (group webhook) for automated posts.
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    webhook_id uuid REFERENCES group_webhooks (id) ON DELETE SET NULL,
    -- The integration's name as it posted (shown instead of an author).
    integration_name text,
    title text,
    -- Markdown as written, and its sanitised HTML.
    body text NOT NULL,
    body_html text NOT NULL,
    organisation_wide boolean NOT NULL DEFAULT false,
    -- Announcements readers confirm they have read.
    requires_acknowledgement boolean NOT NULL DEFAULT false,
    -- NULL while a draft; in the future while scheduled.
    published_at timestamptz,
    edited_at timestamptz,
    deleted_at timestamptz,
    deleted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The feed: newest first, keyset on (published_at, id).
CREATE INDEX posts_feed_order ON posts (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND published_at IS NOT NULL;
CREATE INDEX posts_author_id ON posts (author_id, published_at DESC, id DESC);
CREATE TRIGGER posts_set_updated_at BEFORE UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

-- What a post said before each edit (shown to its groups' managers and org admins).
CREATE TABLE post_versions (
    id uuid PRIMARY KEY,
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    title text,
    body text NOT NULL,
    -- When this text stopped being current.
    replaced_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_versions_post_id ON post_versions (post_id, replaced_at);

-- The groups a post is published in (one post, several audiences).
CREATE TABLE post_audiences (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, group_id)
);
CREATE INDEX post_audiences_group_id ON post_audiences (group_id, post_id);

-- The first time each person opened each post (reach analytics, `viewerHasSeen`).
CREATE TABLE post_views (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_views_user_id ON post_views (user_id);

-- Readers who confirmed an announcement.
CREATE TABLE post_acknowledgements (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_acknowledgements_user_id ON post_acknowledgements (user_id);

-- Pinned posts, in a group or (group_id NULL) on the organisation's home, in order.
CREATE TABLE post_pins (
    id uuid PRIMARY KEY,
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
    position integer NOT NULL DEFAULT 0,
    pinned_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX post_pins_in_group ON post_pins (group_id, post_id) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX post_pins_on_home ON post_pins (post_id) WHERE group_id IS NULL;
CREATE INDEX post_pins_post_id ON post_pins (post_id);
CREATE TRIGGER post_pins_set_updated_at BEFORE UPDATE ON post_pins
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

-- People mentioned with @username (the notifications work reads these).
CREATE TABLE post_mentions (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_mentions_user_id ON post_mentions (user_id);

-- Whole groups mentioned with @group-slug by their managers (every member is notified).
CREATE TABLE post_group_mentions (
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, group_id)
);
CREATE INDEX post_group_mentions_group_id ON post_group_mentions (group_id);

-- A poll on a post: its options and everyone's votes.
CREATE TABLE polls (
    post_id uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    multiple_choice boolean NOT NULL DEFAULT false,
    anonymous boolean NOT NULL DEFAULT false,
    closes_at timestamptz,
    results_visibility text NOT NULL DEFAULT 'always'
        CHECK (results_visibility IN ('always', 'after_voting', 'after_closing')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE poll_options (
    id uuid PRIMARY KEY,
    post_id uuid NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    position integer NOT NULL,
    label text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (post_id, position)
);
CREATE TABLE poll_votes (
    option_id uuid NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id uuid NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (option_id, user_id)
);
CREATE INDEX poll_votes_post_user ON poll_votes (post_id, user_id);

CREATE TABLE comments (
    id uuid PRIMARY KEY,
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- One level of replies: a reply's parent is a top-level comment.
    parent_id uuid REFERENCES comments (id) ON DELETE CASCADE,
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    body text NOT NULL,
    body_html text NOT NULL,
    edited_at timestamptz,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_post_id ON comments (post_id, created_at, id);
CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

-- People mentioned with @username in comments.
CREATE TABLE comment_mentions (
    comment_id uuid NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user_id ON comment_mentions (user_id);

-- One reaction of each emoji per person on a post or a comment.
CREATE TABLE reactions (
    subject_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji text NOT NULL,
    subject_kind text NOT NULL CHECK (subject_kind IN ('post', 'comment')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, user_id, emoji)
);
