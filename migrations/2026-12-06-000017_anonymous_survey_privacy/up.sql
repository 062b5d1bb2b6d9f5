-- Anonymous surveys, anonymous enough.
--
-- Analytics. Every answer used to append an `activity_events` row (the person, the survey, a
-- microsecond time, a sequential id), which dated each participant's answer for anyone reading
-- the table or the reports. An anonymous answer now only adds one to a count per day, feature
-- and action, with no person, no subject and no time of day; the rollup adds these counts to
-- the organisation's feature use. The rows already written are folded into such counts.
--
-- Results. An anonymous survey's results stay hidden until `min_responses` people answered
-- (5 unless the creator says otherwise, never fewer than 3), so that a small team's answers
-- cannot be singled out. Surveys that are not anonymous show theirs from the first answer.

ALTER TABLE surveys ADD COLUMN min_responses integer NOT NULL DEFAULT 5 CHECK (min_responses >= 3);

-- Activity counted without anyone in it: how many times a feature's action happened on an
-- organisation day (the day it happened in `organization.time_zone` then).
CREATE TABLE activity_anonymous_days (
    day date NOT NULL,
    feature text NOT NULL,
    action text NOT NULL,
    events integer NOT NULL,
    PRIMARY KEY (day, feature, action)
);

INSERT INTO activity_anonymous_days (day, feature, action, events)
SELECT (e.occurred_at AT TIME ZONE o.time_zone)::date, e.feature, e.action, count(*)
FROM activity_events e
JOIN surveys s ON s.id = e.subject_id AND s.anonymous
CROSS JOIN organization o
WHERE e.feature = 'surveys' AND e.action = 'answered'
GROUP BY 1, 2, 3;

DELETE FROM activity_events e
USING surveys s
WHERE s.id = e.subject_id AND s.anonymous AND e.feature = 'surveys' AND e.action = 'answered';
