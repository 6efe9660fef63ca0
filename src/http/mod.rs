//! The HTTP edge, and the only module that imports axum: the JSON API, the OpenAPI document
//! and its viewer, the operational endpoints, and the pages.
//!
//! Every route is registered through `utoipa_axum`'s `routes!`, so the OpenAPI document is
//! generated from the same list the router serves: a route cannot exist undocumented.

pub mod admin;
pub mod admit;
pub mod api;
pub mod connections;
pub mod edge;
pub mod extract;
pub mod headers;
pub mod idempotency;
pub mod json;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod problem;
pub mod rejection;
pub mod serve;
pub mod state;
pub mod unread_body;

use crate::config::ServerConfig;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use state::AppState;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

pub use state::Ops;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The documented routes and the OpenAPI document generated from them.
pub fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(api::auth::register))
        .routes(routes!(api::auth::login))
        .routes(routes!(api::auth::me))
        .routes(routes!(api::users::list, api::users::create))
        .routes(routes!(api::users::get, api::users::update))
        .routes(routes!(api::events::list, api::events::create))
        .routes(routes!(
            api::events::get,
            api::events::update,
            api::events::delete
        ))
        .routes(routes!(api::events::seats))
        .routes(routes!(api::seat_history::history))
        .routes(routes!(api::holds::create))
        .routes(routes!(api::holds::get, api::holds::release))
        .routes(routes!(api::holds::extend))
        .routes(routes!(api::bookings::create, api::bookings::list))
        .routes(routes!(api::bookings::get))
        .routes(routes!(api::bookings::pay))
        .routes(routes!(api::bookings::cancel))
        .routes(routes!(api::bookings::tickets))
        .routes(routes!(api::bookings::check_in))
        .routes(routes!(api::bookings::public_key))
        .routes(routes!(api::bookings::cancel_event))
        .routes(routes!(api::payments::list))
        .routes(routes!(api::payments::get))
        .routes(routes!(api::payments::webhook))
        .routes(routes!(api::pricing::prices))
        .routes(routes!(api::pricing::rules, api::pricing::put_rules))
        .routes(routes!(
            api::pricing::put_event_rule,
            api::pricing::delete_event_rule
        ))
        .routes(routes!(api::pricing::preview))
        .routes(routes!(api::notifications::list))
        .routes(routes!(api::notifications::retry))
        .routes(routes!(api::jobs::list))
        .routes(routes!(api::jobs::get))
        .routes(routes!(api::jobs::retry))
        .routes(routes!(api::events::block))
        .routes(routes!(api::events::unblock))
        .routes(routes!(api::venues::list, api::venues::create))
        .routes(routes!(api::venues::get))
        .routes(routes!(api::admin_check::check))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .split_for_parts()
}

/// The layers every route runs in, outermost first, as one layer: `Router::layer` wraps
/// each route in a new boxed service per call, and every box is cloned and its future boxed
/// again per request (with 14 separate layers a hold cost about 40 % more server CPU). For
/// the same reason the middlewares of our own are tower services, not `from_fn` layers
/// ([`edge::Edge`] and [`edge::Finish`] each do what three of those did, and the API's
/// [`admit::AdmitWrites`]).
fn with_edge_layers(router: Router<AppState>, config: &ServerConfig) -> Router<AppState> {
    let timeout = Duration::from_secs(config.request_timeout_seconds);
    let layers = tower::ServiceBuilder::new()
        .layer(edge::EdgeLayer)
        .layer(SetRequestIdLayer::new(REQUEST_ID, middleware::RandomRequestId))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
            })
            .on_failure(crate::telemetry::log_failed_response),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(edge::FinishLayer(timeout));
    router.layer(layers)
}

/// The whole application router.
pub fn router(state: AppState, config: &ServerConfig) -> Router {
    let (api, openapi) = api_routes();
    let routes = Router::new()
        .merge(api.route_layer(admit::AdmitWritesLayer(state.clone())))
        .merge(
            Router::from(
                SwaggerUi::new("/api/docs")
                    .external_url_unchecked("/api/openapi.json", openapi::finish(&openapi))
                    // Swagger UI would otherwise send the document's URL to validator.swagger.io.
                    .config(SwaggerConfig::default().validator_url("none")),
            )
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(headers::DOCS_CSP),
            )),
        )
        .merge(
            pages::routes().layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(headers::HOME_CSP),
            )),
        )
        .merge(admin::routes())
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed);
    with_edge_layers(routes, config).with_state(state)
}
