DROP TABLE unsubscribe_tokens;
DROP TABLE outgoing_emails;
ALTER TABLE users
    DROP CONSTRAINT users_quiet_hours_both,
    DROP COLUMN receives_newsletters,
    DROP COLUMN last_digest_at,
    DROP COLUMN digest_frequency,
    DROP COLUMN quiet_hours_end,
    DROP COLUMN quiet_hours_start;
DROP TABLE folder_follows;
DROP TABLE group_notification_settings;
DROP TABLE notification_preferences;
DROP TABLE notification_defaults;
DROP TABLE notifications;
CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    subject_id uuid,
    data jsonb NOT NULL DEFAULT '{}',
    dedupe_key text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at DESC);
