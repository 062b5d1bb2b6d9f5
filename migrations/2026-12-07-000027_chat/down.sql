DROP TABLE read_receipts_off;
DROP TABLE presence_away;
DROP TABLE presence_connections;
DROP TRIGGER group_memberships_rooms ON group_memberships;
DROP FUNCTION parvis_room_membership();
DELETE FROM notifications WHERE kind = 'chat_mention';
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
        'mention', 'group_mention', 'comment', 'reply', 'reaction', 'group_invitation',
        'join_request', 'join_request_decided', 'group_post', 'acknowledgement_requested',
        'event_invitation', 'event_updated', 'event_cancelled', 'event_reminder',
        'file_shared', 'file_updated', 'admin_message'));
DELETE FROM reactions WHERE subject_kind = 'message';
ALTER TABLE reactions DROP CONSTRAINT reactions_subject_kind_check,
    ADD CONSTRAINT reactions_subject_kind_check CHECK (subject_kind IN ('post', 'comment'));
DROP TABLE message_mentions;
DROP TABLE messages;
ALTER TABLE organization DROP COLUMN message_retention_days;
DROP TABLE conversation_members;
DROP TABLE conversations;
