//! What every report is asked for: a range of the organization's days, a granularity and a
//! scope (the organization or one group), validated once.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// The longest range a report covers.
pub const MAX_DAYS: i64 = 2 * 366;

/// The size of the buckets a series is cut into; the first and last buckets are cut to the
/// range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Granularity {
    /// One bucket per day.
    Day,
    /// One bucket per week, starting on Monday.
    Week,
    /// One bucket per calendar month, starting on the 1st.
    Month,
}

impl Granularity {
    pub const ALL: [Self; 3] = [Self::Day, Self::Week, Self::Month];

    /// As query strings spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|granularity| granularity.as_str() == text)
    }

    /// The first day of the bucket `day` falls in (weeks start on Monday).
    pub fn bucket_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            Self::Week => day - chrono::Duration::days(day.weekday().num_days_from_monday().into()),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

/// Today in `time_zone` (UTC if it is not a known zone).
pub fn today_in(time_zone: &str) -> NaiveDate {
    let zone: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    chrono::Utc::now().with_timezone(&zone).date_naive()
}

/// The organization, or one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Organization,
    Group(Uuid),
}

impl Scope {
    /// The `scope` column of the rollups.
    pub fn id(self) -> Uuid {
        match self {
            Self::Organization => Uuid::nil(),
            Self::Group(group) => group,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Period {
    pub from: NaiveDate,
    /// Included.
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub scope: Scope,
    /// The organization's, which the rollups count days in.
    pub time_zone: String,
}

impl Period {
    /// `from` and `to` name their fields in errors as `{prefix}from` and `{prefix}to`.
    pub fn new(
        prefix: &str,
        from: NaiveDate,
        to: NaiveDate,
        granularity: Granularity,
        scope: Scope,
        time_zone: String,
    ) -> ApiResult<Self> {
        if to < from {
            return Err(ApiError::bad_input(
                format!("{prefix}to"),
                "must not be before `from`",
            ));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(ApiError::bad_input(
                format!("{prefix}from"),
                format!("the range must cover at most {MAX_DAYS} days (2 years)"),
            ));
        }
        Ok(Self {
            from,
            to,
            granularity,
            scope,
            time_zone,
        })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let from = self.from;
        (0..self.days()).map(move |k| from + chrono::Duration::days(k))
    }

    /// The buckets of the range in order, each as (first day, days of it inside the range).
    pub fn buckets(&self) -> Vec<(NaiveDate, i64)> {
        let mut buckets: Vec<(NaiveDate, i64)> = Vec::new();
        for day in self.each_day() {
            let bucket = self.granularity.bucket_of(day);
            match buckets.last_mut() {
                Some((start, days)) if *start == bucket => *days += 1,
                _ => buckets.push((bucket, 1)),
            }
        }
        buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn period(from: &str, to: &str, granularity: Granularity) -> ApiResult<Period> {
        Period::new(
            "",
            day(from),
            day(to),
            granularity,
            Scope::Organization,
            "UTC".into(),
        )
    }

    #[test]
    fn weeks_start_on_monday_and_are_clipped_to_the_range() {
        let buckets = period("2026-11-04", "2026-11-17", Granularity::Week)
            .unwrap()
            .buckets();
        assert_eq!(
            buckets,
            vec![
                (day("2026-11-02"), 5),
                (day("2026-11-09"), 7),
                (day("2026-11-16"), 2)
            ]
        );
    }

    #[test]
    fn months_start_on_the_first() {
        let buckets = period("2026-10-30", "2026-11-02", Granularity::Month)
            .unwrap()
            .buckets();
        assert_eq!(
            buckets,
            vec![(day("2026-10-01"), 2), (day("2026-11-01"), 2)]
        );
    }

    #[test]
    fn reversed_and_overlong_ranges_are_refused() {
        let reversed = period("2026-11-02", "2026-11-01", Granularity::Day).unwrap_err();
        assert_eq!(reversed.code(), "BAD_USER_INPUT");
        let long = period("2024-01-01", "2026-11-01", Granularity::Day).unwrap_err();
        assert!(long.message().contains("2 years"), "{}", long.message());
        assert!(period("2024-11-03", "2026-11-03", Granularity::Day).is_ok());
    }
}
