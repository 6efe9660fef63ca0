//! The form as the page draws it: each input with its label, value and message, the rows
//! of buckets and fare classes (with blank rows to add more), and where the domain's field
//! errors (`concert.curve.buckets[1].share`) belong on the page.

use super::*;

/// One input as the template draws it.
#[derive(Debug, Clone)]
pub struct Field {
    /// The form field's name; the input's id is `<category>-<name>`.
    pub name: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

impl RuleForm {
    /// Attaches field errors (as the domain names them) to the inputs they concern.
    pub fn with_errors(mut self, errors: &[FieldError]) -> RuleForm {
        let prefix = format!("{}.", self.category);
        for e in errors {
            let path = e.field.strip_prefix(&prefix).unwrap_or(&e.field);
            let key = form_name(path);
            self.errors
                .entry(key)
                .and_modify(|m| {
                    m.push_str("; ");
                    m.push_str(&e.message);
                })
                .or_insert_with(|| e.message.clone());
        }
        self
    }

    /// Every error with the input it belongs to (for the summary above the form).
    pub fn errors(&self) -> Vec<(String, String, String)> {
        let label = |name: &str| -> String {
            LIMITS
                .iter()
                .chain(TIME)
                .chain(DEMAND)
                .find(|(n, _)| *n == name)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| match name {
                    "curve" => "Curve".to_string(),
                    "buckets" => "Fare buckets".to_string(),
                    "classes" => "Fare classes".to_string(),
                    other => row_label(other),
                })
        };
        self.errors
            .iter()
            .map(|(name, message)| {
                (
                    format!("{}-{name}", self.category),
                    label(name),
                    message.clone(),
                )
            })
            .collect()
    }

    pub fn error(&self, name: &str) -> Option<String> {
        self.errors.get(name).cloned()
    }

    fn field(&self, name: &str, label: &str, value: &str) -> Field {
        Field {
            name: name.to_string(),
            label: label.to_string(),
            value: value.to_string(),
            error: self.error(name),
        }
    }

    fn fields(&self, spec: &[(&str, &str)]) -> Vec<Field> {
        spec.iter()
            .map(|(name, label)| self.field(name, label, self.scalar(name)))
            .collect()
    }

    pub fn limits(&self) -> Vec<Field> {
        self.fields(LIMITS)
    }

    pub fn time(&self) -> Vec<Field> {
        self.fields(TIME)
    }

    pub fn demand(&self) -> Vec<Field> {
        self.fields(DEMAND)
    }

    /// The bucket rows, with blank rows to add more.
    pub fn bucket_rows(&self) -> Vec<Vec<Field>> {
        rows(self, "bucket", &BUCKET, &self.buckets)
    }

    /// The fare-class rows, with blank rows to add more.
    pub fn class_rows(&self) -> Vec<Vec<Field>> {
        rows(self, "class", &CLASS, &self.classes)
    }
}

fn rows<const N: usize>(
    form: &RuleForm,
    kind: &str,
    parts: &[&str; N],
    filled: &[[String; N]],
) -> Vec<Vec<Field>> {
    let blank = [(); N].map(|()| String::new());
    let count = (filled.len() + SPARE_ROWS).min(MAX_ROWS);
    (0..count)
        .map(|i| {
            let values = filled.get(i).unwrap_or(&blank);
            parts
                .iter()
                .zip(values)
                .map(|(part, value)| {
                    let name = format!("{kind}_{i}_{part}");
                    let label = row_label(&name);
                    form.field(&name, &label, value)
                })
                .collect()
        })
        .collect()
}

/// `bucket_0_share` → "Bucket 1 share"; `class_2_sd` → "Class 3 standard deviation".
fn row_label(name: &str) -> String {
    let mut parts = name.splitn(3, '_');
    let (Some(kind), Some(i), Some(part)) = (parts.next(), parts.next(), parts.next()) else {
        return name.replace('_', " ");
    };
    let n = i.parse::<usize>().map(|i| i + 1).unwrap_or(0);
    let kind = match kind {
        "bucket" => "Bucket",
        "class" => "Fare class",
        other => other,
    };
    let part = match part {
        "sd" => "standard deviation (seats)",
        "mean" => "mean demand (seats)",
        "share" => "share of seats",
        other => other,
    };
    format!("{kind} {n} {part}")
}

/// A domain field path (without the category) → the form input it concerns.
fn form_name(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("time_factor.") {
        return format!("time_{rest}");
    }
    if let Some(rest) = path.strip_prefix("demand_factor.") {
        return format!("demand_{rest}");
    }
    for (prefix, kind) in [("curve.buckets", "bucket"), ("curve.emsr_b", "class")] {
        if let Some(rest) = path.strip_prefix(prefix) {
            // `[3].share` → `bucket_3_share`; the list as a whole → `buckets`/`classes`.
            return match rest.strip_prefix('[').and_then(|r| r.split_once("].")) {
                Some((i, part)) => format!("{kind}_{i}_{part}"),
                None => format!("{kind}s").replace("classs", "classes"),
            };
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_paths_map_to_inputs() {
        assert_eq!(form_name("cap"), "cap");
        assert_eq!(form_name("time_factor.multiplier"), "time_multiplier");
        assert_eq!(
            form_name("demand_factor.window_minutes"),
            "demand_window_minutes"
        );
        assert_eq!(form_name("curve.buckets"), "buckets");
        assert_eq!(form_name("curve.buckets[2].share"), "bucket_2_share");
        assert_eq!(form_name("curve.emsr_b"), "classes");
        assert_eq!(form_name("curve.emsr_b[0].sd"), "class_0_sd");
        assert_eq!(
            row_label("class_0_sd"),
            "Fare class 1 standard deviation (seats)"
        );
    }
}
