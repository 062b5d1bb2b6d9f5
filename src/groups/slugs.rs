//! Which slug a group gets. Slugs share one namespace, so the answer to "may I have this slug?"
//! must say nothing about groups the asker may not see:
//! - a secret group's slug always ends with a random suffix, so nobody can probe for it and the
//!   plain slug stays free for whoever asks for it next;
//! - a slug held by a group the asker may not see (a secret group whose slug predates this rule,
//!   or was plain before the group became secret; any group, for a guest) is given with a random
//!   suffix, silently, as a slug made from a name is on any clash;
//! - only a clash with a group the asker sees, whose slug they could read anyway, is CONFLICT.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::Visibility;
use super::model;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Action, Decision, Resource};
use crate::validation::Limit;

/// Hexadecimal digits of the random suffix: 40 bits, far beyond guessing by creating groups.
const SUFFIX_LENGTH: usize = 10;

/// What the slug is asked for.
#[derive(Debug, Clone)]
pub struct WantedSlug {
    /// A checked slug (`validation::slug`).
    pub slug: String,
    /// Typed by the viewer, rather than made from the group's name.
    pub chosen: bool,
    /// The group's visibility once created or changed.
    pub visibility: Visibility,
    /// The group being changed, whose own slug is no clash.
    pub group: Option<Uuid>,
}

/// The slug the group gets for `wanted` (see the module's rules).
pub async fn available(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    wanted: &WantedSlug,
) -> ApiResult<String> {
    if wanted.visibility == Visibility::Secret {
        return Ok(with_random_suffix(&wanted.slug));
    }
    let Some(holder) = model::find_access_by_slug(conn, viewer.id(), &wanted.slug).await? else {
        return Ok(wanted.slug.clone());
    };
    if Some(holder.group.id) == wanted.group {
        return Ok(wanted.slug.clone());
    }
    let visible = policy::can(viewer, Action::View, Resource::Group(&holder)) != Decision::Hide;
    if wanted.chosen && visible {
        return Err(ApiError::Conflict(format!(
            "The slug \"{}\" is not available.",
            wanted.slug
        )));
    }
    Ok(with_random_suffix(&wanted.slug))
}

/// `slug-3f9a0c7b21`, still within the slug length limit.
fn with_random_suffix(slug: &str) -> String {
    let stem: String = slug.chars().take(Limit::SLUG - SUFFIX_LENGTH - 1).collect();
    let suffix = Uuid::new_v4().simple().to_string();
    format!(
        "{}-{}",
        stem.trim_end_matches('-'),
        &suffix[..SUFFIX_LENGTH]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suffixed_slug_is_still_a_valid_slug() {
        for slug in [
            "ab",
            &"x".repeat(Limit::SLUG),
            &format!("{}-b", "a".repeat(48)),
        ] {
            let suffixed = with_random_suffix(slug);
            assert_eq!(
                crate::validation::slug("slug", &suffixed).unwrap(),
                suffixed
            );
            assert_ne!(with_random_suffix(slug), suffixed);
        }
    }
}
