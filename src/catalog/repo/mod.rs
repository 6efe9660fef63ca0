//! SQL of the catalog tables, a file per table: plain functions over a connection or
//! transaction. The catalog's SQL lives here only (module docs in `lib.rs` say where every
//! domain keeps its SQL).

mod categories;
mod events;
mod seats;
mod stops;
mod venues;

pub use categories::*;
pub use events::*;
pub use seats::*;
pub use stops::*;
pub use venues::*;
