DROP INDEX users_inactive;
