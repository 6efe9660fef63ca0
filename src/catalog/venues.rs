//! Reusable venues: creating, reading and listing them.

use super::Catalog;
use super::repo;
use super::venue::CreateVenue;
use super::venue::VenueView;
use crate::error::Error;
use crate::pagination::Page;
use crate::pagination::PageRequest;

impl Catalog {
    /// Creates a reusable venue.
    pub async fn create_venue(&self, input: CreateVenue) -> Result<VenueView, Error> {
        let row = input.validate(crate::ids::new_id("ven"), self.clock.now_ms())?;
        let insert = row.clone();
        self.db
            .write(move |conn| repo::insert_venue(conn, &insert))
            .await?;
        VenueView::from_row(row)
    }

    /// One venue.
    pub async fn get_venue(&self, id: &str) -> Result<VenueView, Error> {
        if !crate::ids::looks_like("ven", id) {
            return Err(Error::NotFound("venue"));
        }
        let id = id.to_string();
        let row = self
            .db
            .read(move |conn| repo::venue_by_id(conn, &id))
            .await?
            .ok_or(Error::NotFound("venue"))?;
        VenueView::from_row(row)
    }

    /// A page of venues.
    pub async fn list_venues(&self, page: PageRequest) -> Result<Page<VenueView>, Error> {
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| repo::list_venues(conn, &request))
            .await?;
        let page = Page::from_rows(rows, &page, |v| vec![v.id.clone()]);
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(VenueView::from_row)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }
}
