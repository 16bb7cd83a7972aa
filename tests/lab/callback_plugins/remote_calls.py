# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count, per host, the modules executed on the target and the commands sent to it.

Enabled by the benchmarks (tests/bench/bench_remote_calls.py) with
ANSIBLE_CALLBACK_PLUGINS=tests/lab/callback_plugins, ANSIBLE_CALLBACKS_ENABLED=remote_calls
and INTERDICT_REMOTE_CALLS_LOG=<file>. Tasks run in forked workers, so counts
cannot live in this process: every module execution and every low-level
command on a non-local connection appends one line to the log file
("module<TAB>host<TAB>name" or "command<TAB>host<TAB>-"). Work delegated to the
controller (local connection) is not remote and is not counted.
"""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: remote_calls
type: aggregate
short_description: Count module executions and commands per target host (benchmarks)
description:
  - Appends one line per module execution and per low-level command on a remote connection to the file named
    by the environment variable E(INTERDICT_REMOTE_CALLS_LOG).
requirements:
  - enable in ansible.cfg or with ANSIBLE_CALLBACKS_ENABLED
"""

LOG_ENV = "INTERDICT_REMOTE_CALLS_LOG"
_original_execute_module = ActionBase._execute_module
_original_low_level = ActionBase._low_level_execute_command


def _remote_host(action, task_vars=None):
    """The inventory host a remote call goes to, or None when the connection is the controller itself."""
    connection = getattr(action, "_connection", None)
    if connection is None or getattr(connection, "transport", "") in ("local", "ansible.builtin.local"):
        return None
    task_vars = task_vars or getattr(action, "_task_vars_for_count", None) or {}
    return task_vars.get("inventory_hostname") or getattr(action._play_context, "remote_addr", None) or "?"


def _record(kind, host, name):
    path = os.environ.get(LOG_ENV)
    if not path or host is None:
        return
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{kind}\t{host}\t{name}\n")


def _counting_execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None, *args, **kwargs):
    self._task_vars_for_count = task_vars
    _record("module", _remote_host(self, task_vars), module_name or self._task.action)
    return _original_execute_module(self, module_name, module_args, tmp, task_vars, *args, **kwargs)


def _counting_low_level(self, *args, **kwargs):
    _record("command", _remote_host(self), "-")
    return _original_low_level(self, *args, **kwargs)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "remote_calls"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Patched before the workers fork, so every worker counts.
        ActionBase._execute_module = _counting_execute_module
        ActionBase._low_level_execute_command = _counting_low_level


def read_counts(path):
    """{host: {"modules": n, "commands": n, "by_module": {name: n}}} from a log file."""
    counts = {}
    if not os.path.exists(path):
        return counts
    with open(path, encoding="utf-8") as log:
        for line in log:
            kind, host, name = line.rstrip("\n").split("\t")
            entry = counts.setdefault(host, {"modules": 0, "commands": 0, "by_module": {}})
            if kind == "module":
                entry["modules"] += 1
                entry["by_module"][name] = entry["by_module"].get(name, 0) + 1
            else:
                entry["commands"] += 1
    return counts
