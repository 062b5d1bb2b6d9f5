DROP TRIGGER group_memberships_changed ON group_memberships;
DROP FUNCTION parvis_membership_changed();
