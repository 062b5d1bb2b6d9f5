DROP INDEX login_attempts_client_address;
ALTER TABLE login_attempts DROP COLUMN client_address;
