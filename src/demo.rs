//! The demo organisation: about fifty people across departments and sites, French and English
//! names, so a newcomer meets a lively intranet. Later features add their own demo content here.

use diesel_async::AsyncPgConnection;

use crate::auth::password;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::files::storage::Storage;
use crate::groups::model::{self as groups, NewGroup};
use crate::groups::{GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::notifications::triggers::{self, Trigger};
use crate::posts::model::{self as posts, NewPost};
use crate::users::{NewUser, OrgRole, model as users};
use crate::validation;
use chrono::Utc;

/// Every demo account signs in with this password (documented in the README).
pub const DEMO_PASSWORD: &str = "parvis-demo-2026";

const PEOPLE: &[(&str, &str)] = &[
    ("Hélène", "Dubois"),
    ("Amélie", "Lefèvre"),
    ("François", "Moreau"),
    ("Zoé", "Laurent"),
    ("Jérôme", "Girard"),
    ("Céline", "Bonnet"),
    ("Loïc", "Mercier"),
    ("Maëlle", "Fontaine"),
    ("Noël", "Chevalier"),
    ("Inès", "Rousseau"),
    ("Benoît", "Garnier"),
    ("Élodie", "Faure"),
    ("Raphaël", "André"),
    ("Chloé", "Lemaire"),
    ("Gaëtan", "Perrin"),
    ("Léa", "Barbier"),
    ("Théo", "Muller"),
    ("Anaïs", "Roux"),
    ("Sébastien", "Fournier"),
    ("Camille", "Morel"),
    ("Olivia", "Smith"),
    ("James", "Johnson"),
    ("Emily", "Williams"),
    ("Oliver", "Brown"),
    ("Sophie", "Taylor"),
    ("Harry", "Davies"),
    ("Grace", "Evans"),
    ("Jack", "Thomas"),
    ("Charlotte", "Wilson"),
    ("George", "Roberts"),
    ("Amelia", "Walker"),
    ("Noah", "Wright"),
    ("Isla", "Thompson"),
    ("Leo", "White"),
    ("Ava", "Hughes"),
    ("Oscar", "Green"),
    ("Mia", "Hall"),
    ("Arthur", "Wood"),
    ("Freya", "Clarke"),
    ("Henry", "Jackson"),
    ("Renée", "O'Brien"),
    ("Søren", "Nielsen"),
    ("Ana", "García"),
    ("Marco", "Rossi"),
    ("Yasmine", "Benali"),
    ("Kenji", "Tanaka"),
    ("Priya", "Sharma"),
    ("Lukas", "Schneider"),
    ("Agnès", "Côté"),
    ("Mathis", "Leroy"),
];

const DEPARTMENTS: &[(&str, &str)] = &[
    ("Ressources humaines", "Chargé·e RH"),
    ("Engineering", "Software Engineer"),
    ("Ventes", "Responsable commercial"),
    ("Marketing", "Marketing Manager"),
    ("Finance", "Contrôleur de gestion"),
    ("Customer Success", "Customer Success Manager"),
    ("Communication interne", "Chargée de communication"),
];

/// Demo posts published this recently notify people of themselves, their comments and reactions
/// (through the job queue once the server runs), so inboxes are lively but not years deep.
const NOTIFIED_RECENTLY: chrono::Duration = chrono::Duration::days(14);

const SITES: &[&str] = &["Paris", "Lyon", "Montréal", "London", "Remote"];

/// What `seed` added.
#[derive(Debug, Default)]
pub struct Seeded {
    pub people: usize,
    pub groups: usize,
    pub posts: usize,
    pub events: usize,
    pub files: usize,
    pub surveys: usize,
    pub activities: usize,
}

/// Loads what is not there yet: people, then groups (each feature adds its own demo content).
/// Demo documents go to `storage`.
pub async fn seed(conn: &mut AsyncPgConnection, storage: &Storage) -> ApiResult<Seeded> {
    let mut news = Vec::new();
    let seeded = Seeded {
        people: seed_people(conn).await?,
        groups: seed_groups(conn).await?,
        posts: seed_posts(conn, &mut news).await?,
        events: seed_events(conn).await?,
        files: crate::files::demo::seed(conn, storage, &demo_group_slugs()).await?,
        surveys: seed_surveys(conn).await?,
        activities: seed_activity(conn).await?,
    };
    // Last: delivering notifications records activity, and the demo history is written only
    // where there is none yet.
    for trigger in news {
        triggers::enqueue(conn, trigger).await?;
    }
    Ok(seeded)
}

fn demo_group_slugs() -> Vec<String> {
    GROUPS
        .iter()
        .map(|group| validation::slugify(group.name))
        .collect()
}

/// The demo people's ids, in the order of `PEOPLE` (the first is an admin).
async fn demo_people_ids(conn: &mut AsyncPgConnection) -> ApiResult<Vec<Uuid>> {
    let mut people = Vec::with_capacity(PEOPLE.len());
    for person in demo_people("") {
        if let Some(user) = users::find_by_identifier(conn, &person.username).await? {
            people.push(user.id);
        }
    }
    Ok(people)
}

async fn seed_events(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::events_calendar::demo::seed(conn, &people).await
}

async fn seed_surveys(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::surveys::demo::seed(conn, &people).await
}

async fn seed_activity(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people_ids(conn).await?;
    crate::analytics::demo::seed(conn, &people).await
}

/// Inserts the demo people that are not there yet; returns how many were created.
async fn seed_people(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let password_hash = password::hash(DEMO_PASSWORD)?;
    let mut created = 0;
    for (index, person) in demo_people(&password_hash).into_iter().enumerate() {
        if users::find_by_identifier(conn, &person.username)
            .await?
            .is_none()
        {
            users::insert(conn, &person).await?;
            created += 1;
        }
        tracing::debug!(index, "demo person ready");
    }
    Ok(created)
}

fn demo_people(password_hash: &str) -> Vec<NewUser> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(index, (first, last))| {
            let (department, title) = DEPARTMENTS[index % DEPARTMENTS.len()];
            let site = SITES[index % SITES.len()];
            let username = validation::ascii_fold(&format!("{first}.{last}"));
            let mut person = NewUser::new(username.clone(), format!("{first} {last}"));
            person.email = Some(format!("{username}@demo.parvis.example"));
            person.department = Some(department.to_owned());
            person.title = Some(title.to_owned());
            person.site = Some(site.to_owned());
            person.phone = Some(format!("+33 1 55 00 {:02} {:02}", index / 10, index % 100));
            let french = index < 20 || matches!(site, "Paris" | "Lyon" | "Montréal");
            person.locale = if french { "fr" } else { "en" }.to_owned();
            person.time_zone = match site {
                "Montréal" => "America/Toronto",
                "London" => "Europe/London",
                _ => "Europe/Paris",
            }
            .to_owned();
            // The first person runs the intranet; one external consultant shows the guest role.
            person.org_role = match index {
                0 => OrgRole::Admin,
                49 => OrgRole::Guest,
                _ => OrgRole::Member,
            };
            person.password_hash = Some(password_hash.to_owned());
            person
        })
        .collect()
}

/// A demo group: who owns it, who manages it, who else is in it, who asked to join.
struct DemoGroup {
    name: &'static str,
    description: &'static str,
    visibility: Visibility,
    join_policy: JoinPolicy,
    posting_policy: PostingPolicy,
    /// Indexes into `PEOPLE`.
    owner: usize,
    managers: &'static [usize],
    members: Members,
    requests: &'static [usize],
}

enum Members {
    Everyone,
    Site(&'static str),
    Some(&'static [usize]),
}

const GROUPS: &[DemoGroup] = &[
    DemoGroup {
        name: "Annonces de l'entreprise",
        description: "Les nouvelles officielles de la direction et de la communication interne. *Company-wide announcements.*",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Managers,
        owner: 0,
        managers: &[6, 13],
        members: Members::Everyone,
        requests: &[],
    },
    DemoGroup {
        name: "Site de Paris",
        description: "La vie du bureau parisien : salles, cantine, événements.",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        owner: 5,
        managers: &[10],
        members: Members::Site("Paris"),
        requests: &[],
    },
    DemoGroup {
        name: "Site de Lyon",
        description: "Tout ce qui se passe à Lyon.",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        owner: 1,
        managers: &[],
        members: Members::Site("Lyon"),
        requests: &[],
    },
    DemoGroup {
        name: "London Office",
        description: "News, lunch plans and the occasional fire drill.",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        owner: 23,
        managers: &[],
        members: Members::Site("London"),
        requests: &[],
    },
    DemoGroup {
        name: "Montréal",
        description: "Le bureau de Montréal, bilingue par nature.",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        owner: 2,
        managers: &[],
        members: Members::Site("Montréal"),
        requests: &[],
    },
    DemoGroup {
        name: "Engineering Guild",
        description: "Talks, reviews and the architecture decision records.",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        owner: 8,
        managers: &[22],
        members: Members::Some(&[1, 15, 29, 36, 43]),
        requests: &[],
    },
    DemoGroup {
        name: "Projet Atlas — migration CRM",
        description: "Le projet de migration du CRM : planning, décisions, recette.",
        visibility: Visibility::Private,
        join_policy: JoinPolicy::Request,
        posting_policy: PostingPolicy::Members,
        owner: 9,
        managers: &[16],
        members: Members::Some(&[2, 4, 23, 30, 49]),
        requests: &[12, 33],
    },
    DemoGroup {
        name: "Club de course à pied",
        description: "On court le mardi midi, tous niveaux. Running club, all paces welcome.",
        visibility: Visibility::Public,
        join_policy: JoinPolicy::Open,
        posting_policy: PostingPolicy::Members,
        owner: 7,
        managers: &[],
        members: Members::Some(&[3, 11, 20, 27, 38]),
        requests: &[],
    },
    DemoGroup {
        name: "Book Club / Club lecture",
        description: "Un livre par mois, en français ou en anglais.",
        visibility: Visibility::Private,
        join_policy: JoinPolicy::Request,
        posting_policy: PostingPolicy::Members,
        owner: 19,
        managers: &[],
        members: Members::Some(&[14, 24, 31]),
        requests: &[40],
    },
    DemoGroup {
        name: "Comité de direction",
        description: "Ordres du jour et comptes rendus du comité de direction.",
        visibility: Visibility::Secret,
        join_policy: JoinPolicy::InviteOnly,
        posting_policy: PostingPolicy::Members,
        owner: 0,
        managers: &[],
        members: Members::Some(&[4, 21, 28]),
        requests: &[],
    },
    DemoGroup {
        name: "Communication interne",
        description: "L'équipe qui anime l'intranet : calendrier éditorial, newsletters.",
        visibility: Visibility::Private,
        join_policy: JoinPolicy::InviteOnly,
        posting_policy: PostingPolicy::Members,
        owner: 6,
        managers: &[13],
        members: Members::Some(&[27, 34]),
        requests: &[],
    },
];

/// Creates the demo groups that are not there yet; returns how many were created.
async fn seed_groups(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let people = demo_people("");
    let mut ids = Vec::with_capacity(people.len());
    for person in &people {
        let user = users::find_by_identifier(conn, &person.username)
            .await?
            .ok_or(ApiError::NotFound("User"))?;
        ids.push(user.id);
    }
    let mut created = 0;
    for demo in GROUPS {
        let slug = validation::slugify(demo.name);
        if groups::find_by_slug(conn, &slug).await?.is_some() {
            continue;
        }
        let group = groups::insert(
            conn,
            &NewGroup {
                id: Uuid::now_v7(),
                name: demo.name.to_owned(),
                slug,
                description: demo.description.to_owned(),
                visibility: demo.visibility,
                join_policy: demo.join_policy,
                posting_policy: demo.posting_policy,
                created_by: Some(ids[demo.owner]),
            },
        )
        .await?;
        groups::add_member(conn, group.id, ids[demo.owner], GroupRole::Owner).await?;
        for &manager in demo.managers {
            groups::add_member(conn, group.id, ids[manager], GroupRole::Manager).await?;
        }
        match demo.members {
            Members::Everyone => {
                groups::add_everyone(conn, group.id).await?;
            }
            Members::Site(site) => {
                groups::add_members_by_attribute(
                    conn,
                    group.id,
                    None,
                    Some(site),
                    groups::BulkAdd::Once,
                )
                .await?;
            }
            Members::Some(members) => {
                for &member in members {
                    groups::add_member(conn, group.id, ids[member], GroupRole::Member).await?;
                }
            }
        }
        for &requester in demo.requests {
            let message = Some("Bonjour, je peux rejoindre le groupe ?".to_owned());
            groups::create_join_request(conn, group.id, ids[requester], message).await?;
        }
        created += 1;
    }
    Ok(created)
}

const POST_OPENINGS: &[&str] = &[
    "Bonjour à tous ! Petit point sur",
    "Hello everyone, a quick update on",
    "Rappel :",
    "Reminder:",
    "Bonne nouvelle concernant",
    "Good news about",
    "Question pour l'équipe à propos de",
    "Question for the team about",
];

const POST_TOPICS: &[&str] = &[
    "la nouvelle cantine du 3e étage",
    "the quarterly results",
    "la migration du CRM",
    "the summer party",
    "le télétravail le vendredi",
    "the new onboarding guide",
    "les places de parking",
    "our customer satisfaction survey",
    "la formation sécurité",
    "the London office move",
];

const POST_DETAILS: &[&str] = &[
    "Tout est dans le document partagé, **n'hésitez pas à commenter**.",
    "Details are in the shared folder — *feedback welcome*.",
    "Merci à toutes celles et ceux qui ont participé 🙏",
    "Thanks to everyone who helped make it happen!",
    "On en reparle jeudi en réunion d'équipe.",
    "- Date : vendredi\n- Lieu : salle Atlas\n- Durée : 1 h",
];

const COMMENTS: &[&str] = &[
    "Merci pour l'info !",
    "Great, thanks!",
    "Super nouvelle 👏",
    "Is this also for Lyon?",
    "Je serai là.",
    "+1",
];
const REACTIONS: &[&str] = &["👍", "🎉", "❤️", "👏", "😂"];

/// About three hundred posts over the last four months in the demo groups, with comments and
/// reactions (only when the organisation has no post yet); `news` gets what the recent ones
/// should notify people of.
async fn seed_posts(conn: &mut AsyncPgConnection, news: &mut Vec<Trigger>) -> ApiResult<usize> {
    if posts::count_all(conn).await? > 0 {
        return Ok(0);
    }
    let mut people = Vec::with_capacity(PEOPLE.len());
    for person in demo_people("") {
        if let Some(user) = users::find_by_identifier(conn, &person.username).await? {
            people.push(user.id);
        }
    }
    let mut groups_with_members = Vec::new();
    for demo in GROUPS {
        if let Some(group) = groups::find_by_slug(conn, &validation::slugify(demo.name)).await? {
            let members = groups::member_ids(conn, group.id).await?;
            groups_with_members.push((group, demo.posting_policy, members));
        }
    }
    let mut random = Lcg(2026);
    let mut created = 0;
    for index in 0..300 {
        let (group, posting, members) = &groups_with_members[index % groups_with_members.len()];
        let authors: Vec<Uuid> = match posting {
            PostingPolicy::Managers => members
                .iter()
                .filter(|(_, role)| role.manages())
                .map(|(id, _)| *id)
                .collect(),
            PostingPolicy::Members => members.iter().map(|(id, _)| *id).collect(),
        };
        let Some(&author) = random.pick(&authors) else {
            continue;
        };
        let body = format!(
            "{} {}.\n\n{}",
            random.pick(POST_OPENINGS).copied().unwrap_or_default(),
            random.pick(POST_TOPICS).copied().unwrap_or_default(),
            random.pick(POST_DETAILS).copied().unwrap_or_default(),
        );
        let published_at =
            Utc::now() - chrono::Duration::minutes((random.next() % (120 * 24 * 60)) as i64);
        let post = posts::insert(
            conn,
            &NewPost {
                id: Uuid::now_v7(),
                author_id: Some(author),
                webhook_id: None,
                integration_name: None,
                title: (index % 4 == 0).then(|| format!("Nouvelles de {}", group.name)),
                body_html: crate::markdown::to_safe_html(&body),
                body,
                organisation_wide: false,
                requires_acknowledgement: false,
                published_at: Some(published_at),
            },
            &[group.id],
            &[],
        )
        .await?;
        let mut happened = vec![Trigger::PostPublished { post_id: post.id }];
        for _ in 0..random.next() % 4 {
            if let (Some(&(commenter, _)), Some(text)) =
                (random.pick(members), random.pick(COMMENTS))
            {
                let comment = posts::insert_comment(conn, post.id, None, commenter, text).await?;
                happened.push(Trigger::CommentAdded {
                    comment_id: comment.id,
                });
            }
        }
        for _ in 0..random.next() % 6 {
            if let (Some(&(reader, _)), Some(emoji)) =
                (random.pick(members), random.pick(REACTIONS))
                && posts::react(conn, post.id, posts::SubjectKind::Post, reader, emoji).await?
            {
                happened.push(Trigger::Reacted {
                    subject_id: post.id,
                    user_id: reader,
                });
            }
        }
        if published_at > Utc::now() - NOTIFIED_RECENTLY {
            news.extend(happened);
        }
        created += 1;
    }
    created += seed_announcement_and_poll(conn, &people, &groups_with_members, news).await?;
    Ok(created)
}

/// A demo group with its posting policy and its members' roles.
type DemoGroupMembers = (groups::Group, PostingPolicy, Vec<(Uuid, GroupRole)>);

/// A pinned organisation-wide announcement that asks to be acknowledged, and a poll.
async fn seed_announcement_and_poll(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
    groups_with_members: &[DemoGroupMembers],
    news: &mut Vec<Trigger>,
) -> ApiResult<usize> {
    let (Some(&admin), Some((guild, _, guild_members))) =
        (people.first(), groups_with_members.get(5))
    else {
        return Ok(0);
    };
    let announcement = "## Nouvelle charte informatique\n\nMerci de lire la charte mise à jour et de confirmer sa lecture. *Please read the updated IT policy and acknowledge it.*";
    let charter = posts::insert(
        conn,
        &NewPost {
            id: Uuid::now_v7(),
            author_id: Some(admin),
            webhook_id: None,
            integration_name: None,
            title: Some("Charte informatique 2026".into()),
            body_html: crate::markdown::to_safe_html(announcement),
            body: announcement.into(),
            organisation_wide: true,
            requires_acknowledgement: true,
            published_at: Some(Utc::now()),
        },
        &[],
        &[],
    )
    .await?;
    posts::pin(conn, charter.id, None, 0, admin).await?;
    news.push(Trigger::PostPublished {
        post_id: charter.id,
    });
    let question =
        "Which day suits the next Engineering Guild talk? / Quel jour pour le prochain talk ?";
    let poll_author = guild_members.first().map_or(admin, |(id, _)| *id);
    let poll_post = posts::insert(
        conn,
        &NewPost {
            id: Uuid::now_v7(),
            author_id: Some(poll_author),
            webhook_id: None,
            integration_name: None,
            title: None,
            body_html: crate::markdown::to_safe_html(question),
            body: question.into(),
            organisation_wide: false,
            requires_acknowledgement: false,
            published_at: Some(Utc::now()),
        },
        &[guild.id],
        &[],
    )
    .await?;
    let poll = crate::posts::polls::NewPoll {
        options: vec![
            "Mardi / Tuesday".into(),
            "Jeudi / Thursday".into(),
            "Vendredi / Friday".into(),
        ],
        multiple_choice: false,
        anonymous: false,
        closes_at: Some(Utc::now() + chrono::Duration::days(7)),
        results_visibility: crate::posts::polls::ResultsVisibility::AfterVoting,
    };
    crate::posts::polls::insert(conn, poll_post.id, &poll).await?;
    Ok(2)
}

/// A small deterministic pseudo-random sequence, so every demo looks the same.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let index = (self.next() as usize) % items.len();
        items.get(index)
    }
}
