//! The Relay `Node` interface and `node(id:)` / `nodes(ids:)`: every lookup goes through the same
//! per-type authorization as the type's own queries.

use async_graphql::{Context, ID, Interface, Object};

use crate::accounts::invitations::AccountInvitation;
use crate::attachments::model::Attachment;
use crate::audit::model::Entry as AuditEntry;
use crate::auth::access_tokens::AccessToken;
use crate::auth::sessions::Session;
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::access::EventView;
use crate::events_calendar::feeds::{self, model::CalendarFeed};
use crate::files::access::{self as files, DriveView};
use crate::files::graphql::{self as files_graphql, FileView, FolderView};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::groups::GroupAccess;
use crate::groups::graphql as groups;
use crate::groups::model::{Invitation, JoinRequest};
use crate::groups::rules::{self, MembershipRule};
use crate::groups::webhooks::{self, Webhook};
use crate::posts::Post;
use crate::posts::graphql as posts;
use crate::posts::graphql::PollOptionView;
use crate::posts::model::Comment;
use crate::search::Kind;
use crate::surveys::access::SurveyView;
use crate::surveys::model::Question as SurveyQuestion;
use crate::users::User;

pub const MAX_NODES: usize = 100;

/// An object with a global ID that `node(id:)` can fetch again.
#[derive(Interface)]
#[allow(clippy::large_enum_variant)] // built per resolved node; boxing buys nothing here
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global identifier: pass it to `node(id:)` and to inputs; never build or parse it."
))]
pub enum Node {
    User(User),
    PersonalAccessToken(AccessToken),
    Session(Session),
    Group(GroupAccess),
    GroupJoinRequest(JoinRequest),
    GroupInvitation(Invitation),
    GroupWebhook(Webhook),
    GroupMembershipRule(MembershipRule),
    Post(Post),
    Comment(Comment),
    PollOption(PollOptionView),
    Event(EventView),
    CalendarFeed(CalendarFeed),
    Drive(DriveView),
    Folder(FolderView),
    File(FileView),
    Attachment(Attachment),
    AccountInvitation(AccountInvitation),
    AuditEntry(AuditEntry),
    Survey(SurveyView),
    SurveyQuestion(SurveyQuestion),
    Notification(crate::notifications::Notification),
    Newsletter(crate::newsletters::model::Newsletter),
    Conversation(crate::chat::ConversationAccess),
    Message(crate::chat::graphql::MessageView),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global ID; null with a NOT_FOUND error (at this field's path)
    /// when it does not exist or the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any object's `id` field.")] id: ID,
    ) -> ApiResult<Option<Node>> {
        ctx.viewer()?;
        load_node(ctx, &id, "id").await.map(Some)
    }

    /// Fetches up to 100 objects by global ID, in the order given; each missing or invisible one
    /// is null (more than 100 IDs is BAD_USER_INPUT).
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global IDs, of any types.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        ctx.viewer()?;
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input(
                "ids",
                format!("at most {MAX_NODES} IDs at once"),
            ));
        }
        // Loaded together so the DataLoaders batch them into one query per type.
        let loaded =
            futures::future::join_all(ids.iter().map(|id| load_node(ctx, id, "ids"))).await;
        loaded
            .into_iter()
            .map(|result| match result {
                Ok(node) => Ok(Some(node)),
                Err(ApiError::NotFound(_)) => Ok(None),
                Err(error) => Err(error),
            })
            .collect()
    }
}

/// The node a search hit is, looked up (and judged by the policy) as `node(id:)` does.
pub async fn load_found(ctx: &Context<'_>, kind: Kind, id: uuid::Uuid) -> ApiResult<Node> {
    let type_name = match kind {
        // Finding a post is not opening it (`node(id:)` records the reading).
        Kind::Post => return Ok(Node::Post(posts::load_visible(ctx, id).await?)),
        Kind::Person => crate::users::TYPE_NAME,
        Kind::Group => groups::TYPE_NAME,
        Kind::Comment => posts::COMMENT_TYPE,
        Kind::Event => crate::events_calendar::access::TYPE_NAME,
        Kind::File => files::FILE_TYPE,
        Kind::Message => crate::chat::MESSAGE_TYPE,
    };
    load_node(ctx, &ids::encode(type_name, id), "search").await
}

pub async fn load_node(ctx: &Context<'_>, id: &ID, field: &str) -> ApiResult<Node> {
    let (type_name, uuid) = ids::decode(id, field)?;
    match type_name.as_str() {
        crate::users::TYPE_NAME => Ok(Node::User(
            crate::users::loading::load_visible(ctx, uuid).await?,
        )),
        crate::auth::graphql::TOKEN_TYPE_NAME => Ok(Node::PersonalAccessToken(
            crate::auth::graphql::load_visible_token(ctx, uuid).await?,
        )),
        crate::auth::graphql::SESSION_TYPE_NAME => Ok(Node::Session(
            crate::auth::graphql::load_visible_session(ctx, uuid).await?,
        )),
        groups::TYPE_NAME => Ok(Node::Group(groups::load_visible(ctx, uuid).await?)),
        groups::JOIN_REQUEST_TYPE => Ok(Node::GroupJoinRequest(
            groups::load_visible_join_request(ctx, uuid).await?.0,
        )),
        groups::INVITATION_TYPE => Ok(Node::GroupInvitation(
            groups::load_visible_invitation(ctx, uuid).await?.0,
        )),
        webhooks::TYPE_NAME => Ok(Node::GroupWebhook(
            webhooks::graphql::load_visible_webhook(ctx, uuid).await?,
        )),
        rules::TYPE_NAME => Ok(Node::GroupMembershipRule(
            rules::load_visible_rule(ctx, uuid).await?,
        )),
        posts::TYPE_NAME => Ok(Node::Post(posts::open(ctx, uuid).await?)),
        posts::COMMENT_TYPE => Ok(Node::Comment(posts::load_visible_comment(ctx, uuid).await?)),
        posts::POLL_OPTION_TYPE => Ok(Node::PollOption(
            posts::load_visible_poll_option(ctx, uuid).await?,
        )),
        feeds::TYPE_NAME => Ok(Node::CalendarFeed(
            feeds::service::own(&mut *ctx.conn().await?, ctx.viewer()?, uuid).await?,
        )),
        files::DRIVE_TYPE => Ok(Node::Drive(files_graphql::load_drive(ctx, uuid).await?)),
        files::FOLDER_TYPE => Ok(Node::Folder(files_graphql::load_folder(ctx, uuid).await?)),
        files::FILE_TYPE => Ok(Node::File(files_graphql::load_file(ctx, uuid).await?)),
        crate::events_calendar::access::TYPE_NAME => Ok(Node::Event(
            crate::events_calendar::graphql::load_visible(ctx, uuid).await?,
        )),
        crate::attachments::access::TYPE_NAME => Ok(Node::Attachment(
            crate::attachments::graphql::load_visible(ctx, uuid).await?,
        )),
        crate::accounts::graphql::TYPE_NAME => Ok(Node::AccountInvitation(
            crate::accounts::graphql::load_visible(ctx, uuid).await?,
        )),
        crate::audit::graphql::TYPE_NAME => Ok(Node::AuditEntry(
            crate::audit::graphql::load_visible(ctx, uuid).await?,
        )),
        crate::surveys::access::TYPE_NAME => Ok(Node::Survey(
            crate::surveys::graphql::load_visible(ctx, uuid).await?,
        )),
        crate::surveys::access::QUESTION_TYPE_NAME => Ok(Node::SurveyQuestion(
            crate::surveys::graphql::load_visible_question(ctx, uuid).await?,
        )),
        crate::notifications::graphql::TYPE_NAME => Ok(Node::Notification(
            crate::notifications::graphql::load_own(ctx, uuid).await?,
        )),
        crate::newsletters::TYPE_NAME => Ok(Node::Newsletter(
            crate::newsletters::graphql::load_visible(ctx, uuid).await?,
        )),
        crate::chat::CONVERSATION_TYPE => Ok(Node::Conversation(
            crate::chat::loading::load_visible(ctx, uuid).await?,
        )),
        crate::chat::MESSAGE_TYPE => {
            let (message, conversation) =
                crate::chat::loading::load_visible_message(ctx, uuid).await?;
            Ok(Node::Message(crate::chat::graphql::MessageView::new(
                message,
                std::sync::Arc::new(conversation),
            )))
        }
        _ => Err(ApiError::NotFound("Node")),
    }
}
