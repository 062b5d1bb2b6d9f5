//! Lists of surveys: those a viewer sees and those waiting for their answer, newest first.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{group_memberships, survey_groups, survey_participants, surveys};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest};

use super::Survey;

/// Who is asking for a list of surveys.
#[derive(Debug, Clone, Copy)]
pub struct ListViewer {
    pub id: Uuid,
    pub admin: bool,
    pub guest: bool,
}

/// Newest first.
pub type SurveyCursor = (DateTime<Utc>, Uuid);

/// The surveys the viewer sees (the policy's visibility in SQL): admins all of them; others
/// those they created and those whose audience they are in.
fn visible_query(viewer: ListViewer) -> surveys::BoxedQuery<'static, diesel::pg::Pg> {
    let query = surveys::table.into_boxed();
    if viewer.admin {
        return query;
    }
    let in_groups = survey_groups::table
        .inner_join(
            group_memberships::table.on(group_memberships::group_id.eq(survey_groups::group_id)),
        )
        .filter(group_memberships::user_id.eq(viewer.id))
        .select(survey_groups::survey_id);
    let own = surveys::created_by.eq(viewer.id);
    if viewer.guest {
        query.filter(own.or(surveys::id.eq_any(in_groups)))
    } else {
        query.filter(
            own.or(surveys::organization_wide)
                .or(surveys::id.eq_any(in_groups)),
        )
    }
}

/// The open surveys whose audience the viewer is in and that they have not answered.
fn pending_query(viewer: ListViewer) -> surveys::BoxedQuery<'static, diesel::pg::Pg> {
    let now = Utc::now();
    let in_groups = survey_groups::table
        .inner_join(
            group_memberships::table.on(group_memberships::group_id.eq(survey_groups::group_id)),
        )
        .filter(group_memberships::user_id.eq(viewer.id))
        .select(survey_groups::survey_id);
    let answered = survey_participants::table
        .filter(survey_participants::user_id.eq(viewer.id))
        .select(survey_participants::survey_id);
    let mut query = surveys::table
        .filter(surveys::closed_at.is_null())
        .filter(surveys::opens_at.le(now))
        .filter(surveys::closes_at.is_null().or(surveys::closes_at.gt(now)))
        .filter(surveys::id.ne_all(answered))
        .into_boxed();
    query = if viewer.guest {
        query.filter(surveys::id.eq_any(in_groups))
    } else {
        query.filter(surveys::organization_wide.or(surveys::id.eq_any(in_groups)))
    };
    query
}

async fn newest_first(
    conn: &mut AsyncPgConnection,
    query: impl Fn() -> surveys::BoxedQuery<'static, diesel::pg::Pg>,
    page: &PageRequest<SurveyCursor>,
) -> ApiResult<Page<Survey>> {
    let total: i64 = query().count().get_result(conn).await?;
    let mut rows = query();
    if let Some(beyond) = page.beyond_cursor("surveys.created_at, surveys.id", Order::Descending) {
        rows = rows.filter(beyond);
    }
    let rows = rows
        .order(page.order_by(&["surveys.created_at", "surveys.id"], Order::Descending))
        .limit(page.fetch_limit())
        .select(Survey::as_select())
        .load(conn)
        .await?;
    Ok(page.finish(rows, total))
}

pub async fn visible_page(
    conn: &mut AsyncPgConnection,
    viewer: ListViewer,
    page: &PageRequest<SurveyCursor>,
) -> ApiResult<Page<Survey>> {
    newest_first(conn, || visible_query(viewer), page).await
}

pub async fn pending_page(
    conn: &mut AsyncPgConnection,
    viewer: ListViewer,
    page: &PageRequest<SurveyCursor>,
) -> ApiResult<Page<Survey>> {
    newest_first(conn, || pending_query(viewer), page).await
}
