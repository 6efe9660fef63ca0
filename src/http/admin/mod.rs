//! The staff console under `/admin`: server-rendered askama pages, no SPA, no CDN; every core
//! flow works with JavaScript off.
//!
//! # Conventions every console page follows
//! - **One file per page** in `http/admin/`, one template in `templates/admin/` that
//!   `{% extends "admin/layout.html" %}` and fills `{% block content %}`. Register the routes
//!   in [`routes`] through [`page_route`] (so a wrong method is a 405 *page*), and add the
//!   page to [`nav::NAV`] with the least role that may see it.
//! - **Who may see it is a type**: take [`StaffSession`] or [`AdminSession`] as the first
//!   extractor. No session → a redirect to `/admin/login?next=…` (never a JSON 401); a role
//!   below the page's → a 403 page.
//! - **The layout**: the page's template struct has a `chrome: Chrome` field built with
//!   [`Chrome::signed_in`]`(&session, title, nav_href)`; render with [`render::page`] (or
//!   `page_with_status` to show a form again with 422 and its errors).
//! - **Every change is a POST** taking [`CsrfForm<T>`] (it checks `Sec-Fetch-Site`/`Origin`
//!   and the session's token in the hidden `csrf` field; `T` must not deny unknown fields).
//!   Every form carries `<input type="hidden" name="csrf" value="{{ chrome.csrf }}">`.
//!   Nothing changes on GET. After a change, redirect (303) to the page that shows it.
//! - **Errors** are `Result<_, PageError>`: `?` on a domain `Error` gives an HTML page with
//!   the API's status and stable code. Bad form input re-renders the form with the field
//!   messages and writes nothing.
//! - **Handlers are thin**: figures come from domain functions (e.g. [`crate::dashboard`]);
//!   no SQL here.
//! - **Pages must work at 360 px** (tables inside `<div class="scroll">`), by keyboard, and
//!   never carry information in colour alone.

pub mod assets;
pub mod booking;
pub mod booking_actions;
pub mod bookings;
pub mod box_office;
pub mod box_office_done;
pub mod box_office_pay;
pub mod box_office_sale;
mod chart_axis;
pub mod csrf;
pub mod dashboard;
pub mod door;
pub mod emails;
pub mod event_cancel;
pub mod event_delete;
pub mod event_detail;
pub mod event_edit;
pub mod event_form;
pub mod event_form_actions;
pub mod event_form_check;
pub mod event_new;
pub mod event_time;
pub mod events;
pub mod form_errors;
pub mod jobs;
pub mod login;
pub mod nav;
pub mod price_chart;
pub mod prices;
pub mod pricing;
pub mod pricing_form;
pub mod render;
pub mod seat_builder;
mod seat_builder_rows;
pub mod seat_drawing;
pub mod seat_map;
pub mod seat_page;
pub mod seat_view;
pub mod session;
pub mod setup;
pub mod system;
pub mod user;
pub mod users;
pub mod when;

use super::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, any, get, post};
use tower_http::set_header::SetResponseHeaderLayer;

pub use csrf::CsrfForm;
pub use render::{Chrome, PageError};
pub use session::{AdminSession, StaffSession};

/// What the console's edge knows about how this server runs.
#[derive(Clone, Debug, Default)]
pub struct ConsoleEdge {
    /// The server runs TLS, so session cookies are `Secure`.
    pub secure_cookies: bool,
}

/// A console route whose other methods answer with a 405 page.
pub fn page_route(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(method_not_allowed)
}

/// Pages may only load what this server serves, and never inside another site's frame.
/// Scripts only from this server's embedded assets (`assets.rs`), and they may only talk
/// back to it (`connect-src` for the door page's `fetch`).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", page_route(get(dashboard::show)))
        .route(
            "/admin/login",
            page_route(get(login::show).post(login::submit)),
        )
        .route("/admin/logout", page_route(post(login::logout)))
        .route("/admin/events", page_route(get(events::list)))
        .route(
            "/admin/events/new",
            page_route(get(event_new::show).post(event_new::submit)),
        )
        .route("/admin/events/{id}", page_route(get(event_detail::show)))
        .route(
            "/admin/events/{id}/edit",
            page_route(get(event_edit::show).post(event_edit::submit)),
        )
        .route(
            "/admin/events/{id}/cancel",
            page_route(get(event_cancel::show).post(event_cancel::submit)),
        )
        .route(
            "/admin/events/{id}/delete",
            page_route(get(event_delete::show).post(event_delete::submit)),
        )
        .route(
            "/admin/setup",
            page_route(get(setup::show).post(setup::submit)),
        )
        .route("/admin/bookings", page_route(get(bookings::search)))
        .route("/admin/bookings/{id}", page_route(get(booking::show)))
        .route(
            "/admin/bookings/{id}/cancel",
            page_route(get(booking_actions::confirm_cancel).post(booking_actions::cancel)),
        )
        .route(
            "/admin/bookings/{id}/resend",
            page_route(post(booking_actions::resend)),
        )
        .route("/admin/door", page_route(get(door::choose)))
        .route(
            "/admin/door/{event_id}",
            page_route(get(door::show).post(door::scan)),
        )
        .route(
            "/admin/pricing",
            page_route(get(pricing::show).post(pricing::submit)),
        )
        .route("/admin/events/{id}/prices", page_route(get(prices::show)))
        .route("/admin/jobs", page_route(get(jobs::list)))
        .route("/admin/jobs/{id}", page_route(get(jobs::show)))
        .route("/admin/jobs/{id}/retry", page_route(post(jobs::retry)))
        .route("/admin/emails", page_route(get(emails::list)))
        .route("/admin/emails/{id}/retry", page_route(post(emails::retry)))
        .route("/admin/users", page_route(get(users::list)))
        .route(
            "/admin/users/new",
            page_route(get(users::new).post(users::create)),
        )
        .route("/admin/users/{id}", page_route(get(user::show)))
        .route("/admin/users/{id}/role", page_route(post(user::set_role)))
        .route("/admin/users/{id}/disable", page_route(post(user::disable)))
        .route("/admin/users/{id}/enable", page_route(post(user::enable)))
        .route(
            "/admin/users/{id}/password",
            page_route(post(user::reset_password)),
        )
        .route("/admin/system", page_route(get(system::show)))
        .route("/admin/system/check", page_route(get(system::check)))
        .route("/admin/system/backup", page_route(post(system::backup)))
        .route("/admin/box-office", page_route(get(box_office::pick)))
        .route(
            "/admin/box-office/till",
            page_route(get(box_office_done::till)),
        )
        .route(
            "/admin/box-office/{event_id}",
            page_route(get(box_office::sell)),
        )
        .route(
            "/admin/box-office/{event_id}/hold",
            page_route(post(box_office::hold)),
        )
        .route(
            "/admin/box-office/sale/{hold_id}",
            page_route(get(box_office_sale::show)),
        )
        .route(
            "/admin/box-office/sale/{hold_id}/pay",
            page_route(post(box_office_pay::pay)),
        )
        .route(
            "/admin/box-office/sale/{hold_id}/release",
            page_route(post(box_office_sale::release)),
        )
        .route(
            "/admin/box-office/done/{booking_id}",
            page_route(get(box_office_done::done)),
        )
        .route(
            "/admin/box-office/tickets/{booking_id}",
            page_route(get(box_office_done::print)),
        )
        .route("/admin/events/{id}/seats", page_route(get(seat_map::show)))
        .route(
            "/admin/events/{id}/seats/block",
            page_route(post(seat_map::set_blocked::<true>)),
        )
        .route(
            "/admin/events/{id}/seats/unblock",
            page_route(post(seat_map::set_blocked::<false>)),
        )
        .route(
            "/admin/events/{id}/seats/details",
            page_route(get(seat_page::show_many).post(seat_page::details)),
        )
        .route(
            "/admin/events/{id}/seats/{label}",
            page_route(get(seat_page::show)),
        )
        .route("/admin/assets/{file}", page_route(get(assets::asset)))
        .route("/admin/{*rest}", any(not_found))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Under the site's `no-referrer`, browsers send `Origin: null` with a page's own form
        // posts, which the CSRF check must refuse; `same-origin` lets them name this origin
        // and still tells other sites nothing.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

async fn not_found() -> Response {
    PageError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such page in the console.",
    )
    .into_response()
}

async fn method_not_allowed() -> Response {
    PageError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This page does not take that kind of request.",
    )
    .into_response()
}
