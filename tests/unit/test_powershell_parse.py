"""Every PowerShell file of the collection parses (tree-sitter-powershell); a syntax error fails the test."""

from __future__ import annotations

import os

import pytest

tree_sitter = pytest.importorskip("tree_sitter")
tree_sitter_powershell = pytest.importorskip("tree_sitter_powershell")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Not the project's files: virtualenvs (.venv, .venv-core216, .venv-importer), links, builds and caches.
SKIP_DIRS = {".collections", ".build", ".git", ".cache", "lab", "report"}


def powershell_files():
    found = []
    for directory, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".venv")]
        found.extend(os.path.join(directory, name) for name in files if name.endswith((".ps1", ".psm1")))
    return sorted(found)


def syntax_errors(source):
    """(line, column, text) of every ERROR or missing node in the parse tree."""
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    tree = parser.parse(source)
    errors, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            row, column = node.start_point
            errors.append((row + 1, column + 1, source[node.start_byte : node.end_byte][:60].decode(errors="replace")))
        elif node.has_error:
            stack.extend(node.children)
    return sorted(errors)


def test_the_collection_has_powershell_files():
    names = {os.path.basename(path) for path in powershell_files()}
    assert {"win_software_facts.ps1", "win_software_apply.ps1"} <= names


@pytest.mark.parametrize("path", powershell_files(), ids=lambda p: os.path.relpath(p, ROOT))
def test_powershell_file_parses(path):
    with open(path, "rb") as handle:
        errors = syntax_errors(handle.read())
    assert not errors, f"{os.path.relpath(path, ROOT)}: syntax errors at " + "; ".join(
        f"line {line} col {col}: {text!r}" for line, col, text in errors
    )


@pytest.mark.parametrize(
    "broken",
    [
        b"function Get-Thing {\n    if ($a) { 'x'\n}\n",  # unclosed block
        b"$spec = @{ options = @{ steps = @{ type = 'list' }\n",  # unclosed hashtable
        b"$x = @(1, 2\nWrite-Output $x\n",  # unclosed array
    ],
)
def test_a_syntax_error_is_detected(broken):
    assert syntax_errors(broken)


def test_valid_sample_has_no_error():
    assert not syntax_errors(b"$a = @{ b = 1 }\nforeach ($k in $a.Keys) { Write-Output $k }\n")
