//! The groups report: the most active groups, the fastest growing and the silent ones.

use std::cmp::Ordering;

use async_graphql::{ComplexObject, ID, SimpleObject};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::TOP;
use crate::analytics::model;
use crate::analytics::period::Period;
use crate::error::ApiResult;
use crate::graphql::ids;

/// A group's activity is what its members did in it (its posts, comments, reactions, files and
/// events); people from outside who read a public group are its reach, counted apart. Members
/// are the group's current ones.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct GroupActivity {
    #[graphql(skip)]
    pub group_id: Uuid,
    /// The group's name.
    pub name: String,
    /// Its members now.
    pub members: i64,
    /// Things its members did in the group in the range.
    pub events: i64,
    /// Members active in the group at least once in the range.
    pub active_members: i64,
    /// People not members who were active in the group in the range (reading its posts, mostly):
    /// its reach beyond its members.
    pub outside_readers: i64,
    /// Members who joined in the range.
    pub joined: i64,
    /// `joined ÷ members before the range`; null when it had none before the range (a new
    /// group: every member joined in the range).
    pub growth: Option<f64>,
}

#[ComplexObject]
impl GroupActivity {
    /// The group's ID.
    async fn group_id(&self) -> ID {
        ids::encode(crate::groups::TYPE_NAME, self.group_id)
    }
}

/// Which groups are busy, growing or silent (each list up to 10 groups).
#[derive(Debug, Clone, SimpleObject)]
pub struct GroupsReport {
    /// The groups whose members did the most in them.
    pub most_active: Vec<GroupActivity>,
    /// The groups that grew the most: new ones (null `growth`) first, by members who joined.
    pub fastest_growing: Vec<GroupActivity>,
    /// Groups with members who did nothing in them in the range, largest first.
    pub silent: Vec<GroupActivity>,
    /// How many groups were silent, all of them (`silent` lists 10 at most).
    pub silent_count: i64,
}

pub async fn groups(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<GroupsReport> {
    let rows = model::group_activity(conn, period).await?;
    let mut groups: Vec<GroupActivity> = rows
        .into_iter()
        .map(|row| {
            let before = row.members - row.joined;
            GroupActivity {
                group_id: row.id,
                growth: (before > 0).then(|| row.joined as f64 / before as f64),
                name: row.name,
                members: row.members,
                events: row.events,
                active_members: row.active_members,
                outside_readers: row.outside_readers,
                joined: row.joined,
            }
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let top = |listed: fn(&GroupActivity) -> bool,
               first: fn(&GroupActivity, &GroupActivity) -> Ordering|
     -> Vec<GroupActivity> {
        let mut ranked: Vec<GroupActivity> = groups
            .iter()
            .filter(|group| listed(group))
            .cloned()
            .collect();
        ranked.sort_by(first);
        ranked.truncate(TOP);
        ranked
    };
    let most_active = top(|group| group.events > 0, |a, b| b.events.cmp(&a.events));
    let fastest_growing = top(
        |group| group.joined > 0,
        |a, b| {
            // A new group (no growth rate) grew the most of all.
            let growth = |group: &GroupActivity| group.growth.unwrap_or(f64::INFINITY);
            growth(b)
                .total_cmp(&growth(a))
                .then(b.joined.cmp(&a.joined))
        },
    );
    let mut silent: Vec<GroupActivity> = groups
        .iter()
        .filter(|group| group.events == 0 && group.members > 0)
        .cloned()
        .collect();
    silent.sort_by_key(|group| std::cmp::Reverse(group.members));
    let silent_count = silent.len() as i64;
    silent.truncate(TOP);
    Ok(GroupsReport {
        most_active,
        fastest_growing,
        silent,
        silent_count,
    })
}
