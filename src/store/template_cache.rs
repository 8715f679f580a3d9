//! Templates as clicks read them, kept in memory: the stored JSON, the parsed
//! document and, once a click worked it out, the checkout it makes. Bounded by
//! what the entries really hold on the heap, all three counted; when full it
//! starts over, which costs one read per template.

use std::collections::HashMap;
use std::mem::size_of;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::error::Result;
use crate::model::checkout::CheckoutShape;
use crate::model::template::Doc;

/// The most bytes the cache holds.
const BUDGET: usize = 8 << 20;

/// A template as the click needs it, shared by every click on it.
pub struct CachedTemplate {
    pub version: i64,
    pub active: bool,
    pub json: Arc<str>,
    pub doc: Arc<Doc>,
    /// The checkout this version makes, once a click has worked it out.
    shape: OnceLock<CheckoutShape>,
    /// What the JSON and the document hold, counted when cached.
    size: usize,
    /// The cache's count, which the shape joins once it is worked out.
    charged: Arc<AtomicUsize>,
}

impl CachedTemplate {
    pub(super) fn new(
        version: i64,
        active: bool,
        json: String,
        doc: Doc,
        charged: Arc<AtomicUsize>,
    ) -> CachedTemplate {
        let size = size_of::<CachedTemplate>() + json.len() + doc_bytes(&doc);
        CachedTemplate {
            version,
            active,
            json: json.into(),
            doc: Arc::new(doc),
            shape: OnceLock::new(),
            size,
            charged,
        }
    }

    /// The checkout shape, from `work_out` on the first call.
    pub fn checkout_shape(
        &self,
        work_out: impl FnOnce(&Doc) -> Result<CheckoutShape>,
    ) -> Result<&CheckoutShape> {
        if let Some(shape) = self.shape.get() {
            return Ok(shape);
        }
        let shape = work_out(&self.doc)?;
        let bytes = shape.heap_bytes();
        if self.shape.set(shape).is_ok() {
            self.charged.fetch_add(bytes, Ordering::Relaxed);
        }
        Ok(self.shape.get().expect("just set"))
    }

    /// All it holds now.
    fn bytes(&self) -> usize {
        self.size + self.shape.get().map_or(0, CheckoutShape::heap_bytes)
    }
}

/// What a parsed JSON value holds on the heap, near enough: each map entry's
/// key and value slot and index, each array slot, each string's bytes.
fn value_bytes(value: &Value) -> usize {
    match value {
        Value::String(s) => s.capacity(),
        Value::Array(items) => {
            items.capacity() * size_of::<Value>() + items.iter().map(value_bytes).sum::<usize>()
        }
        Value::Object(map) => doc_bytes(map),
        _ => 0,
    }
}

fn doc_bytes(map: &Doc) -> usize {
    // An ordered map keeps entries (key, value, hash) and an index slot each.
    const ENTRY: usize = size_of::<String>() + size_of::<Value>() + 2 * size_of::<usize>();
    map.iter()
        .map(|(k, v)| ENTRY + k.capacity() + value_bytes(v))
        .sum()
}

/// Templates by (site, id).
#[derive(Default)]
pub struct TemplateCache {
    map: Mutex<HashMap<(String, String), Arc<CachedTemplate>>>,
    bytes: Arc<AtomicUsize>,
}

/// Each entry's key and slot in the map, besides the entry itself.
const SLOT: usize = 2 * size_of::<String>() + size_of::<usize>() + 2 * 36;

impl TemplateCache {
    /// The count new entries are charged to.
    pub(super) fn bytes(&self) -> Arc<AtomicUsize> {
        self.bytes.clone()
    }

    pub(super) fn get(&self, site_id: &str, id: &str) -> Option<Arc<CachedTemplate>> {
        let map = self.map.lock().expect("cache lock");
        map.get(&(site_id.to_string(), id.to_string())).cloned()
    }

    pub(super) fn put(&self, site_id: &str, id: &str, template: Arc<CachedTemplate>) {
        let mut map = self.map.lock().expect("cache lock");
        let size = template.bytes() + SLOT;
        if self.bytes.load(Ordering::Relaxed) + size > BUDGET {
            map.clear();
            self.bytes.store(0, Ordering::Relaxed);
        }
        self.bytes.fetch_add(size, Ordering::Relaxed);
        if let Some(old) = map.insert((site_id.to_string(), id.to_string()), template) {
            self.release(old.bytes() + SLOT);
        }
    }

    /// Drops a template this process changed or found stale.
    pub fn forget(&self, site_id: &str, id: &str) {
        let mut map = self.map.lock().expect("cache lock");
        if let Some(old) = map.remove(&(site_id.to_string(), id.to_string())) {
            self.release(old.bytes() + SLOT);
        }
    }

    /// Takes `bytes` off the count, never below nothing: a shape worked out
    /// after its entry was dropped in a clear was counted after the clear.
    fn release(&self, bytes: usize) {
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(bytes))
            });
    }

    /// What the cache counts it holds.
    #[cfg(test)]
    fn counted(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(cache: &TemplateCache, name: &str) -> Arc<CachedTemplate> {
        let json = format!(
            r#"{{"id":"{name}","customLineItems":[{{"quantity":1,"price":"5","productName":{{"original":"{}"}}}}]}}"#,
            "x".repeat(200)
        );
        let doc: Doc = serde_json::from_str(&json).unwrap();
        Arc::new(CachedTemplate::new(1, true, json, doc, cache.bytes()))
    }

    #[test]
    fn the_count_holds_the_document_and_the_shape_not_only_the_json() {
        let cache = TemplateCache::default();
        let t = template(&cache, "a");
        cache.put("s", "a", t.clone());
        let before = cache.counted();
        assert!(
            before > 3 * t.json.len(),
            "the parsed document counts too: {before} for {} bytes of JSON",
            t.json.len()
        );
        t.checkout_shape(|doc| CheckoutShape::of(doc, &Default::default(), "USD"))
            .unwrap();
        assert!(cache.counted() > before, "the shape joins the count");
        cache.forget("s", "a");
        assert_eq!(cache.counted(), 0, "forgetting gives back all of it");
    }

    #[test]
    fn a_full_cache_starts_over_within_its_budget() {
        let cache = TemplateCache::default();
        for i in 0..20_000 {
            let name = i.to_string();
            cache.put("s", &name, template(&cache, &name));
            assert!(cache.counted() <= BUDGET);
        }
        assert!(cache.map.lock().unwrap().len() < 20_000);
    }
}
