-- One spelling (issue 19): the columns spelled "organisation" take the American spelling of the
-- `organization` table and of the API's `organizationWide`. Renaming keeps the data, the
-- newsletters' CHECK (it refers to the column, not to its name) and the defaults. The audit log's
-- snapshots written before keep `organisation_wide`: the log is append-only history.
ALTER TABLE posts RENAME COLUMN organisation_wide TO organization_wide;
ALTER TABLE surveys RENAME COLUMN organisation_wide TO organization_wide;
ALTER TABLE newsletters RENAME COLUMN organisation_wide TO organization_wide;
