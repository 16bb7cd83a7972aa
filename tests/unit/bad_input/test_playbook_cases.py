"""Bad role variables and module options through a real ansible-playbook run (playbook_cases.py).

One ``ansible-playbook --check`` run against localhost checks every case: each is a block whose
rescue keeps the error, so the run costs one start of Ansible. Each case must fail with its one
clear error and no raw exception; the run as a whole must change nothing and write nothing. Runs
with the ansible-playbook next to the Python running the tests (ansible-core 2.19, or 2.16 under
``make units-core216``).
"""

import json
import os
import subprocess
import sys

import pytest

from .playbook_cases import MODULE_CASES, ROLE_CASES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CASES = ROLE_CASES + MODULE_CASES
RAW = ("Traceback", "KeyError", "TypeError", "AttributeError", "IndexError", "RecursionError")


def _case_task(index, task):
    keep = "{{ bad_input_errors + [{'case': %d, 'error': %s}] }}"
    error = "ansible_failed_result.argument_errors | default([ansible_failed_result.msg]) | join('; ')"
    return {
        "name": f"case {index}",
        "block": [task, {"ansible.builtin.set_fact": {"bad_input_errors": keep % (index, "'accepted'")}}],
        "rescue": [{"ansible.builtin.set_fact": {"bad_input_errors": keep % (index, error)}}],
    }


def _playbook():
    tasks = [
        _case_task(index, {"ansible.builtin.include_role": {"name": role}, "vars": variables})
        for index, (_case, role, variables, _expected) in enumerate(ROLE_CASES)
    ]
    tasks += [
        _case_task(len(ROLE_CASES) + index, {module: options})
        for index, (_case, module, options, _expected) in enumerate(MODULE_CASES)
    ]
    tasks.append({"name": "bad input errors", "ansible.builtin.debug": {"msg": "{{ bad_input_errors }}"}})
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "connection": "local",
        "vars": {"bad_input_errors": [], "ansible_python_interpreter": sys.executable},
        "tasks": tasks,
    }
    return [play]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The run's errors by case id, its recap line and what is left in its working folder."""
    folder = tmp_path_factory.mktemp("playbook")
    (folder / "play.yml").write_text(json.dumps(_playbook()), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("INTUNE_", "AZURE_", "INTERDICT_"))}
    env.update(
        # The report folder the roles fall back to: a case that got through would write there.
        INTERDICT_REPORT_DIR=str(folder / "interdict-report"),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
        ANSIBLE_STDOUT_CALLBACK="default",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run(
        [playbook, "--check", "-i", "localhost,", "play.yml"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    start = out.index("=> ", out.index("TASK [bad input errors]")) + 3
    errors = json.loads(out[start : out.index("\nPLAY RECAP", start)])["msg"]
    recap = out[out.index("PLAY RECAP") :].splitlines()[1]
    return {CASES[item["case"]][0]: item["error"] for item in errors}, recap, sorted(os.listdir(folder))


@pytest.mark.parametrize(("case", "target", "given", "expected"), CASES, ids=[c[0] for c in CASES])
def test_case(run, case, target, given, expected):
    errors, _recap, _left = run
    error = errors[case]
    assert error != "accepted", f"{target} accepted {given!r}"
    assert not any(word in error for word in RAW), error
    if isinstance(expected, tuple):
        # ansible-core's own argument checks: their wording differs between 2.16 and 2.19.
        assert all(part in error for part in expected), error
    else:
        # 2.19 puts "Task failed: ... failed: " in front of an error raised while templating.
        assert error == expected or error.endswith(": " + expected), error


def test_the_run_changed_nothing_and_wrote_nothing(run):
    errors, recap, left = run
    assert len(errors) == len(CASES)
    assert " changed=0 " in recap and " failed=0 " in recap, recap
    assert left == ["play.yml"], left


def test_the_corpus_counts():
    """At least 40 playbook cases; prints the size of the whole bad-input corpus."""
    from .calls import CALLS, SAFE_CALLS
    from .cases import BAN_CASES, RESULT_CASES, SAFE_BAN_CASES, SPECIAL_CASES

    ids = [c[0] for c in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    total = len(BAN_CASES + SAFE_BAN_CASES + SPECIAL_CASES + CALLS + SAFE_CALLS + RESULT_CASES) + len(CASES)
    print(f"\nbad-input corpus: {total} cases ({len(ROLE_CASES)} role variables, {len(MODULE_CASES)} module options)")
