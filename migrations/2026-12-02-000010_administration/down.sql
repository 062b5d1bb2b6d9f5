DROP TABLE audit_log;
DROP FUNCTION parvis_audit_log_append_only();
DROP TABLE account_invitations;
ALTER TABLE users
    DROP COLUMN communicator,
    DROP COLUMN activation_code_hash,
    DROP COLUMN activation_expires_at,
    DROP COLUMN created_by,
    DROP COLUMN activated_at;
DELETE FROM users WHERE status = 'pending';
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'deactivated'));
DROP TABLE organization;
