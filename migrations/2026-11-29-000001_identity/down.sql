DROP TABLE personal_access_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP FUNCTION parvis_set_updated_at();
DROP FUNCTION parvis_unaccent(text);
-- The extensions stay: other schemas of the database may use them.
