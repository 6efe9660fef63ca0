//! The query of a list that only pages, `limit` and `cursor`: one type so that every such
//! list documents and reads them the same way. Lists with filters declare the two fields
//! beside their filters (serde's `flatten` cannot read a number from a query string).

use crate::error::Error;
use crate::pagination::PageRequest;
use serde::Deserialize;

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
