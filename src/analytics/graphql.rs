//! `analytics(input:)`: the reports for org admins (the organization) and group managers (their
//! groups), over a range of the organization's days.

use async_graphql::{Context, ID, InputObject, Object};

use super::period::{Granularity, Period, Scope};
use super::reports::{
    self, ActiveUsersReport, AdoptionReport, ChatReport, ContentReport, FeatureUsage, GroupsReport,
    NotificationsReport, SearchReport,
};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::date::Date;
use crate::graphql::ids;
use crate::policy::{self, Action, Resource};

/// The range, granularity and scope of the analytics asked for.
#[derive(InputObject)]
pub struct AnalyticsInput {
    /// The first day, in the organization's time zone.
    pub from: Date,
    /// The last day (included); at most 2 years after `from`.
    pub to: Date,
    /// The size of the buckets the series are cut into (DAY by default).
    #[graphql(default_with = "Granularity::Day")]
    pub granularity: Granularity,
    /// One group's analytics (its managers); the organization's (admins) when omitted.
    pub group_id: Option<ID>,
    /// Must be the organization's, which the daily rollups count days in (the default).
    pub time_zone: Option<String>,
}

/// The reports of one range; each is computed only when asked for.
pub struct Analytics {
    period: Period,
}

/// The reports of one range of days, for the organization or one group; each is computed only
/// when asked for.
#[Object]
impl Analytics {
    /// The first day of the range, in `timeZone`.
    async fn from(&self) -> Date {
        Date(self.period.from)
    }

    /// The last day of the range (included), in `timeZone`.
    async fn to(&self) -> Date {
        Date(self.period.to)
    }

    /// The size of the series' buckets.
    async fn granularity(&self) -> Granularity {
        self.period.granularity
    }

    /// Where the report downloads as CSV over this range (org admins, signed in by cookie or
    /// bearer token); null for a group's analytics, whose reports have no CSV.
    async fn csv_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report to download.")] report: super::export::Report,
    ) -> Option<String> {
        matches!(self.period.scope, Scope::Organization)
            .then(|| super::export::csv_url(ctx.services(), report, &self.period))
    }

    /// The organization's IANA time zone, which the days are counted in.
    async fn time_zone(&self) -> &str {
        &self.period.time_zone
    }

    /// DAU, WAU and MAU per bucket, stickiness, by department and site. Active means having done
    /// something: a notification delivered to someone does not make them active, opening it does.
    async fn active_users(&self, ctx: &Context<'_>) -> ApiResult<ActiveUsersReport> {
        reports::active_users(&mut *ctx.conn().await?, &self.period).await
    }

    /// The share of accounts active (having done something) in the range, and accounts never
    /// activated.
    async fn adoption(&self, ctx: &Context<'_>) -> ApiResult<AdoptionReport> {
        reports::adoption(&mut *ctx.conn().await?, &self.period).await
    }

    /// Every feature, most used first, by what people did with it.
    async fn feature_usage(&self, ctx: &Context<'_>) -> ApiResult<Vec<FeatureUsage>> {
        reports::feature_usage(&mut *ctx.conn().await?, &self.period).await
    }

    /// The most active, fastest growing and silent groups.
    async fn groups(&self, ctx: &Context<'_>) -> ApiResult<GroupsReport> {
        reports::groups(&mut *ctx.conn().await?, &self.period).await
    }

    /// Reach, engagement and acknowledgements of the posts published in the range.
    async fn content(&self, ctx: &Context<'_>) -> ApiResult<ContentReport> {
        reports::content(&mut *ctx.conn().await?, &self.period).await
    }

    /// Notifications received per person per week (the only report that counts deliveries).
    async fn notifications(&self, ctx: &Context<'_>) -> ApiResult<NotificationsReport> {
        let mut conn = ctx.conn().await?;
        let accounts = reports::accounts(&mut conn, &self.period).await?;
        reports::notifications(&mut conn, &self.period, accounts).await
    }

    /// Chat messages sent and the conversations they were sent in.
    async fn chat(&self, ctx: &Context<'_>) -> ApiResult<ChatReport> {
        reports::chat(&mut *ctx.conn().await?, &self.period).await
    }

    /// Searches, and the queries that found nothing.
    async fn searches(&self, ctx: &Context<'_>) -> ApiResult<SearchReport> {
        reports::searches(&mut *ctx.conn().await?, &self.period).await
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Usage analytics: org admins for the organization, group managers for their groups.
    async fn analytics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The range of days, the granularity and the group, if any.")]
        input: AnalyticsInput,
    ) -> ApiResult<Analytics> {
        let viewer = ctx.viewer()?;
        let scope = match &input.group_id {
            Some(id) => {
                let group = ids::decode_as(id, crate::groups::TYPE_NAME, "input.groupId")?;
                let access = crate::groups::loading::load_visible(ctx, group).await?;
                policy::require(
                    viewer,
                    Action::ViewAnalytics,
                    Resource::Group(&access),
                    crate::groups::TYPE_NAME,
                    "Only the group's managers see its analytics.",
                )?;
                Scope::Group(group)
            }
            None => {
                policy::require(
                    viewer,
                    Action::ViewAnalytics,
                    Resource::Organization,
                    "Organization",
                    "Only admins see the organization's analytics.",
                )?;
                Scope::Organization
            }
        };
        let organization_zone = crate::organization::model::get(&mut *ctx.conn().await?)
            .await?
            .time_zone;
        if let Some(zone) = &input.time_zone {
            check_time_zone(zone, &organization_zone)?;
        }
        let period = Period::new(
            "input.",
            input.from.0,
            input.to.0,
            input.granularity,
            scope,
            organization_zone,
        )?;
        Ok(Analytics { period })
    }
}

/// A known zone other than the organization's is refused too: the rollups count its days.
fn check_time_zone(asked: &str, organization_zone: &str) -> ApiResult<()> {
    let zone = crate::validation::time_zone("input.timeZone", asked)?;
    if zone != organization_zone {
        return Err(ApiError::bad_input(
            "input.timeZone",
            format!(
                "analytics count the organization's days, in {organization_zone} (change it in the organization's settings)"
            ),
        ));
    }
    Ok(())
}
