//! Search at scale: generates (once) an organization of 100,000 people in 2,000 groups with
//! 1,000,000 posts, 2,000,000 comments and 100,000 files, their texts drawn from 400 French and
//! English words, then measures `search(first: 20)` with `totalCount` and `countsByType` for one
//! common word, two words, a phrase and a prefix, as a member of 20 groups, under 32 concurrent
//! clients against a real server; then the same statements run straight on PostgreSQL (the
//! floor); then the main statement's `EXPLAIN (ANALYZE, BUFFERS)` and the index's size against
//! the tables it covers.
//!
//! ```sh
//! DATABASE_URL=postgres://localhost/parvis_search_bench cargo run --release --example search_bench
//! ```
//! Options (environment): BENCH_POSTS (1000000), BENCH_USERS (100000), BENCH_GROUPS (2000),
//! BENCH_CLIENTS (32), BENCH_SECONDS (10, per query).

mod bench;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use parvis::App;
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use parvis::pagination::PageRequest;
use parvis::policy::search::Sight;
use parvis::search::SearchFilter;
use parvis::search::query::ParsedQuery;
use serde_json::{Value, json};

use bench::{BoxError, percentile, setting, sorted_latencies};

const SEARCH: &str = "query($q: String!) { search(query: $q, first: 20) {
  totalCount countsByType { type count } pageInfo { endCursor hasNextPage }
  edges { node { type score highlights node { id } } } } }";

/// The queries measured: one common word, two words, a phrase, a prefix being typed.
const QUERIES: [(&str, &str); 4] = [
    ("one common word", "projet "),
    ("two words", "budget réunion "),
    ("a phrase", "\"équipe produit\" "),
    ("a prefix", "dével"),
];

/// The words texts are drawn from (each appears in a few percent of them).
const WORDS: &str = "projet budget réunion équipe produit client service développement \
    développeur plan annuel rapport semaine mois année objectif résultat vente marché stratégie \
    direction ressources humaines formation sécurité qualité processus outil logiciel données \
    analyse performance croissance bureau site lyon paris montréal bordeaux nantes lille toulouse \
    nouveau nouvelle important urgent prochain dernier premier grand petit bon mauvais simple \
    rapide lent facile difficile ouvert fermé public privé interne externe partenaire fournisseur \
    contrat facture paiement commande livraison stock prix coût dépense recette bénéfice perte \
    risque opportunité innovation recherche idée proposition décision validation lancement \
    campagne communication message annonce événement conférence atelier webinaire présentation \
    document fichier dossier tableau graphique chiffre indicateur tendance prévision calendrier \
    agenda rendez-vous déjeuner café pause vacances congé télétravail mobilité voyage transport \
    voiture train avion hôtel accueil intégration recrutement candidat entretien poste carrière \
    salaire prime avantage mutuelle santé bien-être sport association fête anniversaire \
    meeting team product customer service development developer annual report week month year \
    goal result sale market strategy management resource training safety quality process tool \
    software data analysis performance growth office new important urgent next last first big \
    small good bad simple fast slow easy hard open closed public private internal external \
    partner supplier contract invoice payment order delivery stock price cost expense revenue \
    profit loss risk opportunity innovation research idea proposal decision approval launch \
    campaign communication message announcement event conference workshop webinar presentation \
    document file folder dashboard chart figure indicator trend forecast calendar schedule lunch \
    coffee break holiday leave remote travel hotel onboarding hiring candidate interview position \
    career salary bonus benefit health wellbeing sport party birthday feedback review roadmap \
    release feature bug fix deploy server cloud network support ticket incident security update";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let (posts, users, groups) = (
        setting("BENCH_POSTS", 1_000_000),
        setting("BENCH_USERS", 100_000),
        setting("BENCH_GROUPS", 2_000),
    );
    let (clients, seconds) = (
        setting("BENCH_CLIENTS", 32) as usize,
        setting("BENCH_SECONDS", 10),
    );
    let mut settings = DbSettings::new(&url);
    settings.pool_size = clients + 8;
    settings.statement_timeout = Duration::from_secs(3600);
    parvis::db::run_migrations(settings.connect().await?).await?;
    let mut conn = settings.connect().await?;
    generate(&settings, &mut conn, posts, users, groups).await?;
    conn.batch_execute("DELETE FROM personal_access_tokens WHERE name = 'bench'")
        .await?;
    let viewer = parvis::users::model::find_by_identifier(&mut conn, "bench1")
        .await
        .map_err(|_| "no bench user")?
        .ok_or("no bench user")?;
    let (_, token) = parvis::auth::access_tokens::create(&mut conn, viewer.id, "bench", None)
        .await
        .map_err(|_| "token")?;
    let sight = Sight {
        viewer: viewer.id,
        guest: false,
        admin: false,
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = App::build(AppConfig::for_address(address), settings.clone()).await?;
    tokio::spawn(app.serve(listener, std::future::pending()));
    let endpoint = Arc::new(format!("http://{address}/graphql"));
    let http = reqwest::Client::new();
    let token = Arc::new(token);

    for (name, query) in QUERIES {
        let first = search(&http, &endpoint, &token, query).await?.1;
        let total = first["data"]["search"]["totalCount"].clone();
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (http, endpoint, token) = (http.clone(), endpoint.clone(), token.clone());
                tokio::spawn(async move {
                    let deadline = Instant::now() + Duration::from_secs(seconds);
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let (elapsed, body) = search(&http, &endpoint, &token, query).await?;
                        let answered = body["data"]["search"]["edges"]
                            .as_array()
                            .is_some_and(|edges| !edges.is_empty());
                        if !answered && body["errors"][0]["extensions"]["code"] != "TIMEOUT" {
                            return Err::<Vec<Duration>, BoxError>(
                                format!("bad response: {body}").into(),
                            );
                        }
                        // A request stopped at the server's time limit counts at that limit.
                        latencies.push(elapsed);
                    }
                    Ok(latencies)
                })
            })
            .collect();
        report(
            &format!("search, {name} ({query:?}, {total} hits)"),
            seconds,
            sorted_latencies(tasks).await?,
        );

        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let settings = settings.clone();
                tokio::spawn(async move {
                    let mut conn = settings.connect().await?;
                    let deadline = Instant::now() + Duration::from_secs(seconds);
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let started = Instant::now();
                        statements(&mut conn, sight, query).await?;
                        latencies.push(started.elapsed());
                    }
                    Ok::<Vec<Duration>, BoxError>(latencies)
                })
            })
            .collect();
        report(
            "  floor: its two statements on PostgreSQL",
            seconds,
            sorted_latencies(tasks).await?,
        );
    }
    explain(&mut conn, sight).await?;
    sizes(&mut conn).await?;
    Ok(())
}

fn report(what: &str, seconds: u64, latencies: Vec<Duration>) {
    let percentile = |p: f64| percentile(&latencies, p);
    println!(
        "{what}: {} requests ({:.0}/s), p50 {:?}, p95 {:?}, p99 {:?}",
        latencies.len(),
        latencies.len() as f64 / seconds as f64,
        percentile(0.50),
        percentile(0.95),
        percentile(0.99)
    );
}

async fn search(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    query: &str,
) -> Result<(Duration, Value), BoxError> {
    let started = Instant::now();
    let body: Value = http
        .post(endpoint)
        .bearer_auth(token)
        .json(&json!({ "query": SEARCH, "variables": { "q": query } }))
        .send()
        .await?
        .json()
        .await?;
    Ok((started.elapsed(), body))
}

/// The statements a search request runs, as the server runs them: the page, then the counts.
async fn statements(
    conn: &mut AsyncPgConnection,
    sight: Sight,
    query: &str,
) -> Result<(), BoxError> {
    let parsed = ParsedQuery::parse("query", query).map_err(|_| "query")?;
    let filter = SearchFilter::default();
    conn.transaction::<_, BoxError, _>(async |conn| {
        conn.batch_execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true),
                    set_config('client_min_messages', 'warning', true)",
        )
        .await?;
        parvis::search::model::hits(conn, sight, &parsed, &filter, &PageRequest::first(20))
            .await
            .map_err(|_| "hits")?;
        parvis::search::model::counts(conn, sight, &parsed, &filter)
            .await
            .map_err(|_| "counts")?;
        Ok(())
    })
    .await
}

/// Generates the organization unless it is already there: the rows with the search triggers
/// off, then the index in one pass per type (two connections at once), then its indexes.
async fn generate(
    settings: &DbSettings,
    conn: &mut AsyncPgConnection,
    posts: u64,
    users: u64,
    groups: u64,
) -> Result<(), BoxError> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let existing: Count =
        diesel::sql_query("SELECT count(*) AS n FROM search_entries WHERE kind = 'post'")
            .get_result(conn)
            .await?;
    if existing.n as u64 >= posts {
        println!("reusing {} indexed posts", existing.n);
        return Ok(());
    }
    let started = Instant::now();
    let words: Vec<String> = WORDS.split_whitespace().map(|w| format!("'{w}'")).collect();
    let words = format!("ARRAY[{}]", words.join(","));
    // A text of `n` words drawn from the vocabulary (each row its own draw).
    let text = |n: &str, seed: &str| {
        format!(
            "(SELECT string_agg(({words})[1 + floor(random() * {count})::int], ' ')
              FROM generate_series(1, {n}) WHERE {seed} IS NOT NULL)",
            count = WORDS.split_whitespace().count()
        )
    };
    conn.batch_execute(&format!(
        "SELECT setseed(0.42);
         ALTER TABLE users DISABLE TRIGGER users_search;
         ALTER TABLE groups DISABLE TRIGGER groups_search;
         ALTER TABLE posts DISABLE TRIGGER posts_search;
         ALTER TABLE posts DISABLE TRIGGER posts_search_comments;
         ALTER TABLE post_audiences DISABLE TRIGGER post_audiences_search;
         ALTER TABLE comments DISABLE TRIGGER comments_search;
         ALTER TABLE files DISABLE TRIGGER files_search;
         ALTER TABLE group_memberships DISABLE TRIGGER group_memberships_search;
         DROP INDEX IF EXISTS search_entries_document;
         DROP INDEX IF EXISTS search_entries_title;
         INSERT INTO users (id, username, display_name, email, title, department, site)
         SELECT gen_random_uuid(), 'bench' || i,
                (ARRAY['Camille','Léa','Zoé','Hugo','Lucas','Chloé','Emma','Louis','Jules','Inès'])[1 + i % 10]
                || ' ' || (ARRAY['Martin','Bernard','Dubois','Thomas','Robert','Richard','Petit','Durand','Leroy','Moreau','Simon','Laurent','Lefèvre','Michel','Garcia','David','Bertrand','Roux','Vincent','Fournier'])[1 + (i / 10) % 20] || ' ' || i,
                'bench' || i || '@example.com',
                (ARRAY['Chef de projet','Développeur','Comptable','Product manager','Commercial'])[1 + i % 5],
                (ARRAY['Ventes','Engineering','Finance','RH'])[1 + i % 4], (ARRAY['Paris','Lyon','Montréal'])[1 + i % 3]
         FROM generate_series(1, {users}) AS i ON CONFLICT DO NOTHING;
         INSERT INTO groups (id, name, slug, description, visibility, join_policy, posting_policy)
         SELECT gen_random_uuid(), 'Groupe ' || i || ' ' || {group_words}, 'bench-' || i, {group_text},
                CASE WHEN i % 3 = 0 THEN 'private' ELSE 'public' END,
                CASE WHEN i % 3 = 0 THEN 'request' ELSE 'open' END, 'members'
         FROM generate_series(1, {groups}) AS i ON CONFLICT DO NOTHING;
         CREATE TEMP TABLE bench_groups AS SELECT id, row_number() OVER (ORDER BY slug) - 1 AS n FROM groups WHERE slug LIKE 'bench-%';
         CREATE TEMP TABLE bench_users AS SELECT id, row_number() OVER (ORDER BY username) - 1 AS n FROM users WHERE username LIKE 'bench%';
         INSERT INTO group_memberships (group_id, user_id, role)
         SELECT g.id, u.id, 'member' FROM bench_users u CROSS JOIN generate_series(0, 4) AS k
         JOIN bench_groups g ON g.n = (u.n * 7 + k * 401) % {groups}
         ON CONFLICT DO NOTHING;
         -- The viewer is a member of 20 groups.
         INSERT INTO group_memberships (group_id, user_id, role)
         SELECT g.id, u.id, 'member' FROM users u JOIN bench_groups g ON g.n % 100 = 3
         WHERE u.username = 'bench1' ON CONFLICT DO NOTHING;
         CREATE TEMP TABLE bench_posts AS
         SELECT gen_random_uuid() AS id, i FROM generate_series(1, {posts}) AS i;
         INSERT INTO posts (id, author_id, title, body, body_html, published_at)
         SELECT p.id, u.id, CASE WHEN p.i % 5 = 0 THEN {title_text} END, t.body,
                '<p>' || t.body || '</p>', now() - (p.i % 525600) * interval '1 minute'
         FROM bench_posts p JOIN bench_users u ON u.n = p.i % {users},
              LATERAL (SELECT {post_text} AS body) t;
         INSERT INTO post_audiences (post_id, group_id)
         SELECT p.id, g.id FROM bench_posts p JOIN bench_groups g ON g.n = p.i % {groups};
         INSERT INTO comments (id, post_id, author_id, body, body_html)
         SELECT gen_random_uuid(), p.id, u.id, t.body, '<p>' || t.body || '</p>'
         FROM bench_posts p CROSS JOIN generate_series(1, 2) AS k
              JOIN bench_users u ON u.n = (p.i * 3 + k) % {users},
              LATERAL (SELECT {comment_text} AS body) t;
         INSERT INTO drives (id, group_id, quota_bytes)
         SELECT gen_random_uuid(), g.id, 10737418240 FROM bench_groups g ON CONFLICT DO NOTHING;
         INSERT INTO folders (id, drive_id, name)
         SELECT gen_random_uuid(), d.id, '' FROM drives d JOIN bench_groups g ON g.id = d.group_id
         WHERE NOT EXISTS (SELECT 1 FROM folders f WHERE f.drive_id = d.id AND f.parent_id IS NULL);
         INSERT INTO files (id, drive_id, folder_id, name, size_bytes, content_type, created_by)
         SELECT gen_random_uuid(), d.id, f.id, {file_words} || ' ' || i || '.pdf', 1000,
                'application/pdf', NULL
         FROM generate_series(1, {files}) AS i
              JOIN bench_groups g ON g.n = i % {groups}
              JOIN drives d ON d.group_id = g.id
              JOIN folders f ON f.drive_id = d.id AND f.parent_id IS NULL;",
        group_words = text("2", "i"),
        group_text = text("20", "i"),
        title_text = text("5", "p.i"),
        post_text = text("25", "p.i"),
        comment_text = text("10", "k"),
        file_words = text("3", "i"),
        files = posts / 10,
    ))
    .await?;
    println!("generated the rows in {:?}", started.elapsed());
    let indexing = Instant::now();
    let kinds = ["person", "group", "post", "comment", "file"];
    let halves: Vec<_> = (0..2)
        .map(|half| {
            let settings = settings.clone();
            tokio::spawn(async move {
                let mut conn = settings.connect().await?;
                for kind in kinds {
                    let table = match kind {
                        "person" => "users",
                        "group" => "groups",
                        "post" => "posts",
                        "comment" => "comments",
                        _ => "files",
                    };
                    conn.batch_execute(&format!(
                        "SELECT count(parvis_search_index_{kind}(id)) FROM {table}
                         WHERE get_byte(uuid_send(id), 15) % 2 = {half}"
                    ))
                    .await?;
                }
                Ok::<(), BoxError>(())
            })
        })
        .collect();
    for half in halves {
        half.await??;
    }
    conn.batch_execute(
        "SET maintenance_work_mem = '1GB';
         CREATE INDEX search_entries_document ON search_entries USING gin (document, scopes);
         CREATE INDEX search_entries_title ON search_entries USING gin (title_words public.gin_trgm_ops);
         ALTER TABLE users ENABLE TRIGGER users_search;
         ALTER TABLE groups ENABLE TRIGGER groups_search;
         ALTER TABLE posts ENABLE TRIGGER posts_search;
         ALTER TABLE posts ENABLE TRIGGER posts_search_comments;
         ALTER TABLE post_audiences ENABLE TRIGGER post_audiences_search;
         ALTER TABLE comments ENABLE TRIGGER comments_search;
         ALTER TABLE files ENABLE TRIGGER files_search;
         ALTER TABLE group_memberships ENABLE TRIGGER group_memberships_search;",
    )
    .await?;
    // On its own: VACUUM cannot run in the transaction a batch of statements makes.
    conn.batch_execute("VACUUM ANALYZE").await?;
    println!("indexed in {:?}", indexing.elapsed());
    Ok(())
}

async fn explain(conn: &mut AsyncPgConnection, sight: Sight) -> Result<(), BoxError> {
    let (name, query) = QUERIES[0];
    let parsed = ParsedQuery::parse("query", query).map_err(|_| "query")?;
    conn.batch_execute("SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', false)")
        .await?;
    let plan = parvis::search::model::explain_hits(
        conn,
        sight,
        &parsed,
        &SearchFilter::default(),
        &PageRequest::first(20),
    )
    .await
    .map_err(|_| "EXPLAIN the search's page")?;
    println!("EXPLAIN (ANALYZE, BUFFERS) of a search's page, {name}:");
    for line in plan {
        println!("  {line}");
    }
    Ok(())
}

/// The index's size against the tables it covers.
async fn sizes(conn: &mut AsyncPgConnection) -> Result<(), BoxError> {
    #[derive(diesel::QueryableByName)]
    struct Sizes {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        index: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        covered: i64,
    }
    let sizes: Sizes = diesel::sql_query(
        "SELECT pg_total_relation_size('search_entries') AS index,
                (SELECT sum(pg_total_relation_size(t))::bigint
                 FROM unnest(ARRAY['users', 'groups', 'posts', 'comments', 'events', 'files',
                                   'messages']::regclass[]) AS t) AS covered",
    )
    .get_result(conn)
    .await?;
    println!(
        "search_entries with its indexes: {} MiB, {:.0} % of the {} MiB of the tables it covers",
        sizes.index >> 20,
        100.0 * sizes.index as f64 / sizes.covered as f64,
        sizes.covered >> 20
    );
    Ok(())
}
