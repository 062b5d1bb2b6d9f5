DROP TABLE storage_garbage;
DROP TABLE file_versions;
DROP TABLE files;
DROP TABLE folders;
DROP TABLE drives;
ALTER TABLE groups DROP COLUMN drive_policy;
