//! Posts, comments and reactions: who hears of a published post (the mentioned people, the
//! members of mentioned groups, the audience asked to acknowledge it, the followers of its
//! group), of a comment (the mentioned, the parent comment's author, the post's author) and of
//! a reaction (the author of what was reacted to).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::groups::group_name;
use super::{Addressed, active_people, members};
use crate::db::schema::{
    comment_mentions, comments, post_group_mentions, post_mentions, reactions,
};
use crate::error::ApiResult;
use crate::notifications::deliver::deliver;
use crate::notifications::kinds::NotificationKind;
use crate::notifications::model::{Notice, Subject};
use crate::notifications::preferences;
use crate::services::Services;

const TITLE_CHARS: usize = 80;

/// A post's title, else the start of its text.
fn post_title(post: &crate::posts::Post) -> String {
    match &post.title {
        Some(title) => title.clone(),
        None => excerpt(&post.body),
    }
}

/// The start of a Markdown text, read as plain text (no `**`, links by their label).
pub(super) fn excerpt(markdown: &str) -> String {
    let text = crate::markdown::to_plain_text(markdown, |_| None);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= TITLE_CHARS {
        flat
    } else {
        let cut: String = flat.chars().take(TITLE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn post_subject(id: Uuid) -> Option<Subject> {
    Some(Subject {
        type_name: crate::posts::TYPE_NAME,
        id,
    })
}

/// A live post with its audience groups (`None` for a deleted, draft or scheduled one).
async fn live_post(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
) -> ApiResult<Option<(crate::posts::Post, Vec<Uuid>)>> {
    let Some(post) = crate::posts::model::find(conn, post_id).await? else {
        return Ok(None);
    };
    if !post.is_live() {
        return Ok(None);
    }
    let groups = crate::posts::model::audience_of(conn, post.id).await?;
    Ok(Some((post, groups)))
}

/// The notice of `kind` about a post, with `extra` data.
fn post_notice(
    post: &crate::posts::Post,
    groups: &[Uuid],
    kind: NotificationKind,
    extra: serde_json::Value,
) -> Notice {
    let mut data = json!({ "title": post_title(post), "excerpt": excerpt(&post.body) });
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    Notice {
        kind,
        subject: post_subject(post.id),
        groups: groups.to_vec(),
        actor: post.author_id,
        data,
        group_key: format!("{}:{}", kind.as_db(), post.id),
    }
}

pub(super) async fn post_mentioned(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post_id: Uuid,
    mentioned: &[Uuid],
) -> ApiResult<()> {
    let Some((post, groups)) = live_post(conn, post_id).await? else {
        return Ok(());
    };
    let notice = post_notice(&post, &groups, NotificationKind::Mention, json!({}));
    deliver(conn, services, mentioned, &notice).await.map(drop)
}

pub(super) async fn post_published(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post_id: Uuid,
) -> ApiResult<()> {
    let Some((post, groups)) = live_post(conn, post_id).await? else {
        return Ok(());
    };
    let notice =
        |kind: NotificationKind, extra: serde_json::Value| post_notice(&post, &groups, kind, extra);
    let mut addressed = Addressed::default();
    let mentioned: Vec<Uuid> = post_mentions::table
        .filter(post_mentions::post_id.eq(post.id))
        .select(post_mentions::user_id)
        .load(conn)
        .await?;
    let recipients = addressed.fresh(mentioned);
    deliver(
        conn,
        services,
        &recipients,
        &notice(NotificationKind::Mention, json!({})),
    )
    .await?;
    let mentioned_groups: Vec<(Uuid, String)> = post_group_mentions::table
        .inner_join(crate::db::schema::groups::table)
        .filter(post_group_mentions::post_id.eq(post.id))
        .select((
            crate::db::schema::groups::id,
            crate::db::schema::groups::name,
        ))
        .load(conn)
        .await?;
    for (group, name) in mentioned_groups {
        let recipients = addressed.fresh(members(conn, &[group]).await?);
        let notice = notice(NotificationKind::GroupMention, json!({ "groupName": name }));
        deliver(conn, services, &recipients, &notice).await?;
    }
    if post.requires_acknowledgement {
        let audience = if post.organization_wide {
            active_people(conn).await?
        } else {
            members(conn, &groups).await?
        };
        let recipients = addressed.fresh(audience);
        let notice = notice(NotificationKind::AcknowledgementRequested, json!({}));
        deliver(conn, services, &recipients, &notice).await?;
    }
    let followers = addressed.fresh(preferences::all_posts_followers(conn, &groups).await?);
    let name = match <[Uuid]>::first(&groups) {
        Some(group) => group_name(conn, *group).await?,
        None => None,
    };
    let notice = notice(NotificationKind::GroupPost, json!({ "groupName": name }));
    deliver(conn, services, &followers, &notice).await.map(drop)
}

pub(super) async fn comment_added(
    conn: &mut AsyncPgConnection,
    services: &Services,
    comment_id: Uuid,
) -> ApiResult<()> {
    // A comment deleted before the job ran is told of to no one (its excerpt included).
    let comment = crate::posts::model::find_comment(conn, comment_id).await?;
    let Some(comment) = comment.filter(|comment| comment.deleted_at.is_none()) else {
        return Ok(());
    };
    let Some(post) = crate::posts::model::find(conn, comment.post_id).await? else {
        return Ok(());
    };
    let groups = crate::posts::model::audience_of(conn, post.id).await?;
    let notice = |kind: NotificationKind, key: String| Notice {
        kind,
        subject: post_subject(post.id),
        groups: groups.clone(),
        actor: comment.author_id,
        data: json!({ "title": post_title(&post), "commentId": comment.id,
                      "excerpt": excerpt(&comment.body) }),
        group_key: key,
    };
    let mut addressed = Addressed::default();
    let mentioned: Vec<Uuid> = comment_mentions::table
        .filter(comment_mentions::comment_id.eq(comment.id))
        .select(comment_mentions::user_id)
        .load(conn)
        .await?;
    let recipients = addressed.fresh(mentioned);
    let mention = notice(NotificationKind::Mention, format!("mention:{}", comment.id));
    deliver(conn, services, &recipients, &mention).await?;
    if let Some(parent) = comment.parent_id {
        let parent_author: Option<Option<Uuid>> = comments::table
            .find(parent)
            .select(comments::author_id)
            .first(conn)
            .await
            .optional()?;
        let recipients = addressed.fresh(parent_author.flatten().into_iter().collect());
        let reply = notice(NotificationKind::Reply, format!("reply:{parent}"));
        deliver(conn, services, &recipients, &reply).await?;
    }
    let recipients = addressed.fresh(post.author_id.into_iter().collect());
    let on_post = notice(NotificationKind::Comment, format!("comment:{}", post.id));
    deliver(conn, services, &recipients, &on_post)
        .await
        .map(drop)
}

pub(super) async fn reacted(
    conn: &mut AsyncPgConnection,
    services: &Services,
    subject_id: Uuid,
    user_id: Uuid,
) -> ApiResult<()> {
    let still_there: bool = diesel::select(diesel::dsl::exists(
        reactions::table
            .filter(reactions::subject_id.eq(subject_id))
            .filter(reactions::user_id.eq(user_id)),
    ))
    .get_result(conn)
    .await?;
    if !still_there {
        return Ok(());
    }
    let (post_id, author, on_comment) =
        match crate::posts::model::find_comment(conn, subject_id).await? {
            Some(comment) => (comment.post_id, comment.author_id, true),
            None => match crate::posts::model::find(conn, subject_id).await? {
                Some(post) => (post.id, post.author_id, false),
                None => return Ok(()),
            },
        };
    let Some(post) = crate::posts::model::find(conn, post_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::Reaction,
        subject: post_subject(post.id),
        groups: crate::posts::model::audience_of(conn, post.id).await?,
        actor: Some(user_id),
        data: json!({ "title": post_title(&post), "onComment": on_comment }),
        group_key: format!("reaction:{subject_id}"),
    };
    let recipients: Vec<Uuid> = author.into_iter().collect();
    deliver(conn, services, &recipients, &notice)
        .await
        .map(drop)
}
