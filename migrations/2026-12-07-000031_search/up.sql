-- One search over everything a person may see (issue 23): an entry per person, group, post,
-- comment, event, file and chat message, kept by triggers in the same transaction as the change
-- (edits, deletions and moves show at once, never after a reindex), with who may see it as a set
-- of keys that a search compares with the viewer's (see src/policy/search.rs).
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;

-- Text with case and accents set aside, for equality: the directory's department and site
-- filters, adding members by attribute and membership rules ("Montreal" is "Montréal").
CREATE FUNCTION parvis_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(parvis_unaccent($1)) $$;
DROP INDEX users_department;
DROP INDEX users_site;
DROP INDEX group_membership_rules_department;
DROP INDEX group_membership_rules_site;
CREATE INDEX users_department ON users (parvis_fold(department));
CREATE INDEX users_site ON users (parvis_fold(site));
CREATE INDEX group_membership_rules_department ON group_membership_rules (parvis_fold(department));
CREATE INDEX group_membership_rules_site ON group_membership_rules (parvis_fold(site));

-- French and English stemming, both applied to every text (an intranet writes in both), plus the
-- words as written for prefixes ("search as you type"); accents and case never matter.
CREATE TEXT SEARCH CONFIGURATION parvis_french (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION parvis_french
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION parvis_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION parvis_english
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION parvis_simple (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION parvis_simple
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, simple;

-- The words of a text in the three configurations, weighted (titles rank above bodies). Each
-- configuration's words follow the last one's 100 positions further on (a lexeme put there and
-- taken out again), so that no phrase is found across two of them or across title and body.
-- Long texts are cut: what lies past 100,000 characters is not indexed.
CREATE FUNCTION parvis_search_vector(body text, weight "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT setweight(ts_delete(to_tsvector('parvis_french'::regconfig, cut.text)
                                     || 'parvis0gap:100'::tsvector
                                     || to_tsvector('parvis_english'::regconfig, cut.text)
                                     || 'parvis0gap:100'::tsvector
                                     || to_tsvector('parvis_simple'::regconfig, cut.text)
                                     || 'parvis0gap:100'::tsvector,
                                     'parvis0gap'),
                           weight)
          FROM (SELECT left(coalesce(body, ''), 100000) AS text) cut $$;

-- The text of sanitised HTML (what the Markdown renderer wrote): tags become spaces, and the
-- entities the sanitiser writes become their characters.
CREATE FUNCTION parvis_html_text(html text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT replace(replace(replace(replace(replace(replace(
                   regexp_replace(html, '<[^>]*>', ' ', 'g'),
                   '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&nbsp;', ' '),
                   '&amp;', '&') $$;

-- What a query looks for, as a text search query: `clauses` is the parsed query of
-- src/search/query.rs ([{"negated": bool, "terms": [{"kind": "word" | "prefix" | "phrase",
-- "text": ...}]}]): the clauses all hold, a clause's terms are alternatives. Each term is looked
-- for in French, in English and as written; a stop word of either language is no term (it would
-- match nearly everything). NULL when nothing is left to look for but exclusions.
CREATE FUNCTION parvis_search_term(term jsonb) RETURNS tsquery
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    words text := term ->> 'text';
    french tsquery;
    english tsquery;
    written tsquery;
BEGIN
    IF term ->> 'kind' = 'phrase' THEN
        french := phraseto_tsquery('parvis_french', words);
        english := phraseto_tsquery('parvis_english', words);
        written := phraseto_tsquery('parvis_simple', words);
    ELSE
        french := plainto_tsquery('parvis_french', words);
        english := plainto_tsquery('parvis_english', words);
        written := plainto_tsquery('parvis_simple', words);
    END IF;
    IF term ->> 'kind' = 'prefix' THEN
        -- The word being typed: also any word it begins (its text is letters and digits).
        RETURN CASE WHEN numnode(french) = 0 OR numnode(english) = 0 THEN written
                    ELSE french || english || written END
            || to_tsquery('parvis_simple', quote_literal(words) || ':*');
    END IF;
    IF numnode(french) = 0 OR numnode(english) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN french || english || written;
END $$;

CREATE FUNCTION parvis_search_query(clauses jsonb) RETURNS tsquery
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    clause jsonb;
    term jsonb;
    one tsquery;
    any_of tsquery;
    looked_for tsquery;
    excluded tsquery;
BEGIN
    FOR clause IN SELECT value FROM jsonb_array_elements(clauses) LOOP
        any_of := NULL;
        FOR term IN SELECT value FROM jsonb_array_elements(clause -> 'terms') LOOP
            one := parvis_search_term(term);
            any_of := coalesce(any_of || one, any_of, one);
        END LOOP;
        IF (clause ->> 'negated')::boolean THEN
            excluded := coalesce(excluded || any_of, excluded, any_of);
        ELSE
            looked_for := coalesce(looked_for && any_of, looked_for, any_of);
        END IF;
    END LOOP;
    RETURN coalesce(looked_for && !! excluded, looked_for);
END $$;

-- Whether every one of `words` (lower case, without accents) is written in `title` (the same)
-- with at most one typo in four letters, two from five ("Dubios" finds "Dubois").
CREATE FUNCTION parvis_typos_allowed(word text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN length(word) >= 5 THEN 2 WHEN length(word) = 4 THEN 1 ELSE 0 END $$;
CREATE FUNCTION parvis_typo_match(title text, words text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT NOT EXISTS (
              SELECT 1 FROM unnest(words) AS wanted (word)
              WHERE NOT EXISTS (
                  SELECT 1 FROM regexp_split_to_table(title, '[^[:alnum:]]+') AS written (word)
                  WHERE public.levenshtein_less_equal(written.word, wanted.word,
                                                      parvis_typos_allowed(wanted.word))
                        <= parvis_typos_allowed(wanted.word))) $$;

CREATE TABLE search_entries (
    kind text NOT NULL
        CHECK (kind IN ('person', 'group', 'post', 'comment', 'event', 'file', 'message')),
    item_id uuid NOT NULL,
    -- A name or title, matched with typo tolerance too.
    title text,
    title_words text GENERATED ALWAYS AS (parvis_fold(title)) STORED,
    document tsvector NOT NULL,
    -- Who may see the item: anyone holding one of these keys (src/policy/search.rs) ...
    scopes text[] NOT NULL,
    -- ... once it is published (NULL: it is); until then (a draft: 'infinity') only `owner_id`
    -- sees it.
    hidden_until timestamptz,
    owner_id uuid,
    -- What the filters look at: the groups it is in, who wrote it, when it happened.
    group_ids uuid[] NOT NULL DEFAULT '{}',
    author_id uuid,
    happened_at timestamptz NOT NULL,
    PRIMARY KEY (kind, item_id)
);
-- One index answers "matches the words and is visible to one of these keys".
CREATE INDEX search_entries_document ON search_entries USING gin (document, scopes);
CREATE INDEX search_entries_title ON search_entries USING gin (title_words public.gin_trgm_ops);
CREATE INDEX search_entries_owner ON search_entries (owner_id) WHERE hidden_until IS NOT NULL;

-- The body text an item is found by and highlighted in (the title is kept in the entry).
CREATE FUNCTION parvis_search_body(kind text, item uuid) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT CASE kind
            WHEN 'person' THEN (SELECT concat_ws(' ', u.username, u.title, u.department, u.site)
                                FROM users u WHERE u.id = item)
            WHEN 'group' THEN (SELECT g.description FROM groups g WHERE g.id = item)
            WHEN 'post' THEN (SELECT parvis_html_text(p.body_html) FROM posts p WHERE p.id = item)
            WHEN 'comment' THEN (SELECT parvis_html_text(c.body_html) FROM comments c
                                 WHERE c.id = item)
            WHEN 'event' THEN (SELECT concat_ws(' ', e.description, e.location) FROM events e
                               WHERE e.id = item)
            WHEN 'message' THEN (SELECT parvis_html_text(m.body_html) FROM messages m
                                 WHERE m.id = item)
          END $$;

-- Writes an item's entry (its words from its title and `parvis_search_body`).
CREATE FUNCTION parvis_search_put(
    entry_kind text, item uuid, entry_title text, entry_scopes text[], entry_hidden_until timestamptz,
    entry_owner uuid, entry_groups uuid[], entry_author uuid, entry_happened_at timestamptz
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_entries AS s (kind, item_id, title, document, scopes, hidden_until, owner_id,
                                     group_ids, author_id, happened_at)
    VALUES (entry_kind, item, entry_title,
            parvis_search_vector(entry_title, 'A')
                || parvis_search_vector(parvis_search_body(entry_kind, item), 'B'),
            entry_scopes, entry_hidden_until, entry_owner, entry_groups, entry_author,
            entry_happened_at)
    ON CONFLICT (kind, item_id) DO UPDATE
    SET title = EXCLUDED.title, document = EXCLUDED.document, scopes = EXCLUDED.scopes,
        hidden_until = EXCLUDED.hidden_until, owner_id = EXCLUDED.owner_id,
        group_ids = EXCLUDED.group_ids, author_id = EXCLUDED.author_id,
        happened_at = EXCLUDED.happened_at
$$;

CREATE FUNCTION parvis_search_drop(entry_kind text, item uuid) RETURNS void LANGUAGE sql AS $$
    DELETE FROM search_entries WHERE kind = entry_kind AND item_id = item
$$;

-- The keys of whoever reads a group's content (its members, org admins, and for public groups
-- every member of the organization: the viewer's side decides which groups it holds).
CREATE FUNCTION parvis_group_keys(groups uuid[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT coalesce(array_agg('g:' || g), '{}') FROM unnest(groups) AS g $$;

-- People: the directory (members and admins), themselves, and guests sharing one of their groups.
CREATE FUNCTION parvis_search_index_person(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    person users;
    memberships uuid[];
BEGIN
    SELECT * INTO person FROM users WHERE id = item;
    IF NOT FOUND THEN
        PERFORM parvis_search_drop('person', item);
        RETURN;
    END IF;
    SELECT coalesce(array_agg(group_id), '{}') INTO memberships
    FROM group_memberships WHERE user_id = item;
    PERFORM parvis_search_put('person', item, person.display_name,
        ARRAY['directory', 'u:' || item]
            || coalesce((SELECT array_agg('m:' || g) FROM unnest(memberships) AS g), '{}'),
        NULL, NULL, memberships, NULL, person.created_at);
END $$;

-- Groups: secret ones by their members, those invited and admins; others by every member of the
-- organization too.
CREATE FUNCTION parvis_search_index_group(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    found_group groups;
BEGIN
    SELECT * INTO found_group FROM groups WHERE id = item;
    IF NOT FOUND THEN
        PERFORM parvis_search_drop('group', item);
        RETURN;
    END IF;
    PERFORM parvis_search_put('group', item, found_group.name,
        ARRAY['g:' || item, 'i:' || item]
            || CASE WHEN found_group.visibility = 'secret' THEN '{}'::text[] ELSE '{groups}' END,
        NULL, NULL, ARRAY[item], found_group.created_by, found_group.created_at);
END $$;

-- Posts: where their groups' content is read (organization-wide ones by every member); drafts
-- and scheduled posts by their author alone until published. Their comments follow them.
CREATE FUNCTION parvis_search_index_post(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    post posts;
    audience uuid[];
BEGIN
    SELECT * INTO post FROM posts WHERE id = item;
    IF NOT FOUND OR post.deleted_at IS NOT NULL THEN
        PERFORM parvis_search_drop('post', item);
        RETURN;
    END IF;
    SELECT coalesce(array_agg(group_id), '{}') INTO audience
    FROM post_audiences WHERE post_id = item;
    PERFORM parvis_search_put('post', item, post.title,
        parvis_group_keys(audience)
            || CASE WHEN post.organization_wide THEN '{org}'::text[] ELSE '{}' END,
        CASE WHEN post.published_at <= now() THEN NULL
             ELSE coalesce(post.published_at, 'infinity') END,
        post.author_id, audience, post.author_id,
        coalesce(post.published_at, post.created_at));
END $$;

-- Comments: seen with their post (its entry says by whom).
CREATE FUNCTION parvis_search_index_comment(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    comment comments;
    post search_entries;
BEGIN
    SELECT * INTO comment FROM comments WHERE id = item;
    IF FOUND AND comment.deleted_at IS NULL THEN
        SELECT * INTO post FROM search_entries WHERE kind = 'post' AND item_id = comment.post_id;
    END IF;
    IF post.item_id IS NULL THEN
        PERFORM parvis_search_drop('comment', item);
        RETURN;
    END IF;
    PERFORM parvis_search_put('comment', item, NULL, post.scopes, post.hidden_until,
        post.owner_id, post.group_ids, comment.author_id, comment.created_at);
END $$;

-- Events: where their group's content is read; organization-wide ones by every member.
CREATE FUNCTION parvis_search_index_event(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    event events;
BEGIN
    SELECT * INTO event FROM events WHERE id = item;
    IF NOT FOUND THEN
        PERFORM parvis_search_drop('event', item);
        RETURN;
    END IF;
    PERFORM parvis_search_put('event', item, event.title,
        CASE WHEN event.group_id IS NULL THEN '{org}'::text[]
             ELSE ARRAY['g:' || event.group_id] END,
        NULL, NULL, array_remove(ARRAY[event.group_id], NULL), event.created_by, event.starts_at);
END $$;

-- Files: a group drive's where the group's content is read, a personal drive's by its owner;
-- never from the trash (theirs, or a folder's above them).
CREATE FUNCTION parvis_search_index_file(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    file files;
    drive drives;
BEGIN
    SELECT * INTO file FROM files WHERE id = item;
    IF FOUND AND file.deleted_at IS NULL AND NOT EXISTS (
        WITH RECURSIVE above AS (
            SELECT id, parent_id, deleted_at FROM folders WHERE id = file.folder_id
            UNION ALL
            SELECT f.id, f.parent_id, f.deleted_at FROM folders f JOIN above a ON f.id = a.parent_id
        )
        SELECT 1 FROM above WHERE deleted_at IS NOT NULL
    ) THEN
        SELECT * INTO drive FROM drives WHERE id = file.drive_id;
    END IF;
    IF drive.id IS NULL THEN
        PERFORM parvis_search_drop('file', item);
        RETURN;
    END IF;
    PERFORM parvis_search_put('file', item, file.name,
        CASE WHEN drive.group_id IS NULL THEN ARRAY['u:' || drive.owner_id]
             ELSE ARRAY['g:' || drive.group_id] END,
        NULL, NULL, array_remove(ARRAY[drive.group_id], NULL), file.created_by, file.created_at);
END $$;

-- Chat messages: a room's where its group's content is read; direct and group conversations'
-- by their members alone.
CREATE FUNCTION parvis_search_index_message(item uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    message messages;
    conversation conversations;
BEGIN
    SELECT * INTO message FROM messages WHERE id = item;
    IF FOUND AND message.deleted_at IS NULL THEN
        SELECT * INTO conversation FROM conversations WHERE id = message.conversation_id;
    END IF;
    IF conversation.id IS NULL THEN
        PERFORM parvis_search_drop('message', item);
        RETURN;
    END IF;
    PERFORM parvis_search_put('message', item, NULL,
        CASE WHEN conversation.group_id IS NULL THEN ARRAY['c:' || conversation.id]
             ELSE ARRAY['g:' || conversation.group_id] END,
        NULL, NULL, array_remove(ARRAY[conversation.group_id], NULL), message.author_id,
        message.created_at);
END $$;

-- The triggers: which changes re-index which items.
CREATE FUNCTION parvis_search_reindex_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text := TG_ARGV[0];
    item uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        item := OLD.id;
    ELSE
        item := NEW.id;
    END IF;
    EXECUTE format('SELECT parvis_search_index_%s($1)', kind) USING item;
    RETURN NULL;
END $$;

CREATE TRIGGER users_search AFTER INSERT OR DELETE OR UPDATE OF display_name, username, title,
    department, site ON users FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('person');
CREATE TRIGGER groups_search AFTER INSERT OR DELETE OR UPDATE OF name, description, visibility
    ON groups FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('group');
CREATE TRIGGER posts_search AFTER INSERT OR DELETE OR UPDATE OF title, body_html, published_at,
    deleted_at, organization_wide ON posts
    FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('post');
CREATE TRIGGER comments_search AFTER INSERT OR DELETE OR UPDATE OF body_html, deleted_at
    ON comments FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('comment');
CREATE TRIGGER events_search AFTER INSERT OR DELETE OR UPDATE OF title, description, location,
    group_id ON events FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('event');
CREATE TRIGGER files_search AFTER INSERT OR DELETE OR UPDATE OF name, deleted_at, folder_id,
    drive_id ON files FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('file');
CREATE TRIGGER messages_search AFTER INSERT OR DELETE OR UPDATE OF body_html, deleted_at
    ON messages FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_row('message');

-- A person joining or leaving a group changes which guests see them.
CREATE FUNCTION parvis_search_reindex_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM parvis_search_index_person(OLD.user_id);
    ELSE
        PERFORM parvis_search_index_person(NEW.user_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER group_memberships_search AFTER INSERT OR DELETE ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_member();

-- A post's audience, publication or deletion changes who sees it and its comments.
CREATE FUNCTION parvis_search_reindex_post_comments(post uuid) RETURNS void LANGUAGE sql AS $$
    SELECT count(parvis_search_index_comment(c.id)) FROM comments c WHERE c.post_id = post
$$;
CREATE FUNCTION parvis_search_reindex_audience() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    post uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        post := OLD.post_id;
    ELSE
        post := NEW.post_id;
    END IF;
    PERFORM parvis_search_index_post(post);
    PERFORM parvis_search_reindex_post_comments(post);
    RETURN NULL;
END $$;
CREATE TRIGGER post_audiences_search AFTER INSERT OR DELETE ON post_audiences
    FOR EACH ROW EXECUTE FUNCTION parvis_search_reindex_audience();
CREATE FUNCTION parvis_search_reindex_post_sight() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM parvis_search_reindex_post_comments(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER posts_search_comments AFTER UPDATE OF published_at, deleted_at, organization_wide
    ON posts FOR EACH ROW
    WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
          OR OLD.organization_wide IS DISTINCT FROM NEW.organization_wide)
    EXECUTE FUNCTION parvis_search_reindex_post_sight();

-- A folder going to the trash (or back, or moving) takes the files below it along.
CREATE FUNCTION parvis_search_reindex_folder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM parvis_search_index_file(f.id)
    FROM files f
    WHERE f.folder_id IN (
        WITH RECURSIVE below AS (
            SELECT NEW.id AS id
            UNION ALL
            SELECT c.id FROM folders c JOIN below b ON c.parent_id = b.id
        )
        SELECT id FROM below);
    RETURN NULL;
END $$;
CREATE TRIGGER folders_search AFTER UPDATE OF deleted_at, parent_id ON folders FOR EACH ROW
    WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
          OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION parvis_search_reindex_folder();

-- What exists already.
SELECT count(parvis_search_index_person(id)) FROM users;
SELECT count(parvis_search_index_group(id)) FROM groups;
SELECT count(parvis_search_index_post(id)) FROM posts;
SELECT count(parvis_search_index_comment(id)) FROM comments;
SELECT count(parvis_search_index_event(id)) FROM events;
SELECT count(parvis_search_index_file(id)) FROM files;
SELECT count(parvis_search_index_message(id)) FROM messages;
