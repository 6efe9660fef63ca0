//! What the box office needs beyond the saga's own steps: the booking a hold became, so a
//! sale submitted twice (a double click on "Take cash") finds the first one's booking
//! instead of failing.

use super::repo;
use super::{BookingView, Bookings, may_see, view};
use crate::auth::Caller;
use crate::error::Error;

impl Bookings {
    /// The booking made from a hold, if the caller may see it.
    pub async fn booking_of_hold(
        &self,
        caller: &Caller,
        hold_id: &str,
    ) -> Result<Option<BookingView>, Error> {
        let id = hold_id.to_string();
        let found = self
            .db
            .read(move |conn| match repo::by_hold(conn, &id)? {
                Some(b) => {
                    let items = repo::items(conn, &b.id)?;
                    Ok(Some((b, items)))
                }
                None => Ok(None),
            })
            .await?;
        Ok(found
            .filter(|(b, _)| may_see(caller, b))
            .map(|(b, items)| view(&b, &items)))
    }
}
