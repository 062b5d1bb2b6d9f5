-- Active use counts only what people do: a notification delivered to someone is no longer
-- activity of theirs (active users, adoption, feature usage, groups' activity). Every day that
-- still has raw activity is recomputed by the next rollup run so that older rollups follow.
INSERT INTO activity_dirty_days (day)
SELECT DISTINCT (e.occurred_at AT TIME ZONE o.time_zone)::date
FROM activity_events e, organization o
ON CONFLICT DO NOTHING;
