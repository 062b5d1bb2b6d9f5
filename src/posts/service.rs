//! The operations on posts, each written once whatever calls it: the API, an incoming webhook, the
//! job that publishes a scheduled post. Each checks the policy, runs in one transaction (a
//! savepoint inside a caller's), records mentions, and publishes the events and notification
//! triggers its change calls for.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::model::{self, NewPost, Post};
use super::polls::{self, NewPoll};
use crate::analytics::{Activity, ActivityKind};
use crate::attachments::model::{self as attachments, Subject};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::groups::TYPE_NAME as GROUP_TYPE;
use crate::groups::{Group, GroupAccess};
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action, Decision, Resource};
use crate::services::Services;

/// Who publishes a post.
#[derive(Clone, Copy)]
pub enum Author<'a> {
    /// A person, through the API.
    Person(&'a Viewer),
    /// An integration (a group webhook), into its group: it speaks for the managers who added it.
    Integration {
        webhook: Uuid,
        name: &'a str,
        group: Uuid,
    },
}

/// A post to publish, its input already validated.
pub struct Publication {
    pub title: Option<String>,
    /// Markdown.
    pub body: String,
    pub groups: Vec<Uuid>,
    pub organization_wide: bool,
    pub requires_acknowledgement: bool,
    /// Now, later (scheduled), or `None` for a draft.
    pub published_at: Option<DateTime<Utc>>,
    pub poll: Option<NewPoll>,
    /// Uploads of the author's to attach, in order.
    pub attachments: Vec<Uuid>,
}

/// Publishes a post: checks that `author` may publish it where it goes, stores it with its poll,
/// attachments and mentions (people, and whole groups the author may mention), and announces it
/// now or at its scheduled time (a draft waits for `announce`).
pub async fn publish(
    conn: &mut AsyncPgConnection,
    services: &Services,
    author: Author<'_>,
    publication: Publication,
) -> ApiResult<Post> {
    if let Author::Person(viewer) = author {
        require_audience(conn, viewer, &publication).await?;
    }
    let post = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let post = model::insert(
                conn,
                &new_post(author, &publication),
                &publication.groups,
                &[],
            )
            .await?;
            if let Some(poll) = &publication.poll {
                polls::insert(conn, post.id, poll).await?;
            }
            if let Author::Person(viewer) = author {
                attachments::set_for(
                    conn,
                    Subject::post(post.id),
                    &publication.attachments,
                    viewer.id(),
                )
                .await?;
            }
            record_mentions(conn, &post, author).await?;
            announce(conn, services, &post).await?;
            Ok(post)
        })
        .await?;
    if let Author::Person(viewer) = author {
        let group = (!post.organization_wide)
            .then(|| publication.groups.first().copied())
            .flatten();
        services.activity.record(
            Activity::by(viewer.id(), ActivityKind::PostCreated)
                .in_group(group)
                .about(post.id),
        );
    }
    Ok(post)
}

/// The row of a new post.
fn new_post(author: Author<'_>, publication: &Publication) -> NewPost {
    let (author_id, webhook_id, integration_name) = match author {
        Author::Person(viewer) => (Some(viewer.id()), None, None),
        Author::Integration { webhook, name, .. } => (None, Some(webhook), Some(name.to_owned())),
    };
    NewPost {
        id: Uuid::now_v7(),
        author_id,
        webhook_id,
        integration_name,
        title: publication.title.clone(),
        body_html: crate::markdown::to_safe_html(&publication.body),
        body: publication.body.clone(),
        organization_wide: publication.organization_wide,
        requires_acknowledgement: publication.requires_acknowledgement,
        published_at: publication.published_at,
    }
}

/// A person publishes to the whole organization or to several groups only as an organizer, and
/// into each group only where they may post (a group they may not see is NOT_FOUND).
async fn require_audience(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    publication: &Publication,
) -> ApiResult<()> {
    if publication.organization_wide || publication.groups.len() > 1 {
        policy::require(
            viewer,
            Action::Organize,
            Resource::Organization,
            "Organization",
            "Only admins and communicators publish to the whole organization or to several groups at once.",
        )?;
    }
    let found = crate::groups::model::find_access(conn, viewer.id(), &publication.groups).await?;
    for id in &publication.groups {
        let group = found
            .iter()
            .find(|access| access.group.id == *id)
            .filter(|access| {
                policy::can(viewer, Action::View, Resource::Group(access)) != Decision::Hide
            })
            .ok_or(ApiError::NotFound(GROUP_TYPE))?;
        policy::require(
            viewer,
            Action::Post,
            Resource::Group(group),
            GROUP_TYPE,
            &format!("You may not post in {}.", group.group.name),
        )?;
    }
    Ok(())
}

/// Stores who a post's text mentions: people (`@username`) and whole groups (`@group-slug`) the
/// author may mention (a person: the groups they manage, any for org admins; an integration: its
/// own group); returns the people not mentioned before.
pub async fn record_mentions(
    conn: &mut AsyncPgConnection,
    post: &Post,
    author: Author<'_>,
) -> ApiResult<Vec<Uuid>> {
    let people = model::mentioned_users(conn, &post.body).await?;
    let newly = model::replace_mentions(conn, post.id, &people).await?;
    let mentioner = match author {
        Author::Person(viewer) => model::Mentioner::Person {
            id: viewer.id(),
            admin: viewer.user.is_admin(),
        },
        Author::Integration { group, .. } => model::Mentioner::Integration { group },
    };
    let groups = model::mentionable_groups(conn, &post.body, mentioner).await?;
    model::replace_group_mentions(conn, post.id, &groups).await?;
    Ok(newly)
}

/// Tells readers about a post once it is out: now if it is, else by a job at its time; a draft
/// waits until it is published.
pub async fn announce(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post: &Post,
) -> ApiResult<()> {
    match post.published_at {
        Some(at) if at > Utc::now() => {
            crate::jobs::enqueue(
                conn,
                &crate::jobs::Job::PublishPost { post_id: post.id },
                at,
            )
            .await
        }
        Some(_) => announce_now(conn, services, post.id).await,
        None => Ok(()),
    }
}

/// The job of a scheduled post: announces it if it is out now (not deleted, nor moved to a later
/// time since the job was enqueued: that move enqueued its own job).
pub async fn announce_due(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post_id: Uuid,
) -> ApiResult<()> {
    match model::find(conn, post_id).await? {
        Some(post) if post.is_live() => announce_now(conn, services, post.id).await,
        _ => Ok(()),
    }
}

/// Pushes the new post to subscribers (every instance) and has its readers notified.
async fn announce_now(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post: Uuid,
) -> ApiResult<()> {
    services
        .events
        .publish(conn, &Event::PostPublished { id: post })
        .await?;
    triggers::enqueue(conn, Trigger::PostPublished { post_id: post }).await
}

/// The post if `viewer` may read it now, else `None`: the one rule for the API, subscriptions
/// (which run outside a request and its loaders) and notifications. A missing post and a hidden
/// one cost the same two queries (the audience is read even when the post is not found), so
/// timing tells nothing of which.
pub async fn readable(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<Option<Post>> {
    let post = model::find(conn, id).await?;
    let audiences = crate::groups::model::find_access_to_post(conn, viewer.id(), id).await?;
    Ok(post.filter(|post| readable_by(viewer, post, &audiences)))
}

/// The post if `viewer` may read it now; a hidden post is NOT_FOUND, like a missing one.
pub async fn visible(conn: &mut AsyncPgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<Post> {
    readable(conn, viewer, id)
        .await?
        .ok_or(ApiError::NotFound(super::TYPE_NAME))
}

/// Whether `viewer` may read `post`, published in `groups` (loaded once to check many people).
pub async fn may_read(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    post: &Post,
    groups: &[Uuid],
) -> ApiResult<bool> {
    let audiences = if groups.is_empty() {
        Vec::new()
    } else {
        crate::groups::model::find_access(conn, viewer.id(), groups).await?
    };
    Ok(readable_by(viewer, post, &audiences))
}

/// The posts among `posts` that `viewer` may read now, order kept: the rule of `readable` for a
/// whole list (the pinned posts of the home) in two statements, none for an empty list.
pub async fn readable_among(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    posts: Vec<Post>,
) -> ApiResult<Vec<Post>> {
    if posts.is_empty() {
        return Ok(posts);
    }
    let ids: Vec<Uuid> = posts.iter().map(|post| post.id).collect();
    let audiences = model::audiences(conn, &ids).await?;
    let groups: Vec<Uuid> = audiences.values().flatten().copied().collect();
    let access = if groups.is_empty() {
        HashMap::new()
    } else {
        crate::groups::service::access_by_id(conn, viewer.id(), &groups).await?
    };
    Ok(posts
        .into_iter()
        .filter(|post| {
            let audiences: Vec<GroupAccess> = audiences
                .get(&post.id)
                .into_iter()
                .flatten()
                .filter_map(|group| access.get(group).cloned())
                .collect();
            readable_by(viewer, post, &audiences)
        })
        .collect())
}

/// A post and the groups it was published in, as read once for all of an instance's subscribers
/// to an event about it (`events::Delivered::read_once`); `post` is `None` once it is gone.
pub struct PostSnapshot {
    pub post: Option<Post>,
    pub audiences: Vec<Group>,
}

impl PostSnapshot {
    /// Reads the post an event names (once for every subscriber of an instance).
    pub async fn read(services: &Services, id: Uuid) -> ApiResult<Self> {
        let conn = &mut services.pool.get().await?;
        let post = model::find(conn, id).await?;
        let groups = model::audience_of(conn, id).await?;
        let audiences = crate::groups::model::find_many(conn, &groups).await?;
        Ok(Self { post, audiences })
    }

    /// The post if `viewer` may read it: the rule of `readable`, judged in memory from the
    /// viewer's group roles as this instance remembers them (see `groups::roles`).
    pub async fn readable_by(
        &self,
        services: &Services,
        viewer: &Viewer,
    ) -> ApiResult<Option<Post>> {
        let Some(post) = &self.post else {
            return Ok(None);
        };
        let roles = services.group_roles.of(&services.pool, viewer.id()).await?;
        let audiences = crate::groups::roles::access_with(&roles, &self.audiences);
        Ok(readable_by(viewer, post, &audiences).then(|| post.clone()))
    }

    /// Whether the post was published in `group`.
    pub fn published_in(&self, group: Uuid) -> bool {
        self.audiences.iter().any(|audience| audience.id == group)
    }
}

fn readable_by(viewer: &Viewer, post: &Post, audiences: &[GroupAccess]) -> bool {
    policy::can(viewer, Action::View, Resource::Post { post, audiences }).allowed()
}
