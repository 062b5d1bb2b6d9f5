DELETE FROM attachments WHERE message_id IS NOT NULL;
ALTER TABLE attachments
    DROP CONSTRAINT attachments_one_subject,
    DROP COLUMN message_id,
    ADD CONSTRAINT attachments_check CHECK (num_nonnulls(post_id, comment_id, event_id) <= 1);
