-- Events and calendar: events in groups or organisation-wide, recurring by RFC 5545 rules with
-- per-occurrence exceptions, RSVPs with capacity and a waitlist, reminders, calendar feeds.

ALTER TABLE groups ADD COLUMN event_policy text NOT NULL DEFAULT 'members'
    CHECK (event_policy IN ('members', 'managers'));

CREATE TABLE events (
    id uuid PRIMARY KEY,
    -- NULL: organisation-wide.
    group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    title text COLLATE "und-x-icu" NOT NULL,
    -- Markdown, as written.
    description text NOT NULL DEFAULT '',
    -- The first occurrence; later ones follow `recurrence` in `time_zone` (wall-clock time kept
    -- across daylight-saving changes).
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    time_zone text NOT NULL,
    all_day boolean NOT NULL DEFAULT false,
    location text,
    online_url text,
    online_provider text,
    cover_file_id uuid,
    capacity integer CHECK (capacity > 0),
    -- An RRULE value (FREQ=WEEKLY;BYDAY=MO...), NULL for a single event.
    recurrence text,
    -- When the last occurrence starts; NULL when the rule never ends. Lets a calendar window
    -- select the series that can have occurrences in it without expanding every rule.
    last_starts_at timestamptz,
    -- Minutes before each occurrence at which attendees are reminded.
    reminder_minutes integer[] NOT NULL DEFAULT '{1440,15}',
    cancelled_at timestamptz,
    cancellation_reason text,
    -- iCalendar SEQUENCE: calendars apply a change only when it grows.
    sequence integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    search_text text GENERATED ALWAYS AS (lower(parvis_unaccent(title || ' ' || description))) STORED,
    CHECK (ends_at >= starts_at),
    CHECK (recurrence IS NOT NULL OR last_starts_at = starts_at)
);
-- Calendar windows: events whose span of occurrences meets [from, to).
CREATE INDEX events_window ON events (starts_at, last_starts_at);
CREATE INDEX events_group ON events (group_id, starts_at);
CREATE TRIGGER events_set_updated_at BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

CREATE TABLE event_organizers (
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_organizers_user ON event_organizers (user_id);

-- One occurrence of a series cancelled or moved.
CREATE TABLE event_exceptions (
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- The occurrence's start as the rule gives it (iCalendar RECURRENCE-ID).
    original_starts_at timestamptz NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    starts_at timestamptz,
    ends_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, original_starts_at),
    CHECK (cancelled OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at >= starts_at))
);

CREATE TABLE event_attendees (
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('invited', 'going', 'maybe', 'declined', 'waitlisted')),
    -- The waitlist is served in the order people asked.
    responded_at timestamptz NOT NULL DEFAULT now(),
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    -- The attendee's own reminders (minutes before); NULL follows the event's.
    reminder_minutes integer[],
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_attendees_user ON event_attendees (user_id, status);
CREATE INDEX event_attendees_waitlist ON event_attendees (event_id, responded_at)
    WHERE status = 'waitlisted';
CREATE TRIGGER event_attendees_set_updated_at BEFORE UPDATE ON event_attendees
    FOR EACH ROW EXECUTE FUNCTION parvis_set_updated_at();

-- Personal calendar subscription feeds; the secret is in the URL, stored hashed.
CREATE TABLE calendar_feeds (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    revoked_at timestamptz,
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id);

-- In-app notifications. Reminders write here until the notifications work builds on it.
CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    subject_id uuid,
    data jsonb NOT NULL DEFAULT '{}',
    -- Makes delivering the same notice twice impossible (a reminder per occurrence and offset).
    dedupe_key text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at DESC);

-- A job that must exist once (a reminder for one occurrence): enqueueing it again does nothing.
ALTER TABLE jobs ADD COLUMN dedupe_key text UNIQUE;
