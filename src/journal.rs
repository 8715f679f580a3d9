//! The journal: each site's recent API requests, newest first, as
//! `GET /_emulator/requests` shows them. One ring for all sites, of a fixed
//! number of entries, so memory does not grow with traffic; each instance
//! keeps the requests it served.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::faults::Operation;

/// One request, as the journal keeps it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub site_id: String,
    /// The site's time when the request came in, in microseconds.
    pub at: i64,
    pub method: http::Method,
    pub path: String,
    pub operation: Operation,
    pub status: u16,
    pub duration_micros: u64,
    pub request_id: std::sync::Arc<str>,
    /// The fault rule that answered instead of the operation, if one did.
    pub fault_id: Option<String>,
}

/// What to list.
#[derive(Debug, Clone)]
pub struct Wanted<'a> {
    pub site_id: &'a str,
    pub operation: Option<Operation>,
    pub status: Option<u16>,
    pub limit: usize,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keeps `entry`, forgetting the oldest one when the ring is full.
    pub fn record(&self, entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().expect("journal lock");
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The site's entries that match, newest first.
    pub fn list(&self, wanted: &Wanted) -> Vec<Entry> {
        let entries = self.entries.lock().expect("journal lock");
        entries
            .iter()
            .rev()
            .filter(|e| e.site_id == wanted.site_id)
            .filter(|e| wanted.operation.is_none_or(|op| e.operation == op))
            .filter(|e| wanted.status.is_none_or(|s| e.status == s))
            .take(wanted.limit)
            .cloned()
            .collect()
    }

    /// Forgets a site's entries (the site was deleted).
    pub fn forget_site(&self, site_id: &str) {
        self.entries
            .lock()
            .expect("journal lock")
            .retain(|e| e.site_id != site_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(site: &str, status: u16, n: i64) -> Entry {
        Entry {
            site_id: site.into(),
            at: n,
            method: http::Method::GET,
            path: "/ecom/v1/checkouts/x".into(),
            operation: Operation::GetCheckout,
            status,
            duration_micros: 1,
            request_id: n.to_string().into(),
            fault_id: None,
        }
    }

    #[test]
    fn keeps_the_newest_within_its_size_and_never_another_sites() {
        let journal = Journal::new(3);
        for n in 0..5 {
            journal.record(entry(if n % 2 == 0 { "a" } else { "b" }, 200 + n as u16, n));
        }
        let all = |site| Wanted {
            site_id: site,
            operation: None,
            status: None,
            limit: 10,
        };
        let a: Vec<i64> = journal.list(&all("a")).iter().map(|e| e.at).collect();
        assert_eq!(a, [4, 2], "the oldest (0) is gone, newest first");
        let b: Vec<i64> = journal.list(&all("b")).iter().map(|e| e.at).collect();
        assert_eq!(b, [3]);
        let only = Wanted {
            status: Some(202),
            ..all("a")
        };
        assert_eq!(journal.list(&only).len(), 1);
        journal.forget_site("a");
        assert!(journal.list(&all("a")).is_empty());
    }
}
