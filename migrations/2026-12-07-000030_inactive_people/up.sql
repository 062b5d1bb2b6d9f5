-- Whether a direct conversation is closed (one of its two people deactivated) is asked of every
-- conversation looked up or listed; without this index PostgreSQL answered by scanning every
-- person (4 ms with 10,000 people, in each `messages` page and conversation list).
CREATE INDEX users_inactive ON users (id) WHERE status <> 'active';
