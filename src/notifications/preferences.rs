//! Who hears of what, and how: a person's choice per kind, else the organization's default, else
//! the built-in one; a muted group silences everything from it but direct @mentions of the person
//! (as in Slack or Mattermost: turning mentions off silences those); do-not-disturb hours hold
//! emails back until they end.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::kinds::{Delivery, NotificationKind};
use crate::db::schema::{
    folder_follows, group_notification_settings, notification_defaults, notification_preferences,
};
use crate::error::ApiResult;
use crate::text_enum;

text_enum! {
    /// A person's setting for one group.
    pub enum GroupLevel {
        /// Nothing from the group but direct @mentions of the person.
        Muted => "muted",
        /// Every new post in the group, besides the usual.
        AllPosts => "all_posts",
    }
}

/// How each recipient hears of `kind` in `groups`: `Off` for those who muted every one of them
/// (a post shared to a group they did not mute still reaches them), unless the kind is a direct
/// mention, which only the person's own choice for mentions silences.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    recipients: &[Uuid],
    kind: NotificationKind,
    groups: &[Uuid],
) -> ApiResult<HashMap<Uuid, Delivery>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Nullable<Text>)]
        own: Option<Delivery>,
        #[diesel(sql_type = Nullable<Text>)]
        organization: Option<Delivery>,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        muted: bool,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT r.id, p.delivery AS own, d.delivery AS organization,
                cardinality($3::uuid[]) > 0 AND NOT EXISTS (
                    SELECT 1 FROM unnest($3::uuid[]) AS g (id)
                    WHERE NOT EXISTS (SELECT 1 FROM group_notification_settings s
                                      WHERE s.user_id = r.id AND s.group_id = g.id
                                        AND s.level = 'muted')) AS muted
         FROM unnest($1::uuid[]) AS r (id)
         LEFT JOIN notification_preferences p ON p.user_id = r.id AND p.kind = $2
         LEFT JOIN notification_defaults d ON d.kind = $2",
    )
    .bind::<Array<SqlUuid>, _>(recipients)
    .bind::<Text, _>(kind)
    .bind::<Array<SqlUuid>, _>(groups)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let delivery = if row.muted && !kind.heard_through_mutes() {
                Delivery::Off
            } else {
                row.own
                    .or(row.organization)
                    .unwrap_or_else(|| kind.built_in_delivery())
            };
            (row.id, delivery)
        })
        .collect())
}

/// The organization's default per kind (built-in where admins chose none).
pub async fn organization_defaults(
    conn: &mut AsyncPgConnection,
) -> ApiResult<HashMap<NotificationKind, Delivery>> {
    let chosen: Vec<(NotificationKind, Delivery)> = notification_defaults::table
        .select((notification_defaults::kind, notification_defaults::delivery))
        .load(conn)
        .await?;
    let mut defaults: HashMap<NotificationKind, Delivery> = NotificationKind::ALL
        .into_iter()
        .map(|kind| (kind, kind.built_in_delivery()))
        .collect();
    defaults.extend(chosen);
    Ok(defaults)
}

pub async fn set_organization_default(
    conn: &mut AsyncPgConnection,
    kind: NotificationKind,
    delivery: Delivery,
) -> ApiResult<()> {
    diesel::insert_into(notification_defaults::table)
        .values((
            notification_defaults::kind.eq(kind),
            notification_defaults::delivery.eq(delivery),
        ))
        .on_conflict(notification_defaults::kind)
        .do_update()
        .set((
            notification_defaults::delivery.eq(delivery),
            notification_defaults::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The kinds a person chose a delivery for themselves.
pub async fn own_choices(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> ApiResult<HashMap<NotificationKind, Delivery>> {
    Ok(notification_preferences::table
        .filter(notification_preferences::user_id.eq(user))
        .select((
            notification_preferences::kind,
            notification_preferences::delivery,
        ))
        .load::<(NotificationKind, Delivery)>(conn)
        .await?
        .into_iter()
        .collect())
}

/// Sets (or with `None` forgets, going back to the organization's default) a person's choice.
pub async fn set_own_choice(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    kind: NotificationKind,
    delivery: Option<Delivery>,
) -> ApiResult<()> {
    let mine = notification_preferences::table
        .filter(notification_preferences::user_id.eq(user))
        .filter(notification_preferences::kind.eq(kind));
    match delivery {
        None => {
            diesel::delete(mine).execute(conn).await?;
        }
        Some(delivery) => {
            diesel::insert_into(notification_preferences::table)
                .values((
                    notification_preferences::user_id.eq(user),
                    notification_preferences::kind.eq(kind),
                    notification_preferences::delivery.eq(delivery),
                ))
                .on_conflict((
                    notification_preferences::user_id,
                    notification_preferences::kind,
                ))
                .do_update()
                .set((
                    notification_preferences::delivery.eq(delivery),
                    notification_preferences::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// A person's setting for each of `groups` that has one (those left out get the usual
/// notifications).
pub async fn group_levels(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    groups: &[Uuid],
) -> ApiResult<HashMap<Uuid, GroupLevel>> {
    let levels: Vec<(Uuid, GroupLevel)> = group_notification_settings::table
        .filter(group_notification_settings::user_id.eq(user))
        .filter(group_notification_settings::group_id.eq_any(groups))
        .select((
            group_notification_settings::group_id,
            group_notification_settings::level,
        ))
        .load(conn)
        .await?;
    Ok(levels.into_iter().collect())
}

pub async fn set_group_level(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    group: Uuid,
    level: Option<GroupLevel>,
) -> ApiResult<()> {
    match level {
        None => {
            diesel::delete(group_notification_settings::table.find((user, group)))
                .execute(conn)
                .await?;
        }
        Some(level) => {
            diesel::insert_into(group_notification_settings::table)
                .values((
                    group_notification_settings::user_id.eq(user),
                    group_notification_settings::group_id.eq(group),
                    group_notification_settings::level.eq(level),
                ))
                .on_conflict((
                    group_notification_settings::user_id,
                    group_notification_settings::group_id,
                ))
                .do_update()
                .set((
                    group_notification_settings::level.eq(level),
                    group_notification_settings::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Who asked for every new post of any of these groups.
pub async fn all_posts_followers(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    Ok(group_notification_settings::table
        .filter(group_notification_settings::group_id.eq_any(groups))
        .filter(group_notification_settings::level.eq(GroupLevel::AllPosts))
        .select(group_notification_settings::user_id)
        .distinct()
        .load(conn)
        .await?)
}

/// Whether a person follows each of `folders`.
pub async fn follows_folders(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    folders: &[Uuid],
) -> ApiResult<HashMap<Uuid, bool>> {
    let followed: Vec<Uuid> = folder_follows::table
        .filter(folder_follows::user_id.eq(user))
        .filter(folder_follows::folder_id.eq_any(folders))
        .select(folder_follows::folder_id)
        .load(conn)
        .await?;
    Ok(folders
        .iter()
        .map(|folder| (*folder, followed.contains(folder)))
        .collect())
}

pub async fn set_folder_followed(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    folder: Uuid,
    followed: bool,
) -> ApiResult<()> {
    if followed {
        diesel::insert_into(folder_follows::table)
            .values((
                folder_follows::user_id.eq(user),
                folder_follows::folder_id.eq(folder),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    } else {
        diesel::delete(folder_follows::table.find((user, folder)))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Who follows `folder` or any folder it is in.
pub async fn folder_followers(conn: &mut AsyncPgConnection, folder: Uuid) -> ApiResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Follower {
        #[diesel(sql_type = SqlUuid)]
        user_id: Uuid,
    }
    let followers: Vec<Follower> = diesel::sql_query(
        "WITH RECURSIVE up (id, parent_id) AS (
             SELECT id, parent_id FROM folders WHERE id = $1
             UNION SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id)
         SELECT DISTINCT ff.user_id FROM folder_follows ff JOIN up ON up.id = ff.folder_id",
    )
    .bind::<SqlUuid, _>(folder)
    .load(conn)
    .await?;
    Ok(followers.into_iter().map(|row| row.user_id).collect())
}

/// Daily do-not-disturb hours in a time zone (`start > end` wraps past midnight).
#[derive(Debug, Clone, Copy)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub zone: chrono_tz::Tz,
}

impl QuietHours {
    /// When the quiet hours `at` falls in end, or `None` when `at` is outside them.
    pub fn end_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&self.zone);
        let time = local.time();
        let inside = if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        };
        if !inside {
            return None;
        }
        let mut day = local.date_naive();
        if time >= self.end {
            day = day.succ_opt()?;
        }
        // A time skipped by a clock change ends the quiet hours an hour later.
        let end = day.and_time(self.end);
        self.zone
            .from_local_datetime(&end)
            .earliest()
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(end + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|end| end.with_timezone(&Utc))
    }
}

/// Changes a person's do-not-disturb hours (`Some(None)` turns them off) and digest rhythm;
/// returns the person as they are now.
pub async fn set_personal(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    quiet_hours: Option<Option<(NaiveTime, NaiveTime)>>,
    digest_frequency: Option<crate::users::model::DigestFrequency>,
) -> ApiResult<crate::users::User> {
    use crate::db::schema::users;
    if let Some(hours) = quiet_hours {
        diesel::update(users::table.find(user))
            .set((
                users::quiet_hours_start.eq(hours.map(|(start, _)| start)),
                users::quiet_hours_end.eq(hours.map(|(_, end)| end)),
            ))
            .execute(conn)
            .await?;
    }
    if let Some(frequency) = digest_frequency {
        diesel::update(users::table.find(user))
            .set(users::digest_frequency.eq(frequency))
            .execute(conn)
            .await?;
    }
    crate::users::model::find(conn, user)
        .await?
        .ok_or(crate::error::ApiError::Unauthenticated)
}
