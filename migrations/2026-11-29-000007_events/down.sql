ALTER TABLE jobs DROP COLUMN dedupe_key;
DROP TABLE notifications;
DROP TABLE calendar_feeds;
DROP TABLE event_attendees;
DROP TABLE event_exceptions;
DROP TABLE event_organizers;
DROP TABLE events;
ALTER TABLE groups DROP COLUMN event_policy;
