ALTER TABLE newsletters RENAME COLUMN organization_wide TO organisation_wide;
ALTER TABLE surveys RENAME COLUMN organization_wide TO organisation_wide;
ALTER TABLE posts RENAME COLUMN organization_wide TO organisation_wide;
