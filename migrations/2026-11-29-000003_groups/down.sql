DROP TABLE group_webhooks;
DROP TABLE group_invitations;
DROP TABLE group_join_requests;
DROP TABLE group_memberships;
DROP FUNCTION parvis_count_group_members();
DROP TABLE groups;
