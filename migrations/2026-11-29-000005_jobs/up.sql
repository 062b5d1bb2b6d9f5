-- The durable job queue: every instance claims due jobs with FOR UPDATE SKIP LOCKED, runs each in
-- the claiming transaction and deletes it there, so a job's database effects happen exactly once
-- however many instances run, and nothing is lost across restarts.
CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    run_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_run_at ON jobs (run_at);
CREATE TRIGGER jobs_set_updated_at BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();
