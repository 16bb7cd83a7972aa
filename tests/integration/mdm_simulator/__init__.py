# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated Microsoft Intune tenant on loopback, for tests, benchmarks and the demo.

No real Intune tenant is reachable from the test machines; this package stands
in for Microsoft Graph with the documented request and response shapes.
"""

from .fleet import Fleet
from .server import Simulator

__all__ = ["Fleet", "Simulator"]
