//! The README's and the user guide's shell blocks, run as a reader would
//! run them: each page's ```sh blocks in order, in one fresh folder that
//! holds the shipped `data/` and `target/release/aekit`, with `aekit` on
//! the PATH. A command that fails fails the page. A block that cannot run
//! here (a server that runs until stopped, files a reader brings) is
//! preceded by `<!-- docs-check: skip: REASON -->`; every other block runs.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The line that exempts the block after it, with a reason.
const SKIP_MARKER: &str = "<!-- docs-check: skip: ";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One ```sh block of a page: the line its fence opens on, and its text.
struct Block {
    line: usize,
    text: String,
}

/// The page's shell blocks to run, in order; a skip marker without a
/// reason, or one before anything but a shell block, is an error.
fn shell_blocks(page: &str) -> Vec<Block> {
    let text = std::fs::read_to_string(repo().join(page)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if let Some(rest) = line.strip_prefix(SKIP_MARKER) {
            let reason = rest.trim_end_matches("-->").trim();
            assert!(
                !reason.is_empty(),
                "{page}:{}: a skip needs a reason",
                i + 1
            );
            let next = lines.get(i + 1).map(|l| l.trim_end());
            assert!(
                matches!(next, Some("```sh")),
                "{page}:{}: a skip marker must stand right before a ```sh block",
                i + 1
            );
            i += 2;
            while i < lines.len() && lines[i].trim_end() != "```" {
                i += 1;
            }
        } else if line == "```sh" {
            let open = i + 1;
            let mut body = String::new();
            i += 1;
            while i < lines.len() && lines[i].trim_end() != "```" {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            blocks.push(Block {
                line: open,
                text: body,
            });
        }
        i += 1;
    }
    blocks
}

/// Runs every shell block of `page` in one fresh folder, in order.
fn run_page(page: &str) {
    let blocks = shell_blocks(page);
    assert!(!blocks.is_empty(), "{page} has no shell block to run");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(repo().join("data"), root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("target/release")).unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_aekit"));
    std::os::unix::fs::symlink(&binary, root.join("target/release/aekit")).unwrap();
    std::fs::create_dir(root.join("bin")).unwrap();
    std::os::unix::fs::symlink(&binary, root.join("bin/aekit")).unwrap();
    let path = format!(
        "{}:{}",
        root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for block in blocks {
        // No pipefail: `sort ... | head -3` (a reader's idiom) may end
        // sort by SIGPIPE, which a shell does not count as failing.
        let script = format!("set -eu\naekit=target/release/aekit\n{}", block.text);
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(root)
            .env("PATH", &path)
            .env("RAYON_NUM_THREADS", "2")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{page}, the block at line {}, failed:\n{}\nstdout: {}\nstderr: {}",
            block.line,
            block.text,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The pages whose shell blocks run; every other page's must all be skipped.
const RUN_PAGES: [&str; 5] = [
    "README.md",
    "docs/tabular.md",
    "docs/anomaly.md",
    "docs/images.md",
    "docs/text.md",
];

#[test]
fn readme() {
    run_page(RUN_PAGES[0]);
}

#[test]
fn tabular_guide() {
    run_page(RUN_PAGES[1]);
}

#[test]
fn anomaly_guide() {
    run_page(RUN_PAGES[2]);
}

#[test]
fn images_guide() {
    run_page(RUN_PAGES[3]);
}

#[test]
fn text_guide() {
    run_page(RUN_PAGES[4]);
}

#[test]
fn every_shell_block_of_every_page_runs_or_says_why_not() {
    let mut pages = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    for page in pages {
        if !RUN_PAGES.contains(&page.as_str()) {
            let blocks = shell_blocks(&page);
            assert!(
                blocks.is_empty(),
                "{page}: the block at line {} runs in no test: add the page to RUN_PAGES or mark the block skipped",
                blocks[0].line
            );
        }
    }
}

#[test]
fn every_relative_link_of_every_page_names_a_file_that_exists() {
    let mut pages = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for target in text
            .split("](")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
        {
            let file = target.split('#').next().unwrap_or("");
            if file.is_empty() || file.contains("://") {
                continue;
            }
            let resolved = page.parent().unwrap().join(file);
            assert!(
                resolved.exists(),
                "{}: the link to {target} names no file",
                page.display()
            );
        }
    }
}

#[test]
fn every_command_help_names_its_guide_page() {
    let binary = env!("CARGO_BIN_EXE_aekit");
    for (command, page) in [
        (&[][..], "docs/README.md"),
        (&["train"][..], "docs/tabular.md"),
        (&["detect"], "docs/anomaly.md"),
        (&["score"], "docs/anomaly.md"),
        (&["denoise"], "docs/images.md"),
        (&["serve"], "docs/serving.md"),
        (&["text", "train"], "docs/text.md"),
        (&["plot"], "docs/tabular.md"),
    ] {
        let out = Command::new(binary)
            .args(command)
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains(page),
            "aekit {command:?} --help lacks {page}: {help}"
        );
        assert!(repo().join(page).exists(), "{page}");
    }
}
