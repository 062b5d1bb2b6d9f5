ALTER TABLE users DROP COLUMN credentials_revoked_at;
DROP INDEX login_attempts_client_address;
ALTER TABLE login_attempts DROP COLUMN client_address;
