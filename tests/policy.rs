//! Lists filter in SQL what `policy::can` decides for one item at a time; this property test
//! checks that the two agree. It generates small organizations (people of every org role and
//! status; groups of every visibility, join, posting, event and drive policy, archived or not,
//! with owners, managers, members, pending requests and invitations; posts in every state, in
//! groups or organization-wide; events; drives with files; surveys in every state, some answered),
//! inserts them, and for every person compares each list filter with the policy applied to the
//! same rows as the test built them.
//!
//! Search (`check_search`) is one of these lists; future ones (chat) join `check_lists`.

mod common;

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use parvis::auth::{Credential, Viewer};
use parvis::events_calendar::model::{self as events, Event, EventFields, WindowFilter};
use parvis::files::model::{self as files, Drive, StoredObject};
use parvis::groups::model::{
    self as groups, GroupChanges, GroupCursor, GroupFilter, GroupScope, NewGroup,
};
use parvis::groups::{Group, GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};
use parvis::pagination::PageRequest;
use parvis::policy::{self, Action, Resource};
use parvis::posts::Post;
use parvis::posts::model::{self as posts, FeedCursor, FeedFilter, NewPost};
use parvis::search::{Kind, Search, SearchFilter};
use parvis::surveys::model::{
    self as surveys, ListViewer, NewQuestion, NewSurvey, QuestionKind, Survey, SurveyCursor,
};
use parvis::users::{NewUser, OrgRole, User, UserStatus, model as users};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use uuid::Uuid;

use common::TestSchema;

/// Enough to meet every combination that matters within a few seconds.
const CASES: u32 = 48;
/// More than any generated list holds, so no list is cut by its page size.
const PAGE: usize = 100;

#[derive(Debug, Clone, Copy)]
enum Relation {
    None,
    Role(GroupRole),
    Requested,
    Invited,
}

#[derive(Debug, Clone)]
struct GroupSpec {
    visibility: Visibility,
    join_policy: JoinPolicy,
    posting_policy: PostingPolicy,
    event_policy: PostingPolicy,
    drive_policy: PostingPolicy,
    archived: bool,
    /// How each person stands towards the group (by index; the extra ones are unused).
    relations: Vec<Relation>,
}

#[derive(Debug, Clone, Copy)]
enum PostState {
    Live,
    Draft,
    Scheduled,
    Deleted,
}

#[derive(Debug, Clone)]
struct PostSpec {
    /// A person by index, or none (an integration's post).
    author: Option<usize>,
    /// Groups by index; organization-wide when empty.
    audience: BTreeSet<usize>,
    state: PostState,
}

#[derive(Debug, Clone)]
struct EventSpec {
    group: Option<usize>,
    creator: usize,
    organizers: BTreeSet<usize>,
    cancelled: bool,
}

#[derive(Debug, Clone, Copy)]
enum SurveyState {
    Scheduled,
    Open,
    ClosedEarly,
    PastClosingDate,
}

#[derive(Debug, Clone)]
struct SurveySpec {
    creator: usize,
    /// Organization-wide when empty.
    groups: BTreeSet<usize>,
    state: SurveyState,
    answered_by: BTreeSet<usize>,
}

#[derive(Debug, Clone)]
struct OrgSpec {
    people: Vec<(OrgRole, UserStatus)>,
    groups: Vec<GroupSpec>,
    posts: Vec<PostSpec>,
    events: Vec<EventSpec>,
    surveys: Vec<SurveySpec>,
    /// Which people have a personal drive with a file in it.
    personal_drives: BTreeSet<usize>,
}

const MAX_PEOPLE: usize = 6;
const MAX_GROUPS: usize = 3;

fn relation() -> impl Strategy<Value = Relation> {
    prop_oneof![
        3 => Just(Relation::None),
        1 => Just(Relation::Role(GroupRole::Owner)),
        1 => Just(Relation::Role(GroupRole::Manager)),
        2 => Just(Relation::Role(GroupRole::Member)),
        1 => Just(Relation::Requested),
        1 => Just(Relation::Invited),
    ]
}

fn posting_policy() -> impl Strategy<Value = PostingPolicy> {
    prop_oneof![Just(PostingPolicy::Members), Just(PostingPolicy::Managers)]
}

/// Join policies the database allows for a visibility (secret: invitation only; private: not
/// open).
fn visibility_and_join() -> impl Strategy<Value = (Visibility, JoinPolicy)> {
    prop_oneof![
        Just((Visibility::Public, JoinPolicy::Open)),
        Just((Visibility::Public, JoinPolicy::Request)),
        Just((Visibility::Public, JoinPolicy::InviteOnly)),
        Just((Visibility::Private, JoinPolicy::Request)),
        Just((Visibility::Private, JoinPolicy::InviteOnly)),
        Just((Visibility::Secret, JoinPolicy::InviteOnly)),
    ]
}

fn group() -> impl Strategy<Value = GroupSpec> {
    (
        visibility_and_join(),
        posting_policy(),
        posting_policy(),
        posting_policy(),
        prop::bool::weighted(0.2),
        prop::collection::vec(relation(), MAX_PEOPLE),
    )
        .prop_map(
            |(
                (visibility, join_policy),
                posting_policy,
                event_policy,
                drive_policy,
                archived,
                relations,
            )| {
                GroupSpec {
                    visibility,
                    join_policy,
                    posting_policy,
                    event_policy,
                    drive_policy,
                    archived,
                    relations,
                }
            },
        )
}

fn person() -> impl Strategy<Value = (OrgRole, UserStatus)> {
    (
        prop_oneof![
            Just(OrgRole::Admin),
            Just(OrgRole::Member),
            Just(OrgRole::Guest)
        ],
        prop_oneof![
            6 => Just(UserStatus::Active),
            1 => Just(UserStatus::Deactivated),
            1 => Just(UserStatus::Pending),
        ],
    )
}

fn indexes(below: usize, most: usize) -> impl Strategy<Value = BTreeSet<usize>> {
    prop::collection::btree_set(0..below, 0..=most)
}

fn org() -> impl Strategy<Value = OrgSpec> {
    (
        prop::collection::vec(person(), 2..=MAX_PEOPLE),
        prop::collection::vec(group(), 1..=MAX_GROUPS),
    )
        .prop_flat_map(|(people, groups)| {
            let (p, g) = (people.len(), groups.len());
            let post = (
                prop::option::weighted(0.8, 0..p),
                indexes(g, 2),
                prop_oneof![
                    4 => Just(PostState::Live),
                    1 => Just(PostState::Draft),
                    1 => Just(PostState::Scheduled),
                    1 => Just(PostState::Deleted),
                ],
            )
                .prop_map(|(author, audience, state)| PostSpec {
                    author,
                    audience,
                    state,
                });
            let event = (
                prop::option::weighted(0.7, 0..g),
                0..p,
                indexes(p, 2),
                prop::bool::weighted(0.2),
            )
                .prop_map(|(group, creator, organizers, cancelled)| EventSpec {
                    group,
                    creator,
                    organizers,
                    cancelled,
                });
            let survey = (
                0..p,
                indexes(g, 2),
                prop_oneof![
                    Just(SurveyState::Scheduled),
                    Just(SurveyState::Open),
                    Just(SurveyState::ClosedEarly),
                    Just(SurveyState::PastClosingDate),
                ],
                indexes(p, 3),
            )
                .prop_map(|(creator, groups, state, answered_by)| SurveySpec {
                    creator,
                    groups,
                    state,
                    answered_by,
                });
            (
                Just(people),
                Just(groups),
                prop::collection::vec(post, 0..=6),
                prop::collection::vec(event, 0..=4),
                prop::collection::vec(survey, 0..=4),
                indexes(p, p),
            )
        })
        .prop_map(
            |(people, groups, posts, events, surveys, personal_drives)| OrgSpec {
                people,
                groups,
                posts,
                events,
                surveys,
                personal_drives,
            },
        )
}

/// What the test inserted, as it built it: the rows, and how each person stands towards each
/// group (only what was really recorded: an invitation reaches active people only).
struct Org {
    people: Vec<User>,
    groups: Vec<Group>,
    relations: Vec<Vec<Relation>>,
    posts: Vec<(Post, Vec<usize>)>,
    events: Vec<(Event, Vec<usize>)>,
    /// Drives with the group they belong to and the one file in each.
    drives: Vec<(Drive, Option<usize>, Uuid)>,
    surveys: Vec<(Survey, Vec<usize>, Vec<usize>)>,
}

/// Model errors (`ApiError` has no `Display`) and connection errors as failed cases.
trait OrFail<T> {
    fn or_fail(self) -> Result<T, TestCaseError>;
}

impl<T, E: std::fmt::Debug> OrFail<T> for Result<T, E> {
    fn or_fail(self) -> Result<T, TestCaseError> {
        self.map_err(|error| TestCaseError::fail(format!("{error:?}")))
    }
}

async fn insert(conn: &mut AsyncPgConnection, spec: &OrgSpec) -> Result<Org, TestCaseError> {
    let mut people = Vec::new();
    for (index, (role, status)) in spec.people.iter().enumerate() {
        let mut new_user = NewUser::new(format!("person{index}"), format!("Person {index}"));
        new_user.org_role = *role;
        new_user.status = *status;
        if *status == UserStatus::Pending {
            new_user.activated_at = None;
        }
        people.push(users::insert(conn, &new_user).await.or_fail()?);
    }
    let mut org = Org {
        people,
        groups: Vec::new(),
        relations: Vec::new(),
        posts: Vec::new(),
        events: Vec::new(),
        drives: Vec::new(),
        surveys: Vec::new(),
    };
    for (index, spec) in spec.groups.iter().enumerate() {
        let (group, relations) = insert_group(conn, &org.people, index, spec)
            .await
            .or_fail()?;
        org.groups.push(group);
        org.relations.push(relations);
    }
    for spec in &spec.posts {
        org.posts
            .push(insert_post(conn, &org, spec).await.or_fail()?);
    }
    for spec in &spec.events {
        org.events
            .push(insert_event(conn, &org, spec).await.or_fail()?);
    }
    for spec in &spec.surveys {
        org.surveys
            .push(insert_survey(conn, &org, spec).await.or_fail()?);
    }
    let owners = spec
        .personal_drives
        .iter()
        .map(|person| (None, Some(org.people[*person].id)));
    let group_drives: Vec<_> = org
        .groups
        .iter()
        .map(|group| (Some(group.id), None))
        .collect();
    for (group, owner) in group_drives.into_iter().chain(owners) {
        let drive = files::drive_for(conn, group, owner).await.or_fail()?;
        let folder = files::root_folder(conn, drive.id).await.or_fail()?;
        let object = StoredObject {
            storage_key: Uuid::new_v4().to_string(),
            size_bytes: 3,
            sha256: vec![0; 32],
            content_type: "text/plain".into(),
            uploaded_name: "notes.txt".into(),
        };
        let file = files::insert_file(conn, &folder, "notes.txt", &object, org.people[0].id)
            .await
            .or_fail()?;
        let group = group.and_then(|id| org.groups.iter().position(|group| group.id == id));
        org.drives.push((drive, group, file.id));
    }
    Ok(org)
}

async fn insert_group(
    conn: &mut AsyncPgConnection,
    people: &[User],
    index: usize,
    spec: &GroupSpec,
) -> Result<(Group, Vec<Relation>), TestCaseError> {
    let new_group = NewGroup {
        id: Uuid::now_v7(),
        name: format!("Group {index}"),
        slug: format!("group-{index}"),
        description: String::new(),
        visibility: spec.visibility,
        join_policy: spec.join_policy,
        posting_policy: spec.posting_policy,
        created_by: None,
    };
    groups::insert(conn, &new_group).await.or_fail()?;
    let changes = GroupChanges {
        event_policy: Some(spec.event_policy),
        drive_policy: Some(spec.drive_policy),
        ..GroupChanges::default()
    };
    let mut group = groups::update(conn, new_group.id, &changes)
        .await
        .or_fail()?;
    let mut relations = Vec::new();
    for (person, relation) in people.iter().zip(&spec.relations) {
        let recorded = match relation {
            Relation::None => Relation::None,
            Relation::Role(role) => {
                groups::add_member(conn, group.id, person.id, *role)
                    .await
                    .or_fail()?;
                *relation
            }
            Relation::Requested => {
                groups::create_join_request(conn, group.id, person.id, None)
                    .await
                    .or_fail()?;
                *relation
            }
            Relation::Invited => {
                let sent = groups::invite(conn, group.id, &[person.id], people[0].id)
                    .await
                    .or_fail()?;
                if sent.is_empty() {
                    Relation::None
                } else {
                    Relation::Invited
                }
            }
        };
        relations.push(recorded);
    }
    if spec.archived {
        group = groups::set_archived(conn, group.id, true).await.or_fail()?;
    }
    Ok((group, relations))
}

async fn insert_post(
    conn: &mut AsyncPgConnection,
    org: &Org,
    spec: &PostSpec,
) -> Result<(Post, Vec<usize>), TestCaseError> {
    let now = Utc::now();
    let new_post = NewPost {
        id: Uuid::now_v7(),
        author_id: spec.author.map(|person| org.people[person].id),
        webhook_id: None,
        integration_name: None,
        title: None,
        body: "Hello".into(),
        body_html: "<p>Hello</p>".into(),
        organization_wide: spec.audience.is_empty(),
        requires_acknowledgement: false,
        published_at: match spec.state {
            PostState::Draft => None,
            PostState::Scheduled => Some(now + Duration::hours(1)),
            PostState::Live | PostState::Deleted => Some(now - Duration::minutes(1)),
        },
    };
    let audience: Vec<usize> = spec.audience.iter().copied().collect();
    let group_ids: Vec<Uuid> = audience.iter().map(|group| org.groups[*group].id).collect();
    posts::insert(conn, &new_post, &group_ids, &[])
        .await
        .or_fail()?;
    if matches!(spec.state, PostState::Deleted) {
        posts::soft_delete(conn, new_post.id, org.people[0].id)
            .await
            .or_fail()?;
    }
    let post = posts::find(conn, new_post.id).await.or_fail()?;
    let post = post.ok_or_else(|| TestCaseError::fail("the post just inserted is missing"))?;
    Ok((post, audience))
}

async fn insert_event(
    conn: &mut AsyncPgConnection,
    org: &Org,
    spec: &EventSpec,
) -> Result<(Event, Vec<usize>), TestCaseError> {
    let starts_at = Utc::now() + Duration::days(1);
    let fields = EventFields {
        title: "Meeting".into(),
        description: String::new(),
        starts_at,
        ends_at: starts_at + Duration::hours(1),
        time_zone: "UTC".into(),
        all_day: false,
        location: None,
        online_url: None,
        online_provider: None,
        cover_attachment_id: None,
        capacity: None,
        recurrence: None,
        last_starts_at: Some(starts_at),
        reminder_minutes: Vec::new(),
    };
    let group = spec.group.map(|group| org.groups[group].id);
    let creator = org.people[spec.creator].id;
    let mut event = events::insert(conn, Uuid::now_v7(), group, creator, &fields)
        .await
        .or_fail()?;
    let organizers: Vec<usize> = spec.organizers.iter().copied().collect();
    let organizer_ids: Vec<Uuid> = organizers
        .iter()
        .map(|person| org.people[*person].id)
        .collect();
    events::set_organizers(conn, event.id, &organizer_ids)
        .await
        .or_fail()?;
    if spec.cancelled {
        event = events::cancel(conn, event.id, None).await.or_fail()?;
    }
    Ok((event, organizers))
}

async fn insert_survey(
    conn: &mut AsyncPgConnection,
    org: &Org,
    spec: &SurveySpec,
) -> Result<(Survey, Vec<usize>, Vec<usize>), TestCaseError> {
    let now = Utc::now();
    let (opens_at, closes_at) = match spec.state {
        SurveyState::Scheduled => (now + Duration::days(1), None),
        SurveyState::Open | SurveyState::ClosedEarly => (now - Duration::days(1), None),
        SurveyState::PastClosingDate => (now - Duration::days(2), Some(now - Duration::days(1))),
    };
    let new_survey = NewSurvey {
        id: Uuid::now_v7(),
        title: "How are we doing?".into(),
        description: String::new(),
        anonymous: false,
        organization_wide: spec.groups.is_empty(),
        opens_at,
        closes_at,
        created_by: Some(org.people[spec.creator].id),
        min_responses: 5,
    };
    let question = NewQuestion {
        kind: QuestionKind::FreeText,
        prompt: "Anything?".into(),
        options: Vec::new(),
        required: false,
    };
    let groups: Vec<usize> = spec.groups.iter().copied().collect();
    let group_ids: Vec<Uuid> = groups.iter().map(|group| org.groups[*group].id).collect();
    let (mut survey, _) = surveys::insert(conn, &new_survey, &group_ids, &[question])
        .await
        .or_fail()?;
    let answered: Vec<usize> = spec.answered_by.iter().copied().collect();
    for person in &answered {
        surveys::add_participant(conn, survey.id, org.people[*person].id)
            .await
            .or_fail()?;
    }
    if matches!(spec.state, SurveyState::ClosedEarly) {
        survey = surveys::close(conn, survey.id).await.or_fail()?;
    }
    Ok((survey, groups, answered))
}

impl Org {
    fn viewer(&self, person: usize) -> Viewer {
        Viewer::new(self.people[person].clone(), Credential::Recipient)
    }

    /// The group as the person stands towards it, from what the test recorded.
    fn access(&self, person: usize, group: usize) -> GroupAccess {
        let relation = self.relations[group][person];
        GroupAccess {
            group: self.groups[group].clone(),
            viewer_role: match relation {
                Relation::Role(role) => Some(role),
                _ => None,
            },
            viewer_requested: matches!(relation, Relation::Requested),
            viewer_invited: matches!(relation, Relation::Invited),
        }
    }

    fn accesses(&self, person: usize, groups: &[usize]) -> Vec<GroupAccess> {
        groups
            .iter()
            .map(|group| self.access(person, *group))
            .collect()
    }

    /// Items as the generated organization numbers them (`post 2` is `posts[2]`).
    fn names<'a>(&self, ids: impl Iterator<Item = &'a Uuid>) -> Vec<String> {
        ids.map(|id| self.name(*id)).collect()
    }

    fn name(&self, id: Uuid) -> String {
        let position = |ids: Vec<Uuid>, kind: &str| {
            let index = ids.iter().position(|known| *known == id)?;
            Some(format!("{kind} {index}"))
        };
        let drive_of = |(drive, group, _): &(Drive, Option<usize>, Uuid)| match group {
            Some(group) => format!("the file in group {group}'s drive"),
            None => {
                let owner = self
                    .people
                    .iter()
                    .position(|person| drive.owner_id == Some(person.id));
                format!("the file in person{}'s drive", owner.unwrap_or_default())
            }
        };
        position(self.groups.iter().map(|group| group.id).collect(), "group")
            .or_else(|| position(self.posts.iter().map(|(post, _)| post.id).collect(), "post"))
            .or_else(|| {
                position(
                    self.events.iter().map(|(event, _)| event.id).collect(),
                    "event",
                )
            })
            .or_else(|| {
                position(
                    self.surveys.iter().map(|(survey, ..)| survey.id).collect(),
                    "survey",
                )
            })
            .or_else(|| {
                self.drives
                    .iter()
                    .find(|(.., file)| *file == id)
                    .map(drive_of)
            })
            .unwrap_or_else(|| id.to_string())
    }

    /// Whether the policy lets `viewer` (person `person`) see the post.
    fn sees_post(&self, person: usize, viewer: &Viewer, post: &Post, audience: &[usize]) -> bool {
        let audiences = self.accesses(person, audience);
        let resource = Resource::Post {
            post,
            audiences: &audiences,
        };
        policy::can(viewer, Action::View, resource).allowed()
    }

    /// Whether the policy lets `viewer` (person `person`) see the event.
    fn sees_event(
        &self,
        person: usize,
        viewer: &Viewer,
        event: &Event,
        organizers: &[usize],
    ) -> bool {
        let access = self
            .event_group(event)
            .map(|group| self.access(person, group));
        let resource = Resource::Event {
            event,
            group: access.as_ref(),
            organizer: organizers.contains(&person),
        };
        policy::can(viewer, Action::View, resource).allowed()
    }

    /// The event's group, by index.
    fn event_group(&self, event: &Event) -> Option<usize> {
        event
            .group_id
            .and_then(|id| self.groups.iter().position(|group| group.id == id))
    }

    /// Whether the policy lets `viewer` (person `person`) see the drive.
    fn sees_drive(
        &self,
        person: usize,
        viewer: &Viewer,
        drive: &Drive,
        group: Option<usize>,
    ) -> bool {
        let access = group.map(|group| self.access(person, group));
        let resource = Resource::Drive {
            drive,
            group: access.as_ref(),
        };
        policy::can(viewer, Action::View, resource).allowed()
    }

    fn member(&self, person: usize, group: usize) -> bool {
        matches!(self.relations[group][person], Relation::Role(_))
    }
}

/// Compares what a list returned with what the policy allows, naming the items that differ.
fn same(
    org: &Org,
    list: &str,
    viewer: &Viewer,
    listed: impl IntoIterator<Item = Uuid>,
    allowed: impl IntoIterator<Item = Uuid>,
) -> Result<(), TestCaseError> {
    let listed: BTreeSet<Uuid> = listed.into_iter().collect();
    let allowed: BTreeSet<Uuid> = allowed.into_iter().collect();
    if listed == allowed {
        return Ok(());
    }
    Err(TestCaseError::fail(format!(
        "{list} for {} ({:?}, {:?}): listed but not allowed {:?}; allowed but not listed {:?}",
        viewer.user.username,
        viewer.user.org_role,
        viewer.user.status,
        org.names(listed.difference(&allowed)),
        org.names(allowed.difference(&listed)),
    )))
}

async fn check_lists(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
) -> Result<(), TestCaseError> {
    let viewer = org.viewer(person);
    check_groups(conn, org, person, &viewer).await?;
    check_feeds(conn, org, person, &viewer).await?;
    check_events(conn, org, person, &viewer).await?;
    check_files(conn, org, person, &viewer).await?;
    check_surveys(conn, org, person, &viewer).await?;
    check_mentionable_groups(conn, org, person, &viewer).await?;
    check_search(conn, org, person, &viewer).await
}

/// What a search for `query` finds of one type (every hit: no page is cut).
async fn searched(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    query: &str,
    kind: Kind,
) -> Result<Vec<Uuid>, TestCaseError> {
    let filter = SearchFilter {
        kinds: Some(vec![kind]),
        ..SearchFilter::default()
    };
    let search = Search::new(viewer, query, filter).or_fail()?;
    let hits = search
        .hits(conn, &PageRequest::first(PAGE))
        .await
        .or_fail()?;
    Ok(hits.items.iter().map(|hit| hit.item_id).collect())
}

/// Search finds, of each type, exactly what the policy lets the viewer see (the generated
/// people are all "Person", groups "Group", posts "Hello", events "Meeting", files "notes").
async fn check_search(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let people = org.people.iter().enumerate().filter(|(other, user)| {
        let shares_group = (0..org.groups.len())
            .any(|group| org.member(person, group) && org.member(*other, group));
        let resource = Resource::User { user, shares_group };
        policy::can(viewer, Action::View, resource).allowed()
    });
    same(
        org,
        "people found",
        viewer,
        searched(conn, viewer, "person", Kind::Person).await?,
        people.map(|(_, user)| user.id),
    )?;
    let groups = (0..org.groups.len()).filter(|group| {
        let access = org.access(person, *group);
        policy::can(viewer, Action::View, Resource::Group(&access)).allowed()
    });
    same(
        org,
        "groups found",
        viewer,
        searched(conn, viewer, "group", Kind::Group).await?,
        groups.map(|group| org.groups[group].id),
    )?;
    let posts = org
        .posts
        .iter()
        .filter(|(post, audience)| org.sees_post(person, viewer, post, audience));
    same(
        org,
        "posts found",
        viewer,
        searched(conn, viewer, "hello", Kind::Post).await?,
        posts.map(|(post, _)| post.id),
    )?;
    let events = org
        .events
        .iter()
        .filter(|(event, organizers)| org.sees_event(person, viewer, event, organizers));
    same(
        org,
        "events found",
        viewer,
        searched(conn, viewer, "meeting", Kind::Event).await?,
        events.map(|(event, _)| event.id),
    )?;
    let files = org
        .drives
        .iter()
        .filter(|(drive, group, _)| org.sees_drive(person, viewer, drive, *group));
    same(
        org,
        "files found",
        viewer,
        searched(conn, viewer, "notes", Kind::File).await?,
        files.map(|(_, _, file)| *file),
    )
}

/// The groups list shows what the policy lets the viewer see, except that org admins, who may
/// see every group, find secret groups they are not in only when they ask for `ALL`.
async fn check_groups(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let all_groups = 0..org.groups.len();
    let mut as_member = viewer.clone();
    if as_member.user.org_role == OrgRole::Admin {
        std::sync::Arc::make_mut(&mut as_member.user).org_role = OrgRole::Member;
    }
    let page = PageRequest::<GroupCursor>::first(PAGE);
    for scope in [GroupScope::Visible, GroupScope::All] {
        let filter = GroupFilter {
            scope,
            query: None,
            joined_only: false,
            visibility: None,
        };
        let listed = groups::page(conn, &viewer.user, &filter, &page)
            .await
            .or_fail()?;
        let judge = match scope {
            GroupScope::Visible => &as_member,
            GroupScope::All if viewer.user.is_admin() => viewer,
            // Only admins may ask for every group (the resolver checks it).
            GroupScope::All => continue,
        };
        let allowed = all_groups.clone().filter(|group| {
            policy::can(
                judge,
                Action::View,
                Resource::Group(&org.access(person, *group)),
            )
            .allowed()
        });
        same(
            org,
            &format!("groups ({scope:?})"),
            viewer,
            listed.items.iter().map(|access| access.group.id),
            allowed.map(|group| org.groups[group].id),
        )?;
        for access in &listed.items {
            let index = org
                .groups
                .iter()
                .position(|group| group.id == access.group.id);
            let expected = index.map(|group| org.access(person, group));
            let relation = expected.map(|e| (e.viewer_role, e.viewer_requested, e.viewer_invited));
            prop_assert_eq!(
                Some((
                    access.viewer_role,
                    access.viewer_requested,
                    access.viewer_invited
                )),
                relation,
                "the viewer's relation to {} as the groups list loads it",
                access.group.name
            );
        }
    }
    Ok(())
}

/// The home feed is the live posts the viewer may read that are organization-wide or in one of
/// their groups (public groups they are not in, and for admins every group, are read there, not
/// in the home feed); a group's feed is every live post of the group, for whoever may read
/// inside the group.
async fn check_feeds(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let readable = |post: &Post, audience: &[usize]| {
        post.is_live() && org.sees_post(person, viewer, post, audience)
    };
    let page = PageRequest::<FeedCursor>::first(PAGE);
    let feed = |group: Option<Uuid>| FeedFilter {
        viewer: viewer.id(),
        guest: viewer.user.org_role == OrgRole::Guest,
        group,
        author: None,
        kind: None,
    };
    let (home, _) = posts::feed_page(conn, &feed(None), &page, true)
        .await
        .or_fail()?;
    let allowed = org.posts.iter().filter(|(post, audience)| {
        let in_own_group = audience.iter().any(|group| org.member(person, *group));
        readable(post, audience) && (post.organization_wide || in_own_group)
    });
    same(
        org,
        "home feed",
        viewer,
        home.items.iter().map(|post| post.id),
        allowed.map(|(post, _)| post.id),
    )?;
    prop_assert_eq!(
        home.total_count,
        home.items.len() as i64,
        "the home feed's count"
    );
    for (index, group) in org.groups.iter().enumerate() {
        let access = org.access(person, index);
        if !policy::can(viewer, Action::ViewContent, Resource::Group(&access)).allowed() {
            continue;
        }
        let (listed, _) = posts::feed_page(conn, &feed(Some(group.id)), &page, false)
            .await
            .or_fail()?;
        let allowed = org
            .posts
            .iter()
            .filter(|(post, audience)| audience.contains(&index) && readable(post, audience));
        same(
            org,
            &format!("feed of {}", group.name),
            viewer,
            listed.items.iter().map(|post| post.id),
            allowed.map(|(post, _)| post.id),
        )?;
    }
    Ok(())
}

/// The calendar's window filter, as the home page and the personal calendar feed use it: the
/// events of the viewer's groups and, but for guests, organization-wide ones, then the policy on
/// each. What the
/// SQL selects must be what the policy lets through, or hidden events count against the window's
/// limit.
async fn check_events(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let now = Utc::now();
    let joined = groups::joined_group_ids(conn, viewer.id())
        .await
        .or_fail()?;
    let filter = WindowFilter {
        from: now,
        to: now + Duration::days(60),
        group_id: None,
        attending: None,
        readable_groups: Some(joined),
        include_organization_wide: viewer.user.org_role != OrgRole::Guest,
    };
    let listed = events::in_window(conn, &filter, PAGE as i64)
        .await
        .or_fail()?;
    let allowed = org.events.iter().filter(|(event, organizers)| {
        let in_own_group = org
            .event_group(event)
            .is_none_or(|group| org.member(person, group));
        in_own_group && org.sees_event(person, viewer, event, organizers)
    });
    same(
        org,
        "upcoming events",
        viewer,
        listed.iter().map(|event| event.id),
        allowed.map(|(event, _)| event.id),
    )
}

/// Recent files: those in the viewer's own drive and their groups' drives.
async fn check_files(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let joined = groups::joined_group_ids(conn, viewer.id())
        .await
        .or_fail()?;
    let drives = files::drive_ids_of(conn, &joined, viewer.id())
        .await
        .or_fail()?;
    let rows = files::find_drives(conn, &drives).await.or_fail()?;
    let readable: Vec<_> = parvis::files::access::readable_drives(conn, viewer, rows)
        .await
        .or_fail()?
        .into_iter()
        .map(|view| view.drive.id)
        .collect();
    let page = PageRequest::first(PAGE);
    let listed = files::page_in_drives(conn, &readable, &[], &[], &page)
        .await
        .or_fail()?
        .items;
    let allowed = org.drives.iter().filter(|(drive, group, _)| {
        let own = group.is_none_or(|group| org.member(person, group));
        own && org.sees_drive(person, viewer, drive, *group)
    });
    same(
        org,
        "recent files",
        viewer,
        listed.iter().map(|file| file.id),
        allowed.map(|(_, _, file)| *file),
    )
}

/// The surveys list is what the viewer may see; pending surveys are those they may answer.
async fn check_surveys(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let list_viewer = ListViewer {
        id: viewer.id(),
        admin: viewer.user.is_admin(),
        guest: viewer.user.org_role == OrgRole::Guest,
    };
    let page = PageRequest::<SurveyCursor>::first(PAGE);
    let visible = surveys::visible_page(conn, list_viewer, &page)
        .await
        .or_fail()?;
    let pending = surveys::pending_page(conn, list_viewer, &page)
        .await
        .or_fail()?;
    let allowed = |action: Action| {
        org.surveys
            .iter()
            .filter(move |(survey, groups, answered)| {
                let groups = org.accesses(person, groups);
                let resource = Resource::Survey {
                    survey: Some(survey),
                    groups: &groups,
                    answered: answered.contains(&person),
                };
                policy::can(viewer, action, resource).allowed()
            })
            .map(|(survey, _, _)| survey.id)
    };
    same(
        org,
        "surveys",
        viewer,
        visible.items.iter().map(|survey| survey.id),
        allowed(Action::View),
    )?;
    same(
        org,
        "pending surveys",
        viewer,
        pending.items.iter().map(|survey| survey.id),
        allowed(Action::Answer),
    )
}

/// `@group` mentions reach a whole group only when the author may manage it.
async fn check_mentionable_groups(
    conn: &mut AsyncPgConnection,
    org: &Org,
    person: usize,
    viewer: &Viewer,
) -> Result<(), TestCaseError> {
    let text: Vec<String> = org
        .groups
        .iter()
        .map(|group| format!("@{}", group.slug))
        .collect();
    let listed = posts::mentionable_groups(
        conn,
        &text.join(" "),
        posts::Mentioner::Person {
            id: viewer.id(),
            admin: viewer.user.is_admin(),
        },
    )
    .await
    .or_fail()?;
    let allowed = (0..org.groups.len()).filter(|group| {
        policy::can(
            viewer,
            Action::Manage,
            Resource::Group(&org.access(person, *group)),
        )
        .allowed()
    });
    same(
        org,
        "mentionable groups",
        viewer,
        listed,
        allowed.map(|group| org.groups[group].id),
    )
}

/// One generated organization, inserted in a transaction that is never committed.
async fn check_organization(schema: &TestSchema, spec: &OrgSpec) -> Result<(), TestCaseError> {
    let mut conn = schema.settings.connect().await.or_fail()?;
    conn.begin_test_transaction().await.or_fail()?;
    let org = insert(&mut conn, spec).await.or_fail()?;
    for person in 0..org.people.len() {
        check_lists(&mut conn, &org, person).await?;
    }
    Ok(())
}

#[test]
fn every_list_shows_exactly_what_the_policy_allows() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let schema = runtime.block_on(TestSchema::new());
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let result = TestRunner::new(config).run(&org(), |spec| {
        runtime.block_on(check_organization(&schema, &spec))
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, spec)) => {
            panic!(
                "{}\nThe smallest organization found where it happens: {spec:#?}",
                why.message()
            )
        }
        Err(error) => panic!("{error}"),
    }
}
