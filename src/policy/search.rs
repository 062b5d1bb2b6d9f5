//! What search may show a viewer, in SQL: the same rules as `can(viewer, View, ...)`, written
//! as keys. Each entry of the index (`search_entries`, kept by the triggers of the search
//! migration) holds the keys that open it, the viewer holds the keys they have, and an entry is
//! visible when the two share one (and, while unpublished, only to its owner). Nothing the viewer
//! may not see is then ever counted, ranked or highlighted. `tests/search.rs` checks the two
//! agree on an organization with every visibility and role.
//!
//! | key           | on entries                                     | held by                                   |
//! |---------------|------------------------------------------------|-------------------------------------------|
//! | `g:<group>`   | a group and what is inside it                  | members; admins; everyone but guests for public groups |
//! | `i:<group>`   | a group                                        | those with a pending invitation to it     |
//! | `groups`      | groups that are not secret                     | everyone but guests                       |
//! | `org`         | organization-wide posts and events             | everyone but guests                       |
//! | `directory`   | people                                         | everyone but guests                       |
//! | `m:<group>`   | the people in a group                          | its guests (they see the people of their groups) |
//! | `u:<person>`  | a person; what is in their personal drive      | that person                               |
//! | `c:<conversation>` | a direct or group conversation's messages | its members (org admins included: no one else) |

use uuid::Uuid;

use super::is_guest;
use crate::auth::Viewer;

/// What the keys of a viewer are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    pub viewer: Uuid,
    pub guest: bool,
    pub admin: bool,
}

impl Sight {
    pub fn of(viewer: &Viewer) -> Self {
        Self {
            viewer: viewer.id(),
            guest: is_guest(viewer),
            admin: viewer.user.is_admin(),
        }
    }
}

/// The viewer's keys as a `text[]` expression on the parameters `$1` (the viewer's id), `$2`
/// (whether they are a guest) and `$3` (whether they are an org admin).
pub const VIEWER_KEYS_SQL: &str = "ARRAY(
    SELECT 'u:' || $1::uuid
    UNION ALL SELECT unnest(ARRAY['org', 'directory', 'groups']) WHERE NOT $2
    UNION ALL SELECT 'g:' || g.id FROM groups g
              WHERE $3 OR (NOT $2 AND g.visibility = 'public')
    UNION ALL SELECT 'g:' || m.group_id FROM group_memberships m WHERE m.user_id = $1
    UNION ALL SELECT 'm:' || m.group_id FROM group_memberships m WHERE m.user_id = $1 AND $2
    UNION ALL SELECT 'i:' || i.group_id FROM group_invitations i
              WHERE i.user_id = $1 AND i.status = 'pending'
    UNION ALL SELECT 'c:' || cm.conversation_id FROM conversation_members cm
              JOIN conversations c ON c.id = cm.conversation_id
              WHERE cm.user_id = $1 AND c.group_id IS NULL)";

/// Whether the entry `entry` of `search_entries` is visible to the viewer holding `keys` (an
/// expression of `VIEWER_KEYS_SQL`), `$1` being the viewer's id.
pub fn visible_sql(entry: &str, keys: &str) -> String {
    format!(
        "(({entry}.scopes && {keys}
           AND ({entry}.hidden_until IS NULL OR {entry}.hidden_until <= now()))
          OR ({entry}.owner_id = $1 AND {entry}.hidden_until > now()))"
    )
}
