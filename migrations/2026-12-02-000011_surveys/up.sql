-- Pulse surveys: questions of four kinds for the whole organisation or some groups, open between
-- two dates (or until closed early), answered once per person, anonymously or not.
--
-- Anonymity. For an anonymous survey nothing stored links an answer to a person:
-- * `survey_participants` records who answered (so each person answers once) and nothing else:
--   no timestamp and no id, since either would date the row and could be matched against a
--   response, or against the request log (which records who called `answerSurvey` when).
-- * `survey_responses` has no user id (a CHECK ties `user_id` to the survey's anonymity, copied
--   here under a foreign key so it cannot drift), no timestamp, and a random (v4) id: a
--   time-ordered id (v7) or a sequence would date each response or rank them in the order they
--   came, which is the order of the participants too.
-- * `survey_answers` hang off the response only, without timestamps.
-- * The application never lists responses in the order they arrived: results aggregate, free
--   text and CSV rows come in response-id order, which is random.
-- What stays below the SQL the application runs: the rows one transaction writes share its
-- transaction id (`xmin`) and are appended to each table's heap in arrival order, so someone
-- with direct access to the database (reading system columns, raw pages, or an unsorted dump)
-- could pair a participant with a response. Closing that too would need responses written in
-- shuffled batches by a mixing job, decoupled from the participant's transaction.

CREATE TABLE surveys (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    anonymous boolean NOT NULL,
    -- Every member of the organisation (not guests); otherwise the members of `survey_groups`.
    organisation_wide boolean NOT NULL,
    opens_at timestamptz NOT NULL,
    -- NULL: open until closed by hand.
    closes_at timestamptz,
    -- Closed early (`closeSurvey`).
    closed_at timestamptz,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_at IS NULL OR closes_at > opens_at),
    -- The target of survey_responses' (survey_id, anonymous) key.
    UNIQUE (id, anonymous)
);
CREATE INDEX surveys_created ON surveys (created_at DESC, id DESC);
CREATE INDEX surveys_created_by ON surveys (created_by);

CREATE TABLE survey_groups (
    survey_id uuid NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (survey_id, group_id)
);
CREATE INDEX survey_groups_group ON survey_groups (group_id);

CREATE TABLE survey_questions (
    id uuid PRIMARY KEY,
    survey_id uuid NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    position integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('single_choice', 'multiple_choice', 'scale', 'free_text')),
    prompt text NOT NULL,
    -- The choices of choice questions, answered by index; empty for the other kinds.
    options text[] NOT NULL DEFAULT '{}',
    required boolean NOT NULL DEFAULT true,
    UNIQUE (survey_id, position),
    CHECK ((kind IN ('single_choice', 'multiple_choice')) = (cardinality(options) > 0))
);

-- Who answered: one row per person and survey, deliberately without a timestamp (see above).
CREATE TABLE survey_participants (
    survey_id uuid NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (survey_id, user_id)
);
CREATE INDEX survey_participants_user ON survey_participants (user_id);

CREATE TABLE survey_responses (
    -- Random (UUID v4), never time-ordered (see above).
    id uuid PRIMARY KEY,
    survey_id uuid NOT NULL,
    anonymous boolean NOT NULL,
    -- Only for surveys that are not anonymous.
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    FOREIGN KEY (survey_id, anonymous) REFERENCES surveys (id, anonymous) ON DELETE CASCADE,
    CHECK (NOT anonymous OR user_id IS NULL),
    UNIQUE (survey_id, user_id)
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);

-- One answer per question answered: option indexes, a 1-5 value or a text.
CREATE TABLE survey_answers (
    response_id uuid NOT NULL REFERENCES survey_responses (id) ON DELETE CASCADE,
    question_id uuid NOT NULL REFERENCES survey_questions (id) ON DELETE CASCADE,
    choices integer[],
    scale integer CHECK (scale BETWEEN 1 AND 5),
    text text,
    PRIMARY KEY (response_id, question_id),
    CHECK (num_nonnulls(choices, scale, text) = 1)
);
CREATE INDEX survey_answers_question ON survey_answers (question_id, response_id);
