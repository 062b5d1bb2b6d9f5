//! The notifications API: the viewer's list and counts (on `User`, for the viewer only),
//! marking read and seen, preferences, admin defaults and messages, and `notificationReceived`.

mod mutations;
mod queries;
mod subscriptions;
mod types;

pub use mutations::NotificationMutation;
pub use queries::NotificationQuery;
pub use subscriptions::NotificationSubscription;
pub(in crate::notifications) use types::settings_of;
pub use types::{
    FolderFollows, GroupLevels, GroupNotificationLevel, NotificationFilter, NotificationSettings,
    TYPE_NAME, load_own,
};
