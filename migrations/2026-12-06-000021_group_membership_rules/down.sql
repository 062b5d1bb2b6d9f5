ALTER TABLE group_memberships DROP COLUMN added_by_rule;
DROP TABLE group_membership_rules;
