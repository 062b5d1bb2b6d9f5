//! The content report: each post's reach among the people it was published to, engagement,
//! and the acknowledgement of announcements.

use async_graphql::{ComplexObject, ID, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{TOP, ratio};
use crate::analytics::model::{self, PostRow};
use crate::analytics::period::Period;
use crate::error::ApiResult;
use crate::graphql::ids;

/// One post's reach and engagement.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct PostReach {
    #[graphql(skip)]
    pub post_id: Uuid,
    /// The post's title; null for a post without one (see `headline`).
    pub title: Option<String>,
    /// The title; for a post without one, the start of its text as plain text (its first 80
    /// characters, then `…`).
    pub headline: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Everyone who opened it, in its audience or not (`reached + outsideViewers`).
    pub viewers: i64,
    /// The people it was published to: its groups' members, or every active account for an
    /// organization-wide post.
    pub audience: i64,
    /// The people of its audience who opened it.
    pub reached: i64,
    /// `reached ÷ audience`: the share of the people it was published to who opened it. Viewers
    /// outside the audience do not count (see `outsideViewers`).
    pub reach: f64,
    /// People who opened it without being (or while no longer being) in its audience: readers
    /// of a public group who are not its members, mostly.
    pub outside_viewers: i64,
    /// Reactions to it.
    pub reactions: i64,
    /// Comments on it.
    pub comments: i64,
    /// `(reactions + comments) ÷ viewers`.
    pub engagement: f64,
    /// Announcements only.
    pub acknowledgements: Option<i64>,
    /// `acknowledgements ÷ audience` (announcements only).
    pub acknowledgement_rate: Option<f64>,
}

#[ComplexObject]
impl PostReach {
    /// The post's ID.
    async fn post_id(&self) -> ID {
        ids::encode(crate::posts::TYPE_NAME, self.post_id)
    }
}

/// The posts published in the range: their reach, engagement and acknowledgements.
#[derive(Debug, Clone, SimpleObject)]
pub struct ContentReport {
    /// Posts published in the range.
    pub posts: i64,
    /// Average of the posts' reach.
    pub average_reach: f64,
    /// `(reactions + comments) ÷ viewers` over all the posts.
    pub engagement_rate: f64,
    /// Announcements (posts to acknowledge) published in the range.
    pub announcements: i64,
    /// `acknowledgements ÷ audience` over the announcements (none without any).
    pub acknowledgement_rate: Option<f64>,
    /// The most viewed posts (up to 10), most viewed first.
    pub top_posts: Vec<PostReach>,
}

/// The posts published in the range, most viewed first.
pub async fn posts_reach(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<PostReach>> {
    let rows = model::published_posts(conn, period).await?;
    let mut posts: Vec<PostReach> = rows.into_iter().map(post_reach).collect();
    posts.sort_by(|a, b| {
        b.viewers
            .cmp(&a.viewers)
            .then(b.published_at.cmp(&a.published_at))
    });
    Ok(posts)
}

pub async fn content(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<ContentReport> {
    let mut posts = posts_reach(conn, period).await?;
    let viewers: i64 = posts.iter().map(|post| post.viewers).sum();
    let engaged: i64 = posts
        .iter()
        .map(|post| post.reactions + post.comments)
        .sum();
    let announcements: Vec<&PostReach> = posts
        .iter()
        .filter(|post| post.acknowledgements.is_some())
        .collect();
    let acknowledged: i64 = announcements
        .iter()
        .filter_map(|post| post.acknowledgements)
        .sum();
    let announced_to: i64 = announcements.iter().map(|post| post.audience).sum();
    let report = ContentReport {
        posts: posts.len() as i64,
        average_reach: ratio(
            posts.iter().map(|post| post.reach).sum(),
            posts.len() as f64,
        ),
        engagement_rate: ratio(engaged as f64, viewers as f64),
        announcements: announcements.len() as i64,
        acknowledgement_rate: (!announcements.is_empty())
            .then(|| ratio(acknowledged as f64, announced_to as f64)),
        top_posts: Vec::new(),
    };
    posts.truncate(TOP);
    Ok(ContentReport {
        top_posts: posts,
        ..report
    })
}

/// A post without a title is headed by the start of its text, this long at most.
const HEADLINE_CHARS: usize = 80;

fn post_reach(row: PostRow) -> PostReach {
    let announcement = row.requires_acknowledgement;
    // Viewers since deactivated are no longer in the audience: never count more than it.
    let reached = row.in_audience.unwrap_or(row.viewers).min(row.audience);
    PostReach {
        post_id: row.id,
        headline: match &row.title {
            Some(title) if !title.trim().is_empty() => title.clone(),
            _ => crate::markdown::excerpt(&row.body, HEADLINE_CHARS),
        },
        title: row.title,
        published_at: row.published_at,
        viewers: row.viewers,
        audience: row.audience,
        reached,
        reach: ratio(reached as f64, row.audience as f64),
        outside_viewers: row.viewers - reached,
        reactions: row.reactions,
        comments: row.comments,
        engagement: ratio((row.reactions + row.comments) as f64, row.viewers as f64),
        acknowledgements: announcement.then_some(row.acknowledgements),
        acknowledgement_rate: announcement
            .then(|| ratio(row.acknowledgements as f64, row.audience as f64)),
    }
}
