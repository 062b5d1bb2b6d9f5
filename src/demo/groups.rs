//! The demo groups: company announcements, one per site, projects, clubs and the board, each
//! public, private or secret, with owners, managers, members and pending join requests.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::people::demo_people;
use crate::error::{ApiError, ApiResult};
use crate::groups::model::{self as groups, NewGroup};
use crate::groups::{GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::users::model as users;
use crate::validation;

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
pub(super) async fn seed_groups(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
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

pub(super) fn demo_group_slugs() -> Vec<String> {
    GROUPS
        .iter()
        .map(|group| validation::slugify(group.name))
        .collect()
}

/// A demo group with its posting policy and its members' roles.
pub(super) type DemoGroupMembers = (groups::Group, PostingPolicy, Vec<(Uuid, GroupRole)>);

/// The demo groups there are, with their posting policy and their members' roles.
pub(super) async fn with_members(conn: &mut AsyncPgConnection) -> ApiResult<Vec<DemoGroupMembers>> {
    let mut groups_with_members = Vec::new();
    for demo in GROUPS {
        if let Some(group) = groups::find_by_slug(conn, &validation::slugify(demo.name)).await? {
            let members = groups::member_ids(conn, group.id).await?;
            groups_with_members.push((group, demo.posting_policy, members));
        }
    }
    Ok(groups_with_members)
}
