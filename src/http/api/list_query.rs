//! What the API's list queries share, so every list documents and reads it the same way:
//! the query of a list that only pages (`limit` and `cursor`), and a time to filter by.
//! Lists with filters declare `limit` and `cursor` beside their filters (serde's `flatten`
//! cannot read a number from a query string).

use crate::error::{Error, Validator};
use crate::pagination::PageRequest;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Paging of a list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub limit: Option<u32>,
    #[param(max_length = 200)]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page asked for, of a list ordered by one key.
    pub fn page(&self) -> Result<PageRequest, Error> {
        PageRequest::parse(self.limit, self.cursor.as_deref(), 1)
    }
}

/// A time query parameter (`from`, `to`), if given; one that is not RFC 3339 is recorded
/// in `v` against `field`.
pub fn query_time(field: &str, value: Option<&str>, v: &mut Validator) -> Option<OffsetDateTime> {
    let value = value?;
    let parsed = OffsetDateTime::parse(value, &Rfc3339).ok();
    if parsed.is_none() {
        v.add(
            field,
            "must be an RFC 3339 time such as 2027-01-10T18:30:00Z",
        );
    }
    parsed
}
