//! `/admin/pricing` (admins): the pricing rule of every event category as one form per
//! category. Saving calls [`Pricing::put_rules`], the same function as
//! `PUT /api/v1/pricing/rules`, so the form is validated exactly as the API is; bad input
//! shows the form again (422) with each message beside its input, and nothing is written.

use super::csrf::CsrfForm;
use super::price_chart::{self, Chart};
use super::pricing_form::{CURVES, RuleForm};
use super::render::{Chrome, PageError, page, page_with_status};
use super::session::AdminSession;
use crate::auth::session::ConsoleSession;
use crate::catalog::model::EventCategory;
use crate::error::{Error, FieldError};
use crate::pricing::Pricing;
use crate::pricing::rule::Rule;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "admin/pricing.html")]
pub struct PricingPage {
    pub chrome: Chrome,
    /// The category whose rule was just saved.
    pub saved: Option<String>,
    pub sections: Vec<RuleSection>,
    pub curves: &'static [(&'static str, &'static str, &'static str)],
}

/// One category's rule: its form and what the stored rule does.
pub struct RuleSection {
    pub category: String,
    pub title: String,
    pub form: RuleForm,
    /// This form was posted and refused: its errors are listed above it.
    pub refused: bool,
    /// The stored rule's curve for a base of 100.00, drawn.
    pub preview: Chart,
}

/// `concert` → `Concert`.
pub fn title(category: &str) -> String {
    let mut chars = category.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn build(
    session: &ConsoleSession,
    rules: &BTreeMap<String, Rule>,
    refused: Option<RuleForm>,
    saved: Option<String>,
) -> PricingPage {
    let mut refused = refused;
    let sections = EventCategory::ALL
        .iter()
        .filter_map(|c| rules.get(c.as_str()).map(|rule| (c.as_str(), rule)))
        .map(|(category, rule)| {
            let posted = refused.take_if(|f| f.category == category);
            RuleSection {
                category: category.to_string(),
                title: title(category),
                refused: posted.is_some(),
                form: posted.unwrap_or_else(|| RuleForm::from_rule(category, rule)),
                preview: price_chart::rule_preview(rule, &format!("preview-{category}")),
            }
        })
        .collect();
    PricingPage {
        chrome: Chrome::signed_in(session, "Pricing rules", "/admin/pricing"),
        saved: saved.filter(|s| rules.contains_key(s)).map(|s| title(&s)),
        sections,
        curves: CURVES,
    }
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /admin/pricing`.
pub async fn show(
    AdminSession(session): AdminSession,
    State(pricing): State<Pricing>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let rules = pricing.rules().await?;
    Ok(page(&build(&session, &rules, None, query.saved)))
}

/// `POST /admin/pricing`: replaces one category's rule, then shows the page again.
pub async fn submit(
    AdminSession(_): AdminSession,
    State(pricing): State<Pricing>,
    CsrfForm { session, form }: CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let posted = RuleForm::from_fields(&form);
    let category = posted.category.clone();
    let outcome = match posted.to_rule() {
        Ok(rule) => pricing
            .put_rules(BTreeMap::from([(category.clone(), rule)]))
            .await
            .map(|_| ()),
        Err(fields) => Err(Error::Validation(fields)),
    };
    let fields: Vec<FieldError> = match outcome {
        Ok(()) => {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("saved", &category)
                .finish();
            return Ok(
                Redirect::to(&format!("/admin/pricing?{query}#rule-{category}")).into_response(),
            );
        }
        Err(Error::Validation(fields)) => fields,
        Err(other) => return Err(other.into()),
    };
    if EventCategory::parse(&category).is_none() {
        // No form of this page sent that: say what is wrong on an error page.
        return Err(Error::Validation(fields).into());
    }
    let rules = pricing.rules().await?;
    let refused = posted.with_errors(&fields);
    Ok(page_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &build(&session, &rules, Some(refused), None),
    ))
}
