-- Internal newsletters: communicators compose one from posts and events they choose and an
-- intro, then send it by email to an audience; every link in each copy is tracked.
CREATE TABLE newsletters (
    id uuid PRIMARY KEY,
    subject text NOT NULL CHECK (subject <> ''),
    -- Markdown, rendered (sanitised) in each copy.
    intro text NOT NULL DEFAULT '',
    -- The items in the order they appear; a post or event deleted since is left out of copies.
    post_ids uuid[] NOT NULL DEFAULT '{}' CHECK (array_position(post_ids, NULL) IS NULL),
    event_ids uuid[] NOT NULL DEFAULT '{}' CHECK (array_position(event_ids, NULL) IS NULL),
    -- The audience: everyone, and/or the members of these groups, and/or these departments.
    organisation_wide boolean NOT NULL DEFAULT false,
    group_ids uuid[] NOT NULL DEFAULT '{}' CHECK (array_position(group_ids, NULL) IS NULL),
    departments text[] NOT NULL DEFAULT '{}' CHECK (array_position(departments, NULL) IS NULL),
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Set once, by sendNewsletter; a sent newsletter never changes again.
    sent_at timestamptz,
    sent_by uuid REFERENCES users (id) ON DELETE SET NULL,
    CHECK (organisation_wide OR cardinality(group_ids) > 0 OR cardinality(departments) > 0)
);
-- The `newsletters` connection: newest first, keyset-paginated.
CREATE INDEX newsletters_newest ON newsletters (created_at DESC, id DESC);

-- Who a sent newsletter went to: one row per person (the sending job skips those it has), with
-- the email of their copy and the hash of the secret their tracked links carry.
CREATE TABLE newsletter_recipients (
    id uuid PRIMARY KEY,
    newsletter_id uuid NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email_id uuid REFERENCES outgoing_emails (id) ON DELETE SET NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (newsletter_id, user_id)
);
-- Deleting a person or an outgoing email finds their rows.
CREATE INDEX newsletter_recipients_user ON newsletter_recipients (user_id);
CREATE INDEX newsletter_recipients_email ON newsletter_recipients (email_id);

-- The targets a newsletter links to: the click redirect only ever goes to one of these.
CREATE TABLE newsletter_links (
    id uuid PRIMARY KEY,
    newsletter_id uuid NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    url text NOT NULL,
    UNIQUE (newsletter_id, url)
);

-- Clicks per link and recipient: the first and last time and how many.
CREATE TABLE newsletter_clicks (
    link_id uuid NOT NULL REFERENCES newsletter_links (id) ON DELETE CASCADE,
    recipient_id uuid NOT NULL REFERENCES newsletter_recipients (id) ON DELETE CASCADE,
    first_clicked_at timestamptz NOT NULL DEFAULT now(),
    last_clicked_at timestamptz NOT NULL DEFAULT now(),
    count integer NOT NULL DEFAULT 1 CHECK (count > 0),
    PRIMARY KEY (link_id, recipient_id)
);
-- Unique clickers of a newsletter, and cascades from recipients.
CREATE INDEX newsletter_clicks_recipient ON newsletter_clicks (recipient_id);
