-- What each feature was used on, per day: the things (a conversation written in, a post read)
-- that saw activity, for counts of distinct things over a range ("active conversations").
CREATE TABLE activity_subject_days (
    scope uuid NOT NULL,
    day date NOT NULL,
    feature text NOT NULL,
    subject_id uuid NOT NULL,
    events integer NOT NULL,
    PRIMARY KEY (scope, feature, day, subject_id)
);
-- The rollup replaces whole days.
CREATE INDEX activity_subject_days_day ON activity_subject_days (day);

-- Days whose raw activity is still kept are rolled up again to fill it.
INSERT INTO activity_dirty_days (day)
SELECT DISTINCT (e.occurred_at AT TIME ZONE o.time_zone)::date
FROM activity_events e, organization o
ON CONFLICT DO NOTHING;
