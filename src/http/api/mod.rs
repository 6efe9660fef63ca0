//! The JSON API under `/api/v1`, one file per resource. Handlers are thin: extract,
//! authorize by extractor type, call one domain function, shape the response.

pub mod admin_check;
pub mod auth;
pub mod bookings;
pub mod events;
pub mod holds;
pub mod job_body;
pub mod jobs;
pub mod list_query;
pub mod notification_body;
pub mod notifications;
pub mod payment_body;
pub mod payments;
pub mod pricing;
pub mod seat_history;
pub mod users;
pub mod venues;
