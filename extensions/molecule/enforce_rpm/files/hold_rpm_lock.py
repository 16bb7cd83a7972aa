"""Hold rpm's transaction lock, as a long rpm or dnf transaction does.

Usage: hold-rpm-lock SECONDS

Takes /var/lib/rpm/.rpm.lock at once (rpm takes it with fcntl, as this does), writes its pid to
/run/hold-rpm-lock.pid and lets go after SECONDS.
"""

import fcntl
import os
import sys
import time

fd = os.open("/var/lib/rpm/.rpm.lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX)
with open("/run/hold-rpm-lock.pid", "w", encoding="ascii") as handle:
    handle.write("%d\n" % os.getpid())
time.sleep(float(sys.argv[1]))
