//! Ids as types, so a template's id cannot be passed where a checkout's is
//! meant. Each parses only from a GUID, which is what Wix ids are.

use crate::validate::is_guid;

macro_rules! guid_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// A new, unused id.
            pub fn new() -> $name {
                $name(super::new_id())
            }

            /// The id `s` spells, if it is a GUID.
            pub fn parse(s: &str) -> Option<$name> {
                is_guid(s).then(|| $name(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

guid_type!(
    /// A checkout template's id.
    TemplateId
);
guid_type!(
    /// A checkout's id.
    CheckoutId
);
guid_type!(
    /// A domain event's id, the same on every delivery of it.
    EventId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_from_guids() {
        let id = TemplateId::new();
        assert_eq!(TemplateId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(TemplateId::parse("not-a-guid"), None);
        assert_ne!(TemplateId::new(), id);
    }

    #[test]
    fn ids_are_random_guids_in_no_order() {
        let ids: Vec<String> = (0..64).map(|_| EventId::new().to_string()).collect();
        for id in &ids {
            assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
        }
        let mut sorted = ids.clone();
        sorted.sort();
        assert_ne!(sorted, ids, "64 new ids do not come out sorted");
    }
}
