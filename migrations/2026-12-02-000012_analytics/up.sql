-- Analytics: the raw record of what people do (appended in batches off the request path, kept
-- `organization.activity_retention_days` days) and the daily rollups every report reads.
-- Days are the organisation's days: counted in `organization.time_zone`.

CREATE TABLE activity_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    -- No foreign keys: rows are written in bulk and never change.
    user_id uuid NOT NULL,
    group_id uuid,
    feature text NOT NULL,
    action text NOT NULL,
    subject_id uuid,
    -- A search that found nothing: its normalised query.
    detail text
);
-- Rows arrive in time order, so a BRIN index finds a day's rows at a tiny fraction of a B-tree's
-- size (the rollup reads one day at a time; retention deletes the oldest).
CREATE INDEX activity_events_time ON activity_events USING brin (occurred_at);

-- Append-only: retention may delete old rows, nothing may change one.
CREATE FUNCTION parvis_refuse_activity_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity_events is append-only';
END;
$$;
CREATE TRIGGER activity_events_append_only BEFORE UPDATE ON activity_events
    FOR EACH STATEMENT EXECUTE FUNCTION parvis_refuse_activity_change();

-- Days whose rollups must be recomputed: marked in the transaction that appends their events.
CREATE TABLE activity_dirty_days (
    day date PRIMARY KEY
);

-- In every rollup `scope` is the group the activity happened in, or the nil UUID for the whole
-- organisation (a key column cannot be NULL).

-- Who was active on a day, and how much.
CREATE TABLE activity_user_days (
    scope uuid NOT NULL,
    day date NOT NULL,
    user_id uuid NOT NULL,
    events integer NOT NULL,
    PRIMARY KEY (scope, day, user_id)
);
-- The active-user counts read every scope's days around a day.
CREATE INDEX activity_user_days_day ON activity_user_days (day);

-- Daily, weekly and monthly active users as of each day (the 1, 7 and 30 days ending on it),
-- overall (dimension `all`) and per department and site (people's current ones).
CREATE TABLE activity_active_days (
    scope uuid NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('all', 'department', 'site')),
    day date NOT NULL,
    -- The department or site; '' for `all` and for people without one.
    value text NOT NULL,
    dau integer NOT NULL,
    wau integer NOT NULL,
    mau integer NOT NULL,
    PRIMARY KEY (scope, dimension, day, value)
);
-- The rollup replaces whole days.
CREATE INDEX activity_active_days_day ON activity_active_days (day);

-- How often each feature was used on a day, and by how many people.
CREATE TABLE activity_feature_days (
    scope uuid NOT NULL,
    day date NOT NULL,
    feature text NOT NULL,
    action text NOT NULL,
    events integer NOT NULL,
    users integer NOT NULL,
    PRIMARY KEY (scope, day, feature, action)
);

-- Searches that found nothing, by query.
CREATE TABLE activity_missed_search_days (
    scope uuid NOT NULL,
    day date NOT NULL,
    query text NOT NULL,
    searches integer NOT NULL,
    PRIMARY KEY (scope, day, query)
);
