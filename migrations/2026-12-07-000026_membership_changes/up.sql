-- Each instance remembers people's roles in groups for its subscriptions (groups::roles).
-- Whatever changes a membership, by any path (the server, a job, a membership rule, an admin's
-- SQL, a group's deletion), tells every instance to forget that person's roles: the payload is
-- the event bus's `membership_changed` event, on its channel (see migration 25).
CREATE FUNCTION parvis_membership_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    person uuid;
BEGIN
    FOR person IN
        SELECT DISTINCT changed.user_id FROM (
            SELECT OLD.user_id WHERE TG_OP <> 'INSERT'
            UNION ALL
            SELECT NEW.user_id WHERE TG_OP <> 'DELETE'
        ) AS changed (user_id)
    LOOP
        PERFORM pg_notify(
            'parvis_events_' || TG_TABLE_SCHEMA,
            json_build_object('kind', 'membership_changed', 'user_id', person)::text
        );
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER group_memberships_changed
    AFTER INSERT OR UPDATE OF group_id, user_id, role OR DELETE ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION parvis_membership_changed();
