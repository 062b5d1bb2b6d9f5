//! Reactions to posts, comments and chat messages: one emoji per person and subject.

use super::*;

/// Checks the subject is a post, comment or chat message the viewer may read, then adds or
/// removes the reaction.
pub(super) async fn change_reaction(
    ctx: &Context<'_>,
    subject_id: ID,
    emoji_text: &str,
    add: bool,
) -> ApiResult<(ID, Vec<ReactionCount>)> {
    let viewer = ctx.viewer()?;
    let emoji = emoji(emoji_text)?;
    if let Ok((kind, message)) = ids::decode(&subject_id, "subjectId")
        && kind == crate::chat::MESSAGE_TYPE
    {
        let mut conn = ctx.conn().await?;
        let services = ctx.services();
        let reactions =
            crate::chat::service::react(&mut conn, services, viewer, message, &emoji, add).await?;
        return Ok((subject_id, reactions));
    }
    let (subject, post) = subject_post(ctx, &subject_id).await?;
    let kind = if subject == post.id {
        SubjectKind::Post
    } else {
        SubjectKind::Comment
    };
    let services = ctx.services().clone();
    let reactions = {
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            if add {
                if model::react(conn, subject, kind, viewer.id(), &emoji).await? {
                    let trigger = Trigger::Reacted {
                        subject_id: subject,
                        user_id: viewer.id(),
                    };
                    triggers::enqueue(conn, trigger).await?;
                }
            } else {
                model::unreact(conn, subject, viewer.id(), &emoji).await?;
            }
            services
                .events
                .publish(
                    conn,
                    &Event::ReactionsChanged {
                        subject_id: subject,
                    },
                )
                .await
        })
        .await?;
        model::reaction_summaries(&mut conn, &[subject], viewer.id())
            .await?
            .remove(&subject)
            .unwrap_or_default()
    };
    // Recording loads the post's audience on other connections: none is held here.
    if add {
        record_on_post(ctx, &post, ActivityKind::Reacted).await?;
    }
    Ok((subject_id, reactions))
}
