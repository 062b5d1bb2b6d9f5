DROP TABLE activity_missed_search_days;
DROP TABLE activity_feature_days;
DROP TABLE activity_active_days;
DROP TABLE activity_user_days;
DROP TABLE activity_dirty_days;
DROP TABLE activity_events;
DROP FUNCTION parvis_refuse_activity_change();
