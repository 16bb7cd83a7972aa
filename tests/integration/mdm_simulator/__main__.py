# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the simulated Intune tenant: python -m tests.integration.mdm_simulator --devices 1000 --port 8910"""

from __future__ import annotations

import argparse
import json
import sys
import threading

from .server import Simulator


def main(argv=None):
    parser = argparse.ArgumentParser(description="Simulated Microsoft Intune tenant (Graph API) on 127.0.0.1.")
    parser.add_argument("--devices", type=int, default=1000, help="fleet size")
    parser.add_argument("--seed", type=int, default=42, help="fleet seed (same seed, same tenant)")
    parser.add_argument("--infected-rate", type=float, default=0.02, help="share of devices carrying banned apps")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--rate-429-no-header", type=float, default=0.0)
    parser.add_argument("--rate-5xx", type=float, default=0.0)
    parser.add_argument("--rate-reset", type=float, default=0.0)
    parser.add_argument("--token-ttl", type=float, default=None, help="seconds a token really lives")
    parser.add_argument("--ignore-filter", action="store_true", help="answer as if $filter were not supported")
    parser.add_argument("--client-secret", default=None, help="the secret clients must present (random if unset)")
    parser.add_argument("--env-file", default=None, help="write INTUNE_* variables for the clients here")
    parser.add_argument(
        "--tenant-apps",
        type=int,
        default=0,
        help="more distinct apps in detectedApps (each in several versions on every platform), as a real tenant has",
    )
    args = parser.parse_args(argv)
    sim = Simulator(
        devices=args.devices,
        seed=args.seed,
        infected_rate=args.infected_rate,
        tenant_apps=args.tenant_apps,
        page_size=args.page_size,
        client_secret=args.client_secret,
        faults={
            "latency_ms": args.latency_ms,
            "rate_429": args.rate_429,
            "rate_429_no_header": args.rate_429_no_header,
            "rate_5xx": args.rate_5xx,
            "rate_reset": args.rate_reset,
            "token_ttl": args.token_ttl,
            "ignore_filter": args.ignore_filter,
        },
    ).start(port=args.port)
    settings = sim.client_env()
    if args.env_file:
        with open(args.env_file, "w", encoding="utf-8") as handle:
            handle.writelines(f"export {key}={value}\n" for key, value in settings.items())
    # The secret goes to the env file only; stdout says where the tenant is.
    print(json.dumps({"url": sim.url, "devices": args.devices, "tenant_id": sim.tenant_id}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
