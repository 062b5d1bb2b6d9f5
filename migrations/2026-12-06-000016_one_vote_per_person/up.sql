-- One vote per person in a single-choice poll, kept by the database rather than by the order in
-- which requests happen to run: each vote carries its poll's kind (copied under a foreign key, so
-- it cannot drift) and a unique index allows one row per poll and voter where the poll is
-- single-choice. Votes are also written with the poll locked (see `posts::polls::vote`), so
-- racing ballots of one person replace each other instead of colliding.

ALTER TABLE polls ADD CONSTRAINT polls_post_id_kind UNIQUE (post_id, multiple_choice);

ALTER TABLE poll_votes ADD COLUMN multiple_choice boolean;
UPDATE poll_votes v SET multiple_choice = p.multiple_choice
FROM polls p WHERE p.post_id = v.post_id;
-- Racing requests before this migration could leave several votes of one person in a
-- single-choice poll: keep the latest.
DELETE FROM poll_votes v USING poll_votes newer
WHERE NOT v.multiple_choice
  AND newer.post_id = v.post_id
  AND newer.user_id = v.user_id
  AND (newer.created_at, newer.option_id) > (v.created_at, v.option_id);
ALTER TABLE poll_votes
    ALTER COLUMN multiple_choice SET NOT NULL,
    ADD CONSTRAINT poll_votes_poll_kind FOREIGN KEY (post_id, multiple_choice)
        REFERENCES polls (post_id, multiple_choice) ON DELETE CASCADE;
CREATE UNIQUE INDEX poll_votes_one_per_person ON poll_votes (post_id, user_id)
    WHERE NOT multiple_choice;
