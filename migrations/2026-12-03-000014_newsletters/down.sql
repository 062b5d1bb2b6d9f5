DROP TABLE newsletter_clicks;
DROP TABLE newsletter_links;
DROP TABLE newsletter_recipients;
DROP TABLE newsletters;
