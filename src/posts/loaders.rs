//! The DataLoaders of what a post shows beside its text: a feed page costs the same few statements
//! for them whatever the number of posts.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::graphql::{POLL_OPTION_TYPE, PollOptionView, PollView};
use super::model::{self, Post, PostVersion};
use super::polls::{self, Poll, PollOption, Tally};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::ids;
use crate::graphql::loaders::connection;
use crate::services::Services;
use crate::users::User;
use crate::users::visibility::Sight;

/// Posts by id, as stored: whoever shows them applies the policy (with their audiences, from
/// `AudienceLoader`). A missing post is left out.
pub struct PostLoader {
    services: Arc<Services>,
}

impl PostLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for PostLoader {
    type Value = Post;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        let posts = model::find_many(&mut conn, keys).await.map_err(Arc::new)?;
        Ok(posts.into_iter().map(|post| (post.id, post)).collect())
    }
}

/// What each post said before its edits, the latest replaced first.
pub struct VersionLoader {
    services: Arc<Services>,
}

impl VersionLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for VersionLoader {
    type Value = Vec<PostVersion>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        model::versions_of(&mut conn, keys).await.map_err(Arc::new)
    }
}

/// How many of each announcement's audience acknowledged it, out of how many.
pub struct AcknowledgementCountLoader {
    services: Arc<Services>,
}

impl AcknowledgementCountLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for AcknowledgementCountLoader {
    type Value = model::AcknowledgementCounts;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        model::acknowledgement_counts(&mut conn, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Each post's poll as the viewer sees it (`None` for a post without one).
pub struct PollLoader {
    services: Arc<Services>,
    viewer: Viewer,
}

impl PollLoader {
    pub fn new(services: Arc<Services>, viewer: Viewer) -> Self {
        Self { services, viewer }
    }
}

impl Loader<Uuid> for PollLoader {
    type Value = Option<PollView>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        poll_views(&mut conn, &self.viewer, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The polls of `posts` as `viewer` sees them, in a fixed number of statements.
async fn poll_views(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, Option<PollView>>> {
    let mut found = polls::find_many(conn, posts).await?;
    let with_polls: Vec<Uuid> = found.keys().copied().collect();
    let mut tallies = polls::tallies(conn, &with_polls, viewer.id()).await?;
    let named: Vec<Uuid> = found
        .iter()
        .filter(|(post, (poll, _))| {
            let voted = tallies
                .get(*post)
                .is_some_and(|tally| !tally.mine.is_empty());
            !poll.anonymous && poll.results_visible(voted)
        })
        .map(|(post, _)| *post)
        .collect();
    let mut voters = visible_voters(conn, viewer, &named).await?;
    Ok(posts
        .iter()
        .map(|post| {
            let view = found.remove(post).map(|(poll, options)| {
                let tally = tallies.remove(post).unwrap_or_default();
                poll_view(poll, options, tally, &mut voters)
            });
            (*post, view)
        })
        .collect())
}

/// Who chose each option of the polls of `posts`, among the people the viewer may see.
async fn visible_voters(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<User>>> {
    if posts.is_empty() {
        return Ok(HashMap::new());
    }
    let mut voters = polls::voters_of(conn, posts).await?;
    let sight = Sight::of(conn, viewer, voters.values().flatten()).await?;
    for people in voters.values_mut() {
        people.retain(|user| sight.sees(user));
    }
    Ok(voters)
}

/// A poll as the viewer sees it: counts only when its results are visible to them; `voters` holds
/// the named voters of each option of the polls whose voters are shown.
fn poll_view(
    poll: Poll,
    options: Vec<PollOption>,
    tally: Tally,
    voters: &mut HashMap<Uuid, Vec<User>>,
) -> PollView {
    let visible = poll.results_visible(!tally.mine.is_empty());
    PollView {
        multiple_choice: poll.multiple_choice,
        anonymous: poll.anonymous,
        closes_at: poll.closes_at,
        closed: poll.is_closed(),
        results_visible: visible,
        voter_count: visible.then_some(tally.voters),
        options: options
            .into_iter()
            .map(|option| PollOptionView {
                option_id: option.id,
                vote_count: visible.then(|| tally.counts.get(&option.id).copied().unwrap_or(0)),
                voters: voters.remove(&option.id).unwrap_or_default(),
                label: option.label,
            })
            .collect(),
        viewer_votes: tally
            .mine
            .into_iter()
            .map(|id| ids::encode(POLL_OPTION_TYPE, id))
            .collect(),
    }
}
