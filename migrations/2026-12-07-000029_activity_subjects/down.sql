DROP TABLE activity_subject_days;
