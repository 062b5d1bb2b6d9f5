//! Enums stored as `text` columns guarded by a `CHECK` constraint.

/// Declares an enum that diesel reads and writes as `text`, with its database spelling.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_db(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(self.as_db(), out)
            }
        }

        /// Audit snapshots (and configuration files) spell values as the database does.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_db())
            }
        }

        /// Configuration files spell values as the database does.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                match text.as_str() {
                    $($text => Ok(Self::$variant),)+
                    other => Err(<D::Error as serde::de::Error>::unknown_variant(other, &[$($text),+])),
                }
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                match bytes.as_bytes() {
                    $(b if b == $text.as_bytes() => Ok(Self::$variant),)+
                    other => Err(format!("unknown {} {:?}", stringify!($name), String::from_utf8_lossy(other)).into()),
                }
            }
        }
    };
}
