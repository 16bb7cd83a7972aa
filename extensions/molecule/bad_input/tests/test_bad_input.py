# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A malformed ban file fails the play with a clear message and removes nothing."""

import os
import re
import subprocess
from pathlib import Path

import labcheck
import pytest

testinfra_hosts = labcheck.podman_hosts()
SCENARIO = Path(__file__).resolve().parents[1]
BANS = SCENARIO / "bans"

# file -> what the one error message must say: the file, the ban, the field and what is wrong.
CASES = {
    "invalid_regex.yml": ["invalid_regex.yml", "ban 'deepseek'", "platforms.linux.names[0].pattern", "invalid regular"],
    "too_broad.yml": [
        "too_broad.yml",
        "ban 'everything'",
        "platforms.linux.names[0].pattern",
        "matches the empty string",
    ],
    "missing_field.yml": ["missing_field.yml", "ban 'deepseek'", "missing required field 'authorities'"],
    "duplicate": ["duplicate/deepseek.yml: ban 'deepseek': id: already defined in", "duplicate/deepseek-copy.yml"],
    # Written by the test (a broken YAML file in the repository would break its linters).
    "not_yaml.yml": ["not_yaml.yml", "not valid YAML"],
    "alias_bomb.yml": ["alias_bomb.yml", "not valid YAML: anchors and aliases are not allowed"],
    "fifo.yml": ["fifo.yml", "not a ban file: a FIFO, not a regular file"],
}
WRITTEN_BY_THE_TEST = {"not_yaml.yml", "alias_bomb.yml", "fifo.yml"}
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
NOT_YAML = "id: deepseek\ntitle: DeepSeek\nplatforms: {linux: {identifiers: [{value: deepseek, source: name}\n"


@pytest.fixture
def bad_ban_path(tmp_path):
    def resolve(name):
        path = tmp_path / name
        if name == "not_yaml.yml":
            path.write_text(NOT_YAML, encoding="utf-8")
            return path
        if name == "alias_bomb.yml":
            path.write_text(ALIAS_BOMB, encoding="utf-8")
            return path
        if name == "fifo.yml":
            os.mkfifo(path)  # opening it to read would block for ever
            return path
        return BANS / name

    return resolve


def run_converge(bad_ban):
    inventory = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    return subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(SCENARIO / "converge.yml"), "-e", f"lab_bad_ban={bad_ban}"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
    )


def test_every_bad_file_has_a_case():
    assert sorted(path.name for path in BANS.iterdir()) == sorted(set(CASES) - WRITTEN_BY_THE_TEST)


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_ban_file_fails_the_play_and_removes_nothing(host, bad_ban_path, name):
    result = run_converge(bad_ban_path(name))
    output = re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr))
    assert result.returncode == 2, output[-2000:]
    for fragment in CASES[name]:
        assert fragment in output, (fragment, output[-2000:])
    # Failed at loading the bans: no inventory, no plan, no change.
    assert "interdict.bans.software_apply" not in output
    labcheck.assert_untouched(host)
    results = labcheck.host_results(labcheck.hostname(host)) if (labcheck.report_dir() / "hosts").is_dir() else {}
    assert all(r["status"] not in ("compliant", "remediated") for r in results.values()), results
