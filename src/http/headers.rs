//! Protective response headers outside the console (which sets its own): a
//! Content-Security-Policy that forbids framing on the HTML pages, and `Cache-Control:
//! no-store` on API answers that carry a token or personal data, so no shared or browser
//! cache keeps them.

use axum::http::{HeaderValue, Method, header};
use axum::response::Response;

/// The home page: server-rendered HTML with one stylesheet, no script, no framing.
pub const HOME_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The API docs viewer (Swagger UI, served from the binary): its own scripts and styles, the
/// document fetched from this origin, icons as data URIs; no framing.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; \
     base-uri 'none'";

/// Adds `Cache-Control: no-store` to a `private` answer (see [`is_private`]) that does not
/// set its own.
pub fn no_store_if(private: bool, mut response: Response) -> Response {
    if private && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Whether an API answer to `method path` may hold a token or personal data: every API
/// answer except the public catalog's reads (events, seats, prices, venues, pricing rules,
/// the ticket-signing public key), which hold nothing about anyone. Login, register, me,
/// users, holds, bookings, tickets, payments, notifications and jobs all carry a token or
/// personal data.
pub fn is_private(method: &Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let read = method == Method::GET || method == Method::HEAD;
    let catalog = rest.starts_with("events")
        || rest.starts_with("venues")
        || rest.starts_with("pricing/")
        || rest == "tickets/public-key";
    // A seat's history names who held and bought it.
    let history = rest.ends_with("/history");
    !(read && catalog && !history)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_answers_are_private_and_the_catalog_is_not() {
        for (method, path) in [
            (Method::POST, "/api/v1/auth/login"),
            (Method::POST, "/api/v1/auth/register"),
            (Method::GET, "/api/v1/auth/me"),
            (Method::GET, "/api/v1/users/usr_1"),
            (Method::GET, "/api/v1/bookings/bkg_1/tickets"),
            (Method::GET, "/api/v1/payments"),
            (Method::POST, "/api/v1/events/evt_1/holds"),
            (Method::GET, "/api/v1/events/evt_1/seats/A-1/history"),
        ] {
            assert!(is_private(&method, path), "{method} {path}");
        }
        for (method, path) in [
            (Method::GET, "/api/v1/events"),
            (Method::GET, "/api/v1/events/evt_1/seats"),
            (Method::GET, "/api/v1/venues"),
            (Method::GET, "/api/v1/tickets/public-key"),
            (Method::GET, "/"),
        ] {
            assert!(!is_private(&method, path), "{method} {path}");
        }
    }
}
