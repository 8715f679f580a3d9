//! The README's first ten minutes, run as written: a fresh zero-config
//! emulator of its own (port and folder); its banner held to the one the
//! README shows; the banner's `try` command run as printed; then, in another
//! folder, the banner's `export` line and every `bash` block between
//! `<!-- readme-test: begin -->` and `<!-- readme-test: end -->`, in order, in
//! one bash. A block's output must be the ```text or ```json block right
//! after it (ids, keys, ports, times and the data folder aside), and a block
//! shown with no output must print nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use regex::Regex;

use crate::process::{finish, start, terminate};

const BEGIN: &str = "<!-- readme-test: begin -->";
const END: &str = "<!-- readme-test: end -->";
const BANNER: &str = "<!-- readme-test: banner -->";

/// A fenced block: its info string, its text, and whether only blank lines
/// stand between it and the block before.
#[derive(Debug)]
struct Block {
    lang: String,
    text: String,
    line: usize,
    follows_directly: bool,
}

fn blocks(markdown: &str, first_line: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    let mut prose = String::new();
    for (n, line) in markdown.lines().enumerate() {
        match &mut open {
            Some(_) if line.trim_end() == "```" => {
                out.push(open.take().unwrap());
                prose.clear();
            }
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            None => match line.strip_prefix("```") {
                Some(lang) => {
                    open = Some(Block {
                        lang: lang.trim().to_string(),
                        text: String::new(),
                        line: first_line + n,
                        follows_directly: !out.is_empty() && prose.trim().is_empty(),
                    })
                }
                None => {
                    prose.push_str(line);
                    prose.push('\n');
                }
            },
        }
    }
    assert!(open.is_none(), "a block is left open in the README");
    out
}

/// What may differ from run to run, made the same.
fn normalize(text: &str) -> String {
    let rules = [
        (
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "<guid>",
        ),
        (r"\b[0-9a-f]{48}\b", "<key>"),
        (r"\b[0-9a-f]{64}\b", "<token>"),
        (r"(127\.0\.0\.1|localhost):[0-9]+", "$1:<port>"),
        (
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z",
            "<time>",
        ),
        (
            r"/[^\s]*/checkout-templates\.db",
            "<dir>/checkout-templates.db",
        ),
    ];
    let mut text = text.to_string();
    for (pattern, with) in rules {
        text = Regex::new(pattern)
            .unwrap()
            .replace_all(&text, with)
            .into_owned();
    }
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Runs `script` in bash in `dir`, 90 s at most, with an environment of its
/// own (no ~/.curlrc, no variables from the test's shell).
fn bash(script: &str, dir: &Path) -> (bool, String, String) {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null());
    let done = finish(cmd, Duration::from_secs(90));
    (done.status.success(), done.stdout, done.stderr)
}

fn tools_present() {
    for tool in ["bash", "curl", "jq"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "the README's blocks use {tool}: install it (apt-get install -y curl jq)"
        );
    }
}

#[test]
fn the_readme_runs_as_written() {
    tools_present();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let line_of = |at: usize| readme[..at].lines().count() + 1;
    let begin = readme
        .find(BEGIN)
        .expect("the README marks where its test begins");
    let end = readme
        .find(END)
        .expect("the README marks where its test ends");
    let banner_at = readme.find(BANNER).expect("the README marks its banner");
    let shown_banner = &blocks(&readme[banner_at..begin], line_of(banner_at))[0];
    let region = &readme[begin + BEGIN.len()..end];
    let blocks = blocks(region, line_of(begin));
    for block in &blocks {
        assert!(
            !["sh", "shell", "console", ""].contains(&block.lang.as_str()),
            "README line {}: label shell blocks `bash`, outputs `text` or `json` (got {:?})",
            block.line,
            block.lang
        );
    }
    // Each bash block and the output shown for it, if any.
    let mut steps: Vec<(&Block, Option<&Block>)> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.lang != "bash" {
            continue;
        }
        let output = blocks
            .get(i + 1)
            .filter(|next| next.follows_directly && ["text", "json"].contains(&next.lang.as_str()));
        steps.push((block, output));
    }
    assert!(
        steps.len() >= 8,
        "the README's blocks were found: {steps:?}"
    );

    // The emulator, started as the README says, in a folder of its own.
    let id = uuid::Uuid::new_v4().simple().to_string();
    let server_dir = std::env::temp_dir().join(format!("ct-readme-server-{id}"));
    let user_dir = std::env::temp_dir().join(format!("ct-readme-user-{id}"));
    std::fs::create_dir_all(&server_dir).unwrap();
    std::fs::create_dir_all(&user_dir).unwrap();
    let running = start(&server_dir, None, &[]);
    assert_eq!(
        normalize(&running.banner),
        normalize(&shown_banner.text),
        "the banner is the one the README shows (line {}); it printed:\n{}",
        shown_banner.line,
        running.banner
    );
    let banner_line = |label: &str| -> String {
        running
            .banner
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .unwrap_or_else(|| panic!("the banner has a {label:?} line"))
            .trim()
            .to_string()
    };

    let (ok, tried, errors) = bash(&banner_line("try"), &user_dir);
    assert!(ok && errors.is_empty(), "the try line: {tried}{errors}");
    let tried: serde_json::Value = serde_json::from_str(&tried).expect("the try line answers JSON");
    assert_eq!(tried["checkoutTemplates"], serde_json::json!([]), "{tried}");

    let mut script = format!("set -euo pipefail\nexport {}\n", banner_line("export"));
    for (n, (block, _)) in steps.iter().enumerate() {
        script.push_str(&format!("printf '\\n@@ block {n} @@\\n'\n{}", block.text));
    }
    script.push_str("printf '\\n@@ end @@\\n'\n");
    let (ok, out, errors) = bash(&script, &user_dir);
    assert!(terminate(running).success());

    let mut outputs = Vec::new();
    let mut rest = out.as_str();
    for n in 0..steps.len() {
        let marker = format!("@@ block {n} @@\n");
        let Some(at) = rest.find(&marker) else { break };
        rest = &rest[at + marker.len()..];
        let stop = rest
            .find(&format!("\n@@ block {} @@\n", n + 1))
            .or_else(|| rest.find("\n@@ end @@\n"))
            .unwrap_or(rest.len());
        outputs.push(rest[..stop].to_string());
    }
    let ran = outputs.len();
    let mut wrong = Vec::new();
    for (n, ((block, shown), actual)) in steps.iter().zip(&outputs).enumerate() {
        let expected = shown.map(|b| b.text.as_str()).unwrap_or("");
        if normalize(expected) != normalize(actual) {
            wrong.push(format!(
                "block {n} (README line {}) prints, as the README should show it{}:\n{actual}\n",
                block.line,
                if shown.is_none() {
                    " in a ```text block after it"
                } else {
                    ""
                },
            ));
        }
    }
    assert!(
        ok && ran == steps.len() && out.ends_with("@@ end @@\n"),
        "the README's blocks stopped in block {} (README line {}): {errors}\n{}",
        ran.saturating_sub(1),
        steps[ran.saturating_sub(1)].0.line,
        wrong.join("\n")
    );
    assert!(errors.is_empty(), "the blocks wrote to stderr: {errors}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let _ = std::fs::remove_dir_all(&server_dir);
    let _ = std::fs::remove_dir_all(&user_dir);
}

#[test]
fn outputs_are_compared_without_what_changes_between_runs() {
    assert_eq!(
        normalize(
            "302 http://127.0.0.1:40123/_emulator/sites/3b0a4c5e-8f0e-4d47-9a53-0f0c9ab1d2e7  \n\n"
        ),
        "302 http://127.0.0.1:<port>/_emulator/sites/<guid>"
    );
    assert_eq!(
        normalize("  database   /tmp/ct-1/checkout-templates.db   (SQLite"),
        "database   <dir>/checkout-templates.db   (SQLite"
    );
    let found = blocks(
        "a\n```bash\necho\n```\n\n```text\nhi\n```\nprose\n```json\n{}\n```\n",
        1,
    );
    let shape: Vec<_> = found
        .iter()
        .map(|b| (b.lang.as_str(), b.follows_directly))
        .collect();
    assert_eq!(shape, [("bash", false), ("text", true), ("json", false)]);
}
