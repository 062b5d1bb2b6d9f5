DROP INDEX poll_votes_one_per_person;
ALTER TABLE poll_votes DROP CONSTRAINT poll_votes_poll_kind, DROP COLUMN multiple_choice;
ALTER TABLE polls DROP CONSTRAINT polls_post_id_kind;
