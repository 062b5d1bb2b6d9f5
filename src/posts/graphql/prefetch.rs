//! Loading ahead what a page of posts will show: one statement per kind of data, whatever the
//! page's size.

use super::queries::{allowed, argument, requested_page};
use super::*;
use crate::graphql::context::load_now;

/// Loads what the selected fields of a page of posts will ask the DataLoaders for; the
/// resolvers then find it in the request's cache. Loads that need nothing of each other run
/// together (each waits for its loader's batching delay, then its statement: one after another,
/// those would add up); the ones that need the posts' audiences (policy decisions) or the
/// comments' authors follow.
pub(super) async fn prefetch(ctx: &Context<'_>, posts: &[Post]) -> ApiResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let ids: Vec<Uuid> = posts.iter().map(|post| post.id).collect();
    let ((), (), (), (), (), (), (), comment_authors) = futures::try_join!(
        audiences_and_groups(ctx, &node, &ids),
        async {
            if node.field("pinnedOnHome").exists() || node.field("pinnedInGroups").exists() {
                load_now(ctx.loader::<PinLoader>()?, ids.clone()).await?;
            }
            Ok(())
        },
        async {
            if node.field("viewerHasSeen").exists() || node.field("viewerHasAcknowledged").exists()
            {
                load_now(ctx.loader::<ViewerMarksLoader>()?, ids.clone()).await?;
            }
            Ok(())
        },
        async {
            if node.field("reactions").exists() || node.field("viewerReactions").exists() {
                load_now(ctx.loader::<ReactionLoader>()?, ids.clone()).await?;
            }
            Ok(())
        },
        async {
            if node.field("poll").exists() {
                load_now(ctx.loader::<PollLoader>()?, ids.clone()).await?;
            }
            Ok(())
        },
        comment_pages(ctx, &node, &ids),
        async {
            if node.field("attachments").exists() {
                let subjects = ids.iter().copied().map(Subject::post).collect();
                attachments::loading::prefetch(ctx, subjects).await?;
            }
            Ok(())
        },
        comment_summaries(ctx, &node, &ids),
    )?;
    if node.field("previousVersions").exists() {
        let edited = posts.iter().filter(|post| post.edited_at.is_some());
        let deletable = allowed(ctx, edited, Action::Delete).await?;
        load_now(ctx.loader::<VersionLoader>()?, deletable).await?;
    }
    if node.field("acknowledgementStats").exists() {
        let announcements = posts.iter().filter(|post| post.requires_acknowledgement);
        let managed = allowed(ctx, announcements, Action::Manage).await?;
        load_now(ctx.loader::<AcknowledgementCountLoader>()?, managed).await?;
    }
    acknowledger_pages(ctx, &node, posts).await?;
    let mut users = comment_authors;
    if node.field("author").exists() {
        users.extend(posts.iter().filter_map(|post| post.author_id));
    }
    if !users.is_empty() {
        load_now(ctx.user_loader()?, users).await?;
    }
    Ok(())
}

/// Hands a feed page's audiences (each post's groups, as the viewer stands towards them) to the
/// request's loaders, so that neither reads them again.
pub(super) async fn remember_audiences(
    ctx: &Context<'_>,
    audiences: HashMap<Uuid, Vec<GroupAccess>>,
) -> ApiResult<()> {
    let groups = audiences.values().flatten().cloned();
    ctx.group_loader()?
        .feed_many(groups.map(|access| (access.group.id, access)))
        .await;
    let ids = audiences.into_iter().map(|(post, access)| {
        (
            post,
            access.into_iter().map(|access| access.group.id).collect(),
        )
    });
    ctx.loader::<AudienceLoader>()?.feed_many(ids).await;
    Ok(())
}

/// The posts' audiences and their groups, which policy decisions on the posts need (a feed page
/// brings both: then they are read from the request's cache).
async fn audiences_and_groups(
    ctx: &Context<'_>,
    node: &async_graphql::Lookahead<'_>,
    ids: &[Uuid],
) -> ApiResult<()> {
    let decided = [
        "groups",
        "previousVersions",
        "acknowledgementStats",
        "acknowledgements",
    ];
    if !decided.iter().any(|field| node.field(field).exists()) {
        return Ok(());
    }
    let audiences = ctx
        .loader::<AudienceLoader>()?
        .load_many(ids.iter().copied())
        .await
        .map_err(internal_loader_error)?;
    ctx.group_loader()?
        .load_many(audiences.into_values().flatten())
        .await
        .map_err(internal_loader_error)?;
    Ok(())
}

/// Each `comments(...)` page the selection asks of every post.
async fn comment_pages(
    ctx: &Context<'_>,
    node: &async_graphql::Lookahead<'_>,
    ids: &[Uuid],
) -> ApiResult<()> {
    for field in node.field("comments").selection_fields() {
        if let Some((page, _)) = requested_page(&field) {
            let keys = ids.iter().map(|post| (*post, page.clone())).collect();
            load_now(ctx.loader::<PageLoader<CommentPages>>()?, keys).await?;
        }
    }
    Ok(())
}

/// The posts' comment counts and latest comments (and those comments' attachments); answers the
/// latest comments' authors when the selection shows them.
async fn comment_summaries(
    ctx: &Context<'_>,
    node: &async_graphql::Lookahead<'_>,
    ids: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    if !node.field("commentCount").exists() && !node.field("latestComments").exists() {
        return Ok(Vec::new());
    }
    let summaries = load_now(ctx.loader::<CommentSummaryLoader>()?, ids.to_vec()).await?;
    let latest = || summaries.values().flat_map(|(_, latest)| latest.iter());
    if node.field("latestComments").field("attachments").exists() {
        let comments = latest()
            .map(|comment| Subject::comment(comment.id))
            .collect();
        attachments::loading::prefetch(ctx, comments).await?;
    }
    if !node.field("latestComments").field("author").exists() {
        return Ok(Vec::new());
    }
    Ok(latest().filter_map(|comment| comment.author_id).collect())
}

/// Each `acknowledgements(...)` page the selection asks of the posts the viewer manages.
async fn acknowledger_pages(
    ctx: &Context<'_>,
    node: &async_graphql::Lookahead<'_>,
    posts: &[Post],
) -> ApiResult<()> {
    for field in node.field("acknowledgements").selection_fields() {
        if let Some((page, arguments)) = requested_page(&field) {
            let wanted = model::Acknowledgers {
                acknowledged: !matches!(
                    argument(&arguments, "acknowledged"),
                    Some(Value::Boolean(false))
                ),
                limited_to_groups_of: visibility::directory_limit(ctx.viewer()?),
            };
            let managed = allowed(ctx, posts.iter(), Action::Manage).await?;
            let keys = managed
                .into_iter()
                .map(|post| (post, (page.clone(), wanted.clone())));
            ctx.loader::<PageLoader<AcknowledgerPages>>()?
                .load_many(keys)
                .await
                .map_err(internal_loader_error)?;
        }
    }
    Ok(())
}
