//! Embeds the migrations: `OUT_DIR/migrations.rs` lists every
//! `migrations/<engine>/*.sql` file, by name and text, in name order (what
//! sqlx's `migrate!` did, without its proc macro and the second build of sqlx
//! and SQLite it needs).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // A new, changed or removed file must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut out = String::new();
    for (name, dir) in [("SQLITE", "sqlite"), ("POSTGRES", "postgres")] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("reading migrations/{dir}: {e}"))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        writeln!(out, "pub(super) const {name}: &[(&str, &str)] = &[").unwrap();
        for path in files {
            let file = path
                .file_name()
                .unwrap()
                .to_str()
                .expect("a UTF-8 file name");
            writeln!(
                out,
                "    ({file:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("migrations.rs");
    std::fs::write(target, out).expect("writing migrations.rs");
}
