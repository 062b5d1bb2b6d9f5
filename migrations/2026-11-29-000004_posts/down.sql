DROP TABLE reactions;
DROP TABLE comments;
DROP TABLE post_mentions;
DROP TABLE post_pins;
DROP TABLE post_acknowledgements;
DROP TABLE post_views;
DROP TABLE post_audiences;
DROP TABLE posts;
