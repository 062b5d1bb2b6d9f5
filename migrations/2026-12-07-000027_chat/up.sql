-- Chat: conversations (a group's rooms, direct conversations between two people, group
-- conversations of 3 to 20 people), their members with read markers, and messages numbered in
-- order within each conversation.
CREATE TABLE conversations (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('group_room', 'direct', 'group_direct')),
    group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
    name text,
    -- Only the group's managers write in a read-only room (announcements).
    read_only boolean NOT NULL DEFAULT false,
    -- A direct conversation's pair, the smaller id first: one conversation per pair.
    direct_key text UNIQUE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    -- The number of the last message: a message takes the next one under this row's lock, so
    -- numbers follow the order of commits within the conversation.
    last_seq bigint NOT NULL DEFAULT 0,
    -- Messages outside threads (what `messages` pages through).
    message_count bigint NOT NULL DEFAULT 0,
    last_message_at timestamptz,
    CHECK ((kind = 'group_room') = (group_id IS NOT NULL)),
    CHECK (kind <> 'group_room' OR name IS NOT NULL),
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);

CREATE UNIQUE INDEX conversations_room_name ON conversations (group_id, lower(name))
    WHERE group_id IS NOT NULL;

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The number of the last message this person has read.
    read_seq bigint NOT NULL DEFAULT 0,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);

CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id);

CREATE TABLE messages (
    id uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- The sender's own id for the message: a retried send with the same one adds nothing.
    client_id text,
    body text NOT NULL,
    body_html text NOT NULL,
    -- The thread's root message, for a reply.
    reply_to_id uuid REFERENCES messages (id) ON DELETE CASCADE,
    reply_count integer NOT NULL DEFAULT 0,
    last_reply_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz,
    deleted_at timestamptz,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, author_id, client_id)
);

-- The organization may keep chat messages only so many days (null: for ever).
ALTER TABLE organization ADD COLUMN message_retention_days integer
    CHECK (message_retention_days BETWEEN 1 AND 36500);

CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_thread ON messages (reply_to_id, seq) WHERE reply_to_id IS NOT NULL;
CREATE INDEX messages_author ON messages (author_id);

-- Who each message mentions, numbered as the message, for the members' mention counts.
CREATE TABLE message_mentions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL,
    seq bigint NOT NULL,
    PRIMARY KEY (message_id, user_id)
);

CREATE INDEX message_mentions_member ON message_mentions (user_id, conversation_id, seq);

-- Messages take reactions as posts and comments do.
ALTER TABLE reactions DROP CONSTRAINT reactions_subject_kind_check,
    ADD CONSTRAINT reactions_subject_kind_check
        CHECK (subject_kind IN ('post', 'comment', 'message'));

-- A chat message's mentions notify (`chat_mention`).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
        'mention', 'group_mention', 'comment', 'reply', 'reaction', 'group_invitation',
        'join_request', 'join_request_decided', 'group_post', 'acknowledgement_requested',
        'event_invitation', 'event_updated', 'event_cancelled', 'event_reminder',
        'file_shared', 'file_updated', 'admin_message', 'chat_mention'));

-- A group's members are members of its rooms, whatever path changed the membership (the
-- server, a membership rule, a group's deletion): joining the group joins its rooms with their
-- history read, leaving it leaves them.
CREATE FUNCTION parvis_room_membership() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO conversation_members (conversation_id, user_id, read_seq)
        SELECT id, NEW.user_id, last_seq FROM conversations WHERE group_id = NEW.group_id
        ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM conversation_members AS m USING conversations AS c
        WHERE c.id = m.conversation_id AND c.group_id = OLD.group_id AND m.user_id = OLD.user_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER group_memberships_rooms
    AFTER INSERT OR DELETE ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION parvis_room_membership();

-- Who has a signed-in WebSocket open, per server instance: each instance refreshes its rows
-- every 20 seconds, and a row older than a minute (its instance died) counts for nothing and is
-- swept by the others.
CREATE TABLE presence_connections (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instance_id uuid NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, instance_id)
);

CREATE INDEX presence_connections_instance ON presence_connections (instance_id);

-- People who send no read receipts: nobody sees whether they read a message.
CREATE TABLE read_receipts_off (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE
);

-- People who said they are away: AWAY rather than ONLINE while connected.
CREATE TABLE presence_away (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    since timestamptz NOT NULL DEFAULT now()
);
