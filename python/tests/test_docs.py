"""The README's and the user guide's Python blocks, run as a reader would
run them: each page's blocks in order, in one namespace, from a fresh folder
holding the shipped data. (The shell blocks run in the Rust suite:
crates/aekit-cli/tests/docs.rs.)"""

import os
import re

import pytest

from conftest import DATA, ROOT

# Pages in the order a reader meets them; later pages may use files the
# earlier ones wrote (the model file page reads the Python page's model).
PAGES = ["README.md", "docs/python.md", "docs/model-file.md"]


def python_blocks(page):
    text = (ROOT / page).read_text()
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)


def test_every_page_with_python_blocks_is_run():
    pages = ["README.md"] + [f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))]
    missing = [p for p in pages if python_blocks(p) and p not in PAGES]
    assert not missing, f"pages whose Python blocks no test runs: {missing}"


def test_the_pages_python_blocks_run(tmp_path, monkeypatch):
    pytest.importorskip("safetensors")
    os.symlink(DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    for page in PAGES:
        blocks = python_blocks(page)
        assert blocks, f"{page} has no Python block"
        namespace = {"__name__": "__docs__"}
        for block in blocks:
            try:
                exec(compile(block, f"{page} (Python block)", "exec"), namespace)
            except Exception as e:  # the page and block, then the error
                pytest.fail(f"{page}: a Python block failed: {e!r}\n{block}")
