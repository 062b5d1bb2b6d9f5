-- Chat messages carry attachments like posts, comments and events: seen by whoever sees the
-- message, deleted with it (a deleted message, or one past the retention: the attachments'
-- trigger makes their objects storage garbage).
ALTER TABLE attachments
    ADD COLUMN message_id uuid REFERENCES messages (id) ON DELETE CASCADE,
    DROP CONSTRAINT attachments_check,
    ADD CONSTRAINT attachments_one_subject
        CHECK (num_nonnulls(post_id, comment_id, event_id, message_id) <= 1);
CREATE INDEX attachments_of_message ON attachments (message_id, position)
    WHERE message_id IS NOT NULL;
