//! Chat over GraphQL: the `Conversation` and `Message` types, the mutations and the
//! subscriptions. The viewer's conversation list and badge are fields of `User`.

pub mod mutations;
pub mod subscriptions;
pub mod types;

pub use mutations::{ChatMutation, ChatSettings};
pub use subscriptions::ChatSubscription;
pub use types::{ConversationFilter, ConversationKindGql, MessageView, PresenceStatusGql};
