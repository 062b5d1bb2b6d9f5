//! The newsletter tables and the queries on them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count, count_star, sum};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{
    group_memberships, newsletter_clicks, newsletter_links, newsletter_recipients, newsletters,
    outgoing_emails, users,
};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Order, Page, PageRequest};
use crate::users::{OrgRole, User, UserStatus};

use super::TYPE_NAME;

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = newsletters, check_for_backend(diesel::pg::Pg))]
pub struct Newsletter {
    pub id: Uuid,
    pub subject: String,
    pub intro: String,
    pub post_ids: Vec<Option<Uuid>>,
    pub event_ids: Vec<Option<Uuid>>,
    pub organization_wide: bool,
    pub group_ids: Vec<Option<Uuid>>,
    pub departments: Vec<Option<String>>,
    pub author_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_by: Option<Uuid>,
}

impl Newsletter {
    pub fn post_list(&self) -> Vec<Uuid> {
        self.post_ids.iter().flatten().copied().collect()
    }

    pub fn event_list(&self) -> Vec<Uuid> {
        self.event_ids.iter().flatten().copied().collect()
    }

    pub fn group_list(&self) -> Vec<Uuid> {
        self.group_ids.iter().flatten().copied().collect()
    }

    pub fn department_list(&self) -> Vec<String> {
        self.departments.iter().flatten().cloned().collect()
    }

    pub fn is_sent(&self) -> bool {
        self.sent_at.is_some()
    }

    /// Whether there is anything to send: an intro, posts or events.
    pub fn has_content(&self) -> bool {
        !self.intro.is_empty() || !self.post_ids.is_empty() || !self.event_ids.is_empty()
    }

    /// The content as a draft, to change some of it.
    pub fn draft(&self) -> Draft {
        Draft {
            subject: self.subject.clone(),
            intro: self.intro.clone(),
            post_ids: self.post_list(),
            event_ids: self.event_list(),
            organization_wide: self.organization_wide,
            group_ids: self.group_list(),
            departments: self.department_list(),
        }
    }
}

/// What a newsletter says and whom it goes to (validated by the caller).
#[derive(Debug, Clone)]
pub struct Draft {
    pub subject: String,
    pub intro: String,
    pub post_ids: Vec<Uuid>,
    pub event_ids: Vec<Uuid>,
    pub organization_wide: bool,
    pub group_ids: Vec<Uuid>,
    pub departments: Vec<String>,
}

fn nullable<T: Clone>(items: &[T]) -> Vec<Option<T>> {
    items.iter().cloned().map(Some).collect()
}

/// A draft's columns, written alike by `insert` and `update`.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = newsletters)]
struct DraftColumns<'a> {
    subject: &'a str,
    intro: &'a str,
    post_ids: Vec<Option<Uuid>>,
    event_ids: Vec<Option<Uuid>>,
    organization_wide: bool,
    group_ids: Vec<Option<Uuid>>,
    departments: Vec<Option<String>>,
}

impl<'a> DraftColumns<'a> {
    fn of(draft: &'a Draft) -> Self {
        Self {
            subject: &draft.subject,
            intro: &draft.intro,
            post_ids: nullable(&draft.post_ids),
            event_ids: nullable(&draft.event_ids),
            organization_wide: draft.organization_wide,
            group_ids: nullable(&draft.group_ids),
            departments: nullable(&draft.departments),
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    author: Uuid,
    draft: &Draft,
) -> ApiResult<Newsletter> {
    Ok(diesel::insert_into(newsletters::table)
        .values((
            newsletters::id.eq(id),
            DraftColumns::of(draft),
            newsletters::author_id.eq(author),
        ))
        .returning(Newsletter::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &Draft,
) -> ApiResult<Newsletter> {
    Ok(diesel::update(newsletters::table.find(id))
        .set((
            DraftColumns::of(draft),
            newsletters::updated_at.eq(Utc::now()),
        ))
        .returning(Newsletter::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Newsletter>> {
    Ok(newsletters::table
        .find(id)
        .select(Newsletter::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The newsletter, locked for a change until the transaction ends (a send and an edit at once
/// take turns).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Newsletter> {
    newsletters::table
        .find(id)
        .select(Newsletter::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::delete(newsletters::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    sender: Uuid,
) -> ApiResult<Newsletter> {
    Ok(diesel::update(newsletters::table.find(id))
        .set((
            newsletters::sent_at.eq(Utc::now()),
            newsletters::sent_by.eq(sender),
        ))
        .returning(Newsletter::as_returning())
        .get_result(conn)
        .await?)
}

/// Newest first.
pub type NewsletterCursor = (DateTime<Utc>, Uuid);

pub async fn newest_first(
    conn: &mut AsyncPgConnection,
    page: &PageRequest<NewsletterCursor>,
) -> ApiResult<Page<Newsletter>> {
    let total: i64 = newsletters::table.count().get_result(conn).await?;
    let mut rows = newsletters::table.into_boxed();
    if let Some(beyond) =
        page.beyond_cursor("newsletters.created_at, newsletters.id", Order::Descending)
    {
        rows = rows.filter(beyond);
    }
    let rows = rows
        .order(page.order_by(
            &["newsletters.created_at", "newsletters.id"],
            Order::Descending,
        ))
        .limit(page.fetch_limit())
        .select(Newsletter::as_select())
        .load(conn)
        .await?;
    Ok(page.finish(rows, total))
}

/// Who a newsletter goes to now: active people with an email address who still receive
/// newsletters, and who are in its audience (every member of the organization, guests
/// excepted; the members of its groups; the people of its departments).
pub async fn audience(
    conn: &mut AsyncPgConnection,
    newsletter: &Newsletter,
) -> ApiResult<Vec<User>> {
    let members = group_memberships::table
        .filter(group_memberships::group_id.eq_any(newsletter.group_list()))
        .select(group_memberships::user_id);
    let everyone = newsletter
        .organization_wide
        .into_sql::<diesel::sql_types::Bool>()
        .and(users::org_role.ne(OrgRole::Guest));
    Ok(users::table
        .filter(users::status.eq(UserStatus::Active))
        .filter(users::email.is_not_null())
        .filter(users::receives_newsletters)
        .filter(
            everyone.or(users::id.eq_any(members)).or(users::department
                .assume_not_null()
                .eq_any(newsletter.department_list())),
        )
        .order(users::id)
        .select(User::as_select())
        .load(conn)
        .await?)
}

/// Stores the link targets of a newsletter (those already stored are kept) and returns the id
/// of each.
pub async fn links(
    conn: &mut AsyncPgConnection,
    newsletter: Uuid,
    urls: &[String],
) -> ApiResult<HashMap<String, Uuid>> {
    let rows: Vec<_> = urls
        .iter()
        .map(|url| {
            (
                newsletter_links::id.eq(Uuid::now_v7()),
                newsletter_links::newsletter_id.eq(newsletter),
                newsletter_links::url.eq(url),
            )
        })
        .collect();
    diesel::insert_into(newsletter_links::table)
        .values(rows)
        .on_conflict((newsletter_links::newsletter_id, newsletter_links::url))
        .do_nothing()
        .execute(conn)
        .await?;
    let stored: Vec<(String, Uuid)> = newsletter_links::table
        .filter(newsletter_links::newsletter_id.eq(newsletter))
        .select((newsletter_links::url, newsletter_links::id))
        .load(conn)
        .await?;
    Ok(stored.into_iter().collect())
}

/// Adds `user` to the recipients with the hash of their link secret; `None` when they already
/// are one (the sending job ran before).
pub async fn add_recipient(
    conn: &mut AsyncPgConnection,
    newsletter: Uuid,
    user: Uuid,
    token_hash: &[u8],
) -> ApiResult<Option<Uuid>> {
    Ok(diesel::insert_into(newsletter_recipients::table)
        .values((
            newsletter_recipients::id.eq(Uuid::now_v7()),
            newsletter_recipients::newsletter_id.eq(newsletter),
            newsletter_recipients::user_id.eq(user),
            newsletter_recipients::token_hash.eq(token_hash),
        ))
        .on_conflict((
            newsletter_recipients::newsletter_id,
            newsletter_recipients::user_id,
        ))
        .do_nothing()
        .returning(newsletter_recipients::id)
        .get_result(conn)
        .await
        .optional()?)
}

pub async fn set_recipient_email(
    conn: &mut AsyncPgConnection,
    recipient: Uuid,
    email: Uuid,
) -> ApiResult<()> {
    diesel::update(newsletter_recipients::table.find(recipient))
        .set(newsletter_recipients::email_id.eq(email))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a click by the recipient whose secret hashes to `token_hash` on a link of the same
/// newsletter, and returns the link's target; `None` for anything else.
pub async fn click(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    link: Uuid,
) -> ApiResult<Option<String>> {
    let found: Option<(Uuid, String)> = newsletter_recipients::table
        .inner_join(
            newsletter_links::table
                .on(newsletter_links::newsletter_id.eq(newsletter_recipients::newsletter_id)),
        )
        .filter(newsletter_recipients::token_hash.eq(token_hash))
        .filter(newsletter_links::id.eq(link))
        .select((newsletter_recipients::id, newsletter_links::url))
        .first(conn)
        .await
        .optional()?;
    let Some((recipient, url)) = found else {
        return Ok(None);
    };
    let now = Utc::now();
    diesel::insert_into(newsletter_clicks::table)
        .values((
            newsletter_clicks::link_id.eq(link),
            newsletter_clicks::recipient_id.eq(recipient),
            newsletter_clicks::first_clicked_at.eq(now),
            newsletter_clicks::last_clicked_at.eq(now),
        ))
        .on_conflict((newsletter_clicks::link_id, newsletter_clicks::recipient_id))
        .do_update()
        .set((
            newsletter_clicks::count.eq(newsletter_clicks::count + 1),
            newsletter_clicks::last_clicked_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(Some(url))
}

/// Delivery and clicks of a sent newsletter (all zero for a draft).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub recipients: i64,
    pub sent: i64,
    pub clicks: i64,
    pub unique_clickers: i64,
    /// Each link with its clicks, most clicked first.
    pub links: Vec<(String, i64)>,
}

/// The stats of each of the newsletters, in three statements whatever their number (a newsletter
/// with neither recipients nor links is left out).
pub async fn stats(
    conn: &mut AsyncPgConnection,
    newsletter_ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Stats>> {
    let mut stats: HashMap<Uuid, Stats> = HashMap::new();
    let deliveries: Vec<(Uuid, i64, i64)> = newsletter_recipients::table
        .left_join(outgoing_emails::table)
        .filter(newsletter_recipients::newsletter_id.eq_any(newsletter_ids))
        .group_by(newsletter_recipients::newsletter_id)
        .select((
            newsletter_recipients::newsletter_id,
            count_star(),
            count(outgoing_emails::sent_at.nullable()),
        ))
        .load(conn)
        .await?;
    for (newsletter, recipients, sent) in deliveries {
        let entry = stats.entry(newsletter).or_default();
        entry.recipients = recipients;
        entry.sent = sent;
    }
    let clicks: Vec<(Uuid, Option<i64>, i64)> = newsletter_clicks::table
        .inner_join(newsletter_links::table)
        .filter(newsletter_links::newsletter_id.eq_any(newsletter_ids))
        .group_by(newsletter_links::newsletter_id)
        .select((
            newsletter_links::newsletter_id,
            sum(newsletter_clicks::count),
            count(newsletter_clicks::recipient_id).aggregate_distinct(),
        ))
        .load(conn)
        .await?;
    for (newsletter, clicks, unique_clickers) in clicks {
        let entry = stats.entry(newsletter).or_default();
        entry.clicks = clicks.unwrap_or(0);
        entry.unique_clickers = unique_clickers;
    }
    let links: Vec<(Uuid, String, Option<i64>)> = newsletter_links::table
        .left_join(newsletter_clicks::table)
        .filter(newsletter_links::newsletter_id.eq_any(newsletter_ids))
        .group_by((
            newsletter_links::newsletter_id,
            newsletter_links::id,
            newsletter_links::url,
        ))
        .select((
            newsletter_links::newsletter_id,
            newsletter_links::url,
            sum(newsletter_clicks::count.nullable()),
        ))
        .load(conn)
        .await?;
    for (newsletter, url, clicks) in links {
        let entry = stats.entry(newsletter).or_default();
        entry.links.push((url, clicks.unwrap_or(0)));
    }
    for entry in stats.values_mut() {
        entry
            .links
            .sort_by(|(a_url, a), (b_url, b)| b.cmp(a).then_with(|| a_url.cmp(b_url)));
    }
    Ok(stats)
}
