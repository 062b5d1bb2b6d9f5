-- The activity rows folded into counts are not restored: nothing says who answered when.
DROP TABLE activity_anonymous_days;
ALTER TABLE surveys DROP COLUMN min_responses;
