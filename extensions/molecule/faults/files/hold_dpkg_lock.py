"""Hold dpkg's frontend lock, as apt or unattended-upgrades do while they work.

Usage: hold-dpkg-lock SECONDS [PATTERN]

Takes the lock at once and writes its pid to /run/hold-dpkg-lock.pid. Without PATTERN it lets go
after SECONDS. With PATTERN it lets go SECONDS after a process whose command line contains PATTERN
appeared (the module that is waiting for the lock), or after 600 s if none does.
"""

import fcntl
import os
import sys
import time


def started(pattern):
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                if pattern in handle.read(4096):
                    return True
        except OSError:
            continue
    return False


fd = os.open("/var/lib/dpkg/lock-frontend", os.O_RDWR | os.O_CREAT, 0o640)
fcntl.lockf(fd, fcntl.LOCK_EX)
with open("/run/hold-dpkg-lock.pid", "w", encoding="ascii") as handle:
    handle.write("%d\n" % os.getpid())
if len(sys.argv) > 2:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not started(sys.argv[2].encode()):
        time.sleep(0.05)
time.sleep(float(sys.argv[1]))
