-- Standing membership rules: a group follows the directory (everyone in a department and/or at a
-- site), not only once. Memberships record whether a rule brought the person in, so that leaving
-- the department takes them out of the groups its rules gave them, and of no other.

CREATE TABLE group_membership_rules (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    -- Compared case-insensitively with users.department and users.site; a missing one matches
    -- anyone.
    department text,
    site text,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (department IS NOT NULL OR site IS NOT NULL)
);
CREATE UNIQUE INDEX group_membership_rules_unique
    ON group_membership_rules (group_id, lower(coalesce(department, '')), lower(coalesce(site, '')));
CREATE INDEX group_membership_rules_department ON group_membership_rules (lower(department));
CREATE INDEX group_membership_rules_site ON group_membership_rules (lower(site));

ALTER TABLE group_memberships ADD COLUMN added_by_rule boolean NOT NULL DEFAULT false;
