//! Enums stored as text: a status column holds the variant's name (`queued`, `succeeded`, …)
//! and the code compares variants, never strings. One macro writes, for each such enum, the
//! names, the parse, and the rusqlite and serde conversions, so the stored text and the JSON
//! stay exactly the names the columns' CHECK constraints list.

/// Declares an enum whose variants are stored (in SQLite and JSON) as the given names, with
/// `ALL`, `as_str`, `FromStr`, `Display`, serde and rusqlite `ToSql`/`FromSql`.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$variant_meta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("`{other}` is not a {}", stringify!($name))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }
    };
}
pub(crate) use text_enum;

/// For each text enum's unit test: every variant reads back as written, through its
/// stored name, serde and SQLite, and a name it does not know is refused.
#[cfg(test)]
pub(crate) fn assert_reads_back<T>(all: &[T])
where
    T: Copy
        + PartialEq
        + std::fmt::Debug
        + std::fmt::Display
        + std::str::FromStr
        + serde::Serialize
        + serde::de::DeserializeOwned
        + rusqlite::types::ToSql
        + rusqlite::types::FromSql,
{
    let conn = rusqlite::Connection::open_in_memory().expect("opens");
    for &v in all {
        let name = v.to_string();
        assert!(matches!(name.parse::<T>(), Ok(p) if p == v), "{name}");
        let json = serde_json::to_string(&v).expect("writes");
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<T>(&json).expect("reads"), v);
        let stored: String = conn
            .query_row("SELECT ?1", [&v], |r| r.get(0))
            .expect("binds");
        assert_eq!(stored, name);
        let read: T = conn
            .query_row("SELECT ?1", [&name], |r| r.get(0))
            .expect("reads");
        assert_eq!(read, v);
    }
    assert!("no such status".parse::<T>().is_err());
    assert!(
        conn.query_row("SELECT 'no such status'", [], |r| r.get::<_, T>(0))
            .is_err()
    );
}
