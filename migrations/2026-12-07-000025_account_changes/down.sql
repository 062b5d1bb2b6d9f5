DROP TRIGGER personal_access_tokens_account_changed ON personal_access_tokens;
DROP TRIGGER sessions_account_changed ON sessions;
DROP TRIGGER users_account_changed ON users;
DROP FUNCTION parvis_account_changed();
