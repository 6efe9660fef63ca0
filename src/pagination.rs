//! Cursor pagination shared by every list: `?limit=&cursor=` in, `{items, next_cursor}` out.
//!
//! A cursor is the sort key of the last item returned, base64url-encoded so clients treat it
//! as opaque. Keyset pagination stays correct while rows are inserted and costs the same on
//! page 1000 as on page 1.

use crate::error::Error;
use base64::Engine;
use serde::Serialize;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most items per page.
pub const MAX_LIMIT: u32 = 200;

/// A validated page request.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: u32,
    /// The decoded key parts of the last item already seen.
    pub after: Option<Vec<String>>,
}

impl PageRequest {
    /// Validates `limit` and decodes `cursor`, which must have `parts` key parts.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>, parts: usize) -> Result<Self, Error> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match cursor {
            None | Some("") => None,
            Some(c) if c.chars().count() > crate::error::MAX_QUERY_CHARS => {
                return Err(Error::invalid(
                    "cursor",
                    "is not a cursor this list handed out",
                ));
            }
            Some(c) => Some(decode(c, parts)?),
        };
        Ok(PageRequest { limit, after })
    }

    /// The SQL `LIMIT`: one more than asked, to learn whether another page exists.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Trims the extra row fetched by [`PageRequest::fetch_limit`] and makes the cursor from
    /// the last item kept.
    pub fn from_rows(
        mut rows: Vec<T>,
        request: &PageRequest,
        key: impl Fn(&T) -> Vec<String>,
    ) -> Page<T> {
        let more = rows.len() > request.limit as usize;
        rows.truncate(request.limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| encode(&key(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

fn encode(parts: &[String]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(parts.join("\u{1f}"))
}

fn decode(cursor: &str, parts: usize) -> Result<Vec<String>, Error> {
    let bad = || Error::invalid("cursor", "is not a cursor this list handed out");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let split: Vec<String> = text.split('\u{1f}').map(str::to_string).collect();
    if split.len() != parts {
        return Err(bad());
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let c = encode(&["1700000000".into(), "evt_x".into()]);
        let req = PageRequest::parse(Some(10), Some(&c), 2).expect("parses");
        assert_eq!(
            req.after,
            Some(vec!["1700000000".to_string(), "evt_x".to_string()])
        );
        assert!(PageRequest::parse(None, Some("%%%"), 2).is_err());
        assert!(PageRequest::parse(None, Some(&c), 3).is_err());
        assert!(PageRequest::parse(Some(0), None, 2).is_err());
        assert!(PageRequest::parse(Some(MAX_LIMIT + 1), None, 2).is_err());
    }
}
