-- Each instance remembers verified credentials for a short while (auth::cache). Whatever changes
-- a person's account, a session or an access token, by any path (the server, a job, an admin's
-- SQL), tells every instance to forget that person's credentials: the event bus's channel is
-- `parvis_events_<schema>` (app.rs), and the payload is its `account_changed` event.
CREATE FUNCTION parvis_account_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    PERFORM pg_notify(
        'parvis_events_' || TG_TABLE_SCHEMA,
        json_build_object('kind', 'account_changed', 'user_id', changed ->> TG_ARGV[0])::text
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER users_account_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION parvis_account_changed('id');
-- Not on `last_seen_at` / `last_used_at`, which authentication itself updates.
CREATE TRIGGER sessions_account_changed AFTER UPDATE OF expires_at, user_id OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION parvis_account_changed('user_id');
CREATE TRIGGER personal_access_tokens_account_changed
    AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE ON personal_access_tokens
    FOR EACH ROW EXECUTE FUNCTION parvis_account_changed('user_id');
