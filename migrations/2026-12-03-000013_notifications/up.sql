-- One notification model for every feature. The interim table the events work wrote reminders
-- to is replaced (its rows carry over as event reminders).
ALTER TABLE notifications RENAME TO interim_notifications;
ALTER INDEX notifications_recipient RENAME TO interim_notifications_recipient;

CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN (
        'mention', 'group_mention', 'comment', 'reply', 'reaction', 'group_invitation',
        'join_request', 'join_request_decided', 'group_post', 'acknowledgement_requested',
        'event_invitation', 'event_updated', 'event_cancelled', 'event_reminder',
        'file_shared', 'file_updated', 'admin_message')),
    -- What it is about, as a global ID's type name and id (`Post`, `Group`, `Event`, `File`...).
    subject_type text,
    subject_id uuid,
    -- The group it happened in: muting a group silences it.
    group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
    -- Who did it, most recent first, each once; `actor_count` counts them all.
    actor_ids uuid[] NOT NULL DEFAULT '{}',
    actor_count int NOT NULL DEFAULT 0,
    -- What the kind needs besides the subject (a comment's id, an event's new time, a message).
    data jsonb NOT NULL DEFAULT '{}',
    -- Notifications with the same key collapse into one while it is unread ("Anna and 4 others").
    group_key text NOT NULL,
    -- How the recipient chose to hear of it: in_app, email (at once) or digest.
    delivery text NOT NULL CHECK (delivery IN ('in_app', 'email', 'digest')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz,
    read_at timestamptz,
    -- When an email (immediate or digest) told of it.
    emailed_at timestamptz
);
CREATE UNIQUE INDEX notifications_collapse ON notifications (recipient_id, group_key)
    WHERE read_at IS NULL;
CREATE INDEX notifications_recipient ON notifications (recipient_id, updated_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL;
-- Housekeeping expires read notifications by when they were read, unread ones by age.
CREATE INDEX notifications_read ON notifications (read_at) WHERE read_at IS NOT NULL;
CREATE INDEX notifications_unread_age ON notifications (updated_at) WHERE read_at IS NULL;
CREATE INDEX notifications_pending_digest ON notifications (recipient_id, created_at)
    WHERE delivery = 'digest' AND emailed_at IS NULL AND read_at IS NULL;

INSERT INTO notifications (id, recipient_id, kind, subject_type, subject_id, data, group_key,
                           delivery, created_at, updated_at, read_at, seen_at)
SELECT id, recipient_id, 'event_reminder', 'Event', subject_id, data,
       coalesce(dedupe_key, id::text), 'in_app', created_at, created_at, read_at, read_at
FROM interim_notifications WHERE kind = 'event_reminder';
DROP TABLE interim_notifications;

-- How each kind is delivered unless a person chose otherwise (set by admins); kinds without a
-- row use the built-in defaults.
CREATE TABLE notification_defaults (
    kind text PRIMARY KEY,
    delivery text NOT NULL CHECK (delivery IN ('off', 'in_app', 'email', 'digest')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A person's own choice per kind.
CREATE TABLE notification_preferences (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    delivery text NOT NULL CHECK (delivery IN ('off', 'in_app', 'email', 'digest')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

-- Per-group overrides: `muted` (nothing from the group) or `all_posts` (every new post).
CREATE TABLE group_notification_settings (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    level text NOT NULL CHECK (level IN ('muted', 'all_posts')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX group_notification_settings_group ON group_notification_settings (group_id, level);

-- Folders whose new and updated files a person hears of.
CREATE TABLE folder_follows (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    folder_id uuid NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, folder_id)
);
CREATE INDEX folder_follows_folder ON folder_follows (folder_id);

-- Do-not-disturb hours (local time in the person's time zone; may wrap past midnight) and the
-- digest rhythm.
ALTER TABLE users
    ADD COLUMN quiet_hours_start time,
    ADD COLUMN quiet_hours_end time,
    ADD COLUMN digest_frequency text NOT NULL DEFAULT 'daily'
        CHECK (digest_frequency IN ('never', 'daily', 'weekly')),
    ADD COLUMN last_digest_at timestamptz,
    -- Internal newsletters by email (unsubscribing turns this off).
    ADD COLUMN receives_newsletters boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT users_quiet_hours_both CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL));

-- Every email Parvis sends, rendered once (the exact MIME message), then sent by a job: a failed
-- SMTP server leaves it here for the next try, and `sent_at` makes sending it twice impossible.
CREATE TABLE outgoing_emails (
    id uuid PRIMARY KEY,
    recipient_id uuid REFERENCES users (id) ON DELETE SET NULL,
    to_address text NOT NULL,
    -- notification, digest, newsletter...
    purpose text NOT NULL,
    subject text NOT NULL,
    message bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX outgoing_emails_unsent ON outgoing_emails (created_at) WHERE sent_at IS NULL;
CREATE INDEX outgoing_emails_sent ON outgoing_emails (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outgoing_emails_recipient ON outgoing_emails (recipient_id, created_at DESC);

-- Unsubscribe links: a random token per email and topic (a notification kind, `digest`,
-- `newsletter`), usable without signing in; only its hash is stored.
CREATE TABLE unsubscribe_tokens (
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz
);
CREATE INDEX unsubscribe_tokens_created ON unsubscribe_tokens (created_at);
