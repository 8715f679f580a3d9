//! The domain events a template's changes raise, and the bodies they carry.

/// What happened to a template, as the event's `slug` and the end of its
/// `eventType` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slug {
    Created,
    Updated,
    Deleted,
    /// A checkout was made from the template.
    Used,
}

impl Slug {
    pub const ALL: [Slug; 4] = [Slug::Created, Slug::Updated, Slug::Deleted, Slug::Used];

    pub fn as_str(self) -> &'static str {
        match self {
            Slug::Created => "created",
            Slug::Updated => "updated",
            Slug::Deleted => "deleted",
            Slug::Used => "used",
        }
    }

    pub fn parse(s: &str) -> Option<Slug> {
        Slug::ALL.into_iter().find(|slug| slug.as_str() == s)
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `used` event's body, `{checkoutTemplate, checkout}`, spliced from the
/// two documents' JSON rather than parsed and printed again.
pub fn used_body(template_json: &str, checkout_json: &str) -> String {
    format!(r#"{{"checkoutTemplate":{template_json},"checkout":{checkout_json}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_read_back_what_they_write() {
        for slug in Slug::ALL {
            assert_eq!(Slug::parse(slug.as_str()), Some(slug));
        }
        assert_eq!(Slug::parse("Created"), None);
    }

    #[test]
    fn the_used_body_holds_both_documents() {
        let body: serde_json::Value =
            serde_json::from_str(&used_body(r#"{"id":"t"}"#, r#"{"id":"c"}"#)).unwrap();
        assert_eq!(body["checkoutTemplate"]["id"], "t");
        assert_eq!(body["checkout"]["id"], "c");
    }
}
