//! The buttons of the new-event form other than "Create": add or remove a row, a section,
//! a stop or a price line, and offer a price line for each category the seat map uses. They
//! change the form's shape and post it back to itself, so nothing is written until "Create";
//! kept apart from reading the form (`event_form.rs`) because they are the page's behaviour,
//! not its data.

use super::event_form::{EventForm, Kind, MAX_PRICES, MAX_STOPS, PriceForm, StopForm};
use super::seat_builder::{self, MAX_SECTIONS, SectionForm};

impl EventForm {
    /// Carries out a button other than "Create": `add_rows:0`, `add_section`, `add_stop`,
    /// `add_price`, `remove_row:0:2`, `remove_section:1`, `remove_stop:0`, `remove_price:2`.
    /// Returns the id of the place the page should show (a URL fragment).
    pub fn apply(&mut self, action: &str) -> Option<String> {
        let mut parts = action.split(':');
        let verb = parts.next().unwrap_or("");
        let mut index = || parts.next().and_then(|p| p.parse::<usize>().ok());
        let anchor = match verb {
            "add_section" if self.sections.len() < MAX_SECTIONS && self.kind != Kind::General => {
                self.sections.push(SectionForm {
                    focus: true,
                    ..seat_builder::new_section()
                });
                Some(format!("s{}", self.sections.len() - 1))
            }
            "add_rows" => {
                let si = index()?;
                let section = self.sections.get_mut(si)?;
                let n = section.add.trim().parse::<usize>().unwrap_or(1);
                seat_builder::add_rows(section, n);
                Some(format!("s{si}"))
            }
            "remove_row" => {
                let (si, ri) = (index()?, index()?);
                let section = self.sections.get_mut(si)?;
                remove_at(&mut section.rows, ri)?;
                Some(format!("s{si}"))
            }
            "remove_section" => {
                let si = index()?;
                remove_at(&mut self.sections, si)?;
                Some("seat-map".into())
            }
            "add_stop" if self.stops.len() < MAX_STOPS => {
                self.stops.push(StopForm {
                    focus: true,
                    ..StopForm::default()
                });
                Some("route".into())
            }
            "remove_stop" => {
                let i = index()?;
                remove_at(&mut self.stops, i)?;
                Some("route".into())
            }
            "add_price" if self.prices.len() < MAX_PRICES => {
                self.prices.push(PriceForm {
                    focus: true,
                    ..PriceForm::default()
                });
                Some("prices".into())
            }
            "remove_price" => {
                let i = index()?;
                remove_at(&mut self.prices, i)?;
                Some("prices".into())
            }
            _ => None,
        };
        self.number();
        anchor
    }

    /// Adds an empty price line for every category in `used` that has none, so a category
    /// typed in the seat map (or brought by a saved venue) asks for its price.
    pub fn offer_prices_for(&mut self, used: &[String]) {
        for category in used {
            if self.prices.len() >= MAX_PRICES {
                break;
            }
            // A name the catalog will refuse is reported at the seat; no price for it.
            if !crate::catalog::seat_map::is_category_name(category) {
                continue;
            }
            if !self.prices.iter().any(|p| p.category.trim() == category) {
                match self.prices.iter_mut().find(|p| p.is_blank()) {
                    Some(blank) => blank.category = category.clone(),
                    None => self.prices.push(PriceForm {
                        category: category.clone(),
                        ..PriceForm::default()
                    }),
                }
            }
        }
        self.number();
    }
}

/// Removes the line at `index`; `None` (the button does nothing) when there is none.
fn remove_at<T>(lines: &mut Vec<T>, index: usize) -> Option<T> {
    (index < lines.len()).then(|| lines.remove(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_add_and_remove() {
        let mut form = EventForm::new(Kind::Seated);
        form.sections[0].add = "4".into();
        assert_eq!(form.apply("add_rows:0").as_deref(), Some("s0"));
        assert_eq!(form.sections[0].rows.len(), 5);
        form.apply("remove_row:0:0");
        assert_eq!(form.sections[0].rows[0].row, "B");
        form.apply("add_section");
        assert_eq!(form.sections.len(), 2);
        assert!(form.sections[1].focus);
        assert_eq!(form.apply("remove_section:9"), None);
        assert_eq!(form.apply("add_rows:x"), None);
        form.apply("add_stop");
        form.apply("add_price");
        assert_eq!((form.stops.len(), form.prices.len()), (1, 2));
    }

    #[test]
    fn categories_in_use_are_offered_a_price_line() {
        let mut form = EventForm::new(Kind::Seated);
        form.offer_prices_for(&["standard".into(), "premium".into()]);
        let names: Vec<_> = form.prices.iter().map(|p| p.category.as_str()).collect();
        assert_eq!(names, ["standard", "premium"]);
    }
}
