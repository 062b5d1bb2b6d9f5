DROP TRIGGER posts_relist ON posts;
DROP FUNCTION parvis_relist_post();
DROP TRIGGER post_audiences_listed_at ON post_audiences;
DROP FUNCTION parvis_list_new_audience();
DROP INDEX posts_organization_wide_order;
DROP INDEX post_audiences_feed_order;
ALTER TABLE post_audiences DROP COLUMN listed_at;
