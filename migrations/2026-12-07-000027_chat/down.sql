DROP TRIGGER group_memberships_rooms ON group_memberships;
DROP FUNCTION parvis_room_membership();
DROP TABLE message_mentions;
DROP TABLE messages;
DROP TABLE conversation_members;
DROP TABLE conversations;
