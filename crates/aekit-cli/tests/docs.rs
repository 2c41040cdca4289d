//! The README's and the user guide's shell blocks, run as a reader would
//! run them: each page's ```sh blocks in order, in one fresh folder that
//! holds the shipped `data/` and `target/release/aekit`, with `aekit` on
//! the PATH. A command that fails fails the page. A block that cannot run
//! here (a server that runs until stopped, files a reader brings) is
//! preceded by `<!-- docs-check: skip: REASON -->`; every other block runs.
//!
//! Every command runs under a 2 GiB address-space limit (`prlimit --as`),
//! so a default path that needs more memory fails here.
//!
//! What a page shows a command printing is never typed by hand: a ```text
//! block preceded by `<!-- docs-check: output -->`, right after a shell
//! block, must equal what that block prints (standard output and error,
//! in order), less the per-epoch progress lines (`epoch 3/100 ...`), which
//! carry wall-clock times. `AEKIT_DOCS_UPDATE=1 cargo test --release --locked --test
//! docs` writes the printed text into the pages instead of comparing, so
//! a changed figure is regenerated, and a stale one fails the tests.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The line that exempts the block after it, with a reason.
const SKIP_MARKER: &str = "<!-- docs-check: skip: ";

/// The line that makes the ```text block after it the printed output of
/// the shell block before it.
const OUTPUT_MARKER: &str = "<!-- docs-check: output -->";

/// Set to 1 to write what the blocks print into the pages.
const UPDATE_VARIABLE: &str = "AEKIT_DOCS_UPDATE";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One ```sh block of a page: the line its fence opens on, its text, and
/// the output block that shows what it prints, if the page has one.
struct Block {
    line: usize,
    text: String,
    output: Option<OutputBlock>,
}

/// A ```text block holding a shell block's printed output: the 0-based
/// indices of its first content line and of its closing fence, and its text.
struct OutputBlock {
    first: usize,
    fence: usize,
    text: String,
}

/// The ```text block that an output marker at `lines[marker]` introduces.
fn output_block(page: &str, lines: &[&str], marker: usize) -> OutputBlock {
    assert!(
        matches!(lines.get(marker + 1).map(|l| l.trim_end()), Some("```text")),
        "{page}:{}: an output marker must stand right before a ```text block",
        marker + 1
    );
    let first = marker + 2;
    let mut fence = first;
    let mut text = String::new();
    while fence < lines.len() && lines[fence].trim_end() != "```" {
        text.push_str(lines[fence]);
        text.push('\n');
        fence += 1;
    }
    assert!(fence < lines.len(), "{page}:{}: unclosed block", marker + 2);
    OutputBlock { first, fence, text }
}

/// The page's shell blocks to run, in order; a skip marker without a
/// reason, or one before anything but a shell block, is an error, and so
/// is an output marker anywhere but after a shell block that runs.
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
            // An output marker may follow the fence after blank lines.
            let mut next = i + 1;
            while next < lines.len() && lines[next].trim().is_empty() {
                next += 1;
            }
            let output = (lines.get(next).map(|l| l.trim_end()) == Some(OUTPUT_MARKER))
                .then(|| output_block(page, &lines, next));
            if let Some(output) = &output {
                i = output.fence;
            }
            blocks.push(Block {
                line: open,
                text: body,
                output,
            });
        } else if line == OUTPUT_MARKER {
            panic!(
                "{page}:{}: an output marker must follow a shell block that runs",
                i + 1
            );
        }
        i += 1;
    }
    blocks
}

/// The most address space a documented command may take: every default
/// path must run in it, so no command of the guide needs a large machine.
const MEMORY_LIMIT_BYTES: u64 = 2 << 30;

/// The `aekit` the pages run: the built binary under `prlimit --as` of
/// [`MEMORY_LIMIT_BYTES`] (util-linux; the binary itself where prlimit is
/// missing). `exec` keeps the process id, so `kill %1` reaches aekit.
fn bounded_binary(root: &Path) -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_aekit"));
    let has_prlimit = Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !has_prlimit {
        return binary;
    }
    let wrapper = root.join("aekit-bounded");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec prlimit --as={MEMORY_LIMIT_BYTES} -- '{}' \"$@\"\n",
            binary.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    wrapper
}

/// Runs every shell block of `page` in one fresh folder, in order.
fn run_page(page: &str) {
    let blocks = shell_blocks(page);
    assert!(!blocks.is_empty(), "{page} has no shell block to run");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(repo().join("data"), root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("target/release")).unwrap();
    let binary = bounded_binary(root);
    std::os::unix::fs::symlink(&binary, root.join("target/release/aekit")).unwrap();
    std::fs::create_dir(root.join("bin")).unwrap();
    std::os::unix::fs::symlink(&binary, root.join("bin/aekit")).unwrap();
    let path = format!(
        "{}:{}",
        root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let update = std::env::var(UPDATE_VARIABLE).is_ok_and(|v| v == "1");
    let mut rewrites = Vec::new();
    for block in blocks {
        // No pipefail: `sort ... | head -3` (a reader's idiom) may end
        // sort by SIGPIPE, which a shell does not count as failing. Error
        // and output share one pipe so the page shows them in order.
        let script = format!(
            "set -eu\nexec 2>&1\naekit=target/release/aekit\n{}",
            block.text
        );
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
            "{page}, the block at line {}, failed:\n{}\noutput: {}",
            block.line,
            block.text,
            String::from_utf8_lossy(&out.stdout),
        );
        let Some(shown) = block.output else {
            continue;
        };
        let printed = shown_output(&String::from_utf8_lossy(&out.stdout), root);
        if printed == shown.text {
            continue;
        }
        assert!(
            update,
            "{page}, the output shown at line {} is not what the block at line {} prints \
             (rewrite it with {UPDATE_VARIABLE}=1 cargo test --release --locked --test docs):\n\
             shown:\n{}\nprinted:\n{printed}",
            shown.first + 1,
            block.line,
            shown.text
        );
        rewrites.push((shown, printed));
    }
    if !rewrites.is_empty() {
        rewrite_outputs(page, rewrites);
    }
}

/// What a page shows of a block's printed text: every line but the
/// per-epoch progress, with the run's folder (new each run) read as `.`.
fn shown_output(printed: &str, root: &Path) -> String {
    let root = root.to_string_lossy();
    let mut shown = String::new();
    for line in printed.lines().filter(|line| !line.starts_with("epoch ")) {
        shown.push_str(&line.replace(&*root, "."));
        shown.push('\n');
    }
    shown
}

/// Replaces output blocks of `page` by what their shell blocks printed.
fn rewrite_outputs(page: &str, rewrites: Vec<(OutputBlock, String)>) {
    let path = repo().join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut next = 0;
    for (shown, printed) in &rewrites {
        for line in &lines[next..shown.first] {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(printed);
        if !printed.is_empty() && !printed.ends_with('\n') {
            out.push('\n');
        }
        next = shown.fence;
    }
    for line in &lines[next..] {
        out.push_str(line);
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
}

/// The pages whose shell blocks run; every other page's must all be skipped.
const RUN_PAGES: [&str; 6] = [
    "README.md",
    "docs/tabular.md",
    "docs/anomaly.md",
    "docs/images.md",
    "docs/text.md",
    "docs/serving.md",
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
fn serving_guide() {
    run_page(RUN_PAGES[5]);
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
