"""``jotunheim simulator --port N [--host 127.0.0.1]``: the demo fleet over HTTP.

Prints the base URL and the token to use, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys
import threading

from proxmox.simulator.server import SimServer
from proxmox.simulator.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jotunheim simulator", description="Run the Proxmox VE simulator over HTTP."
    )
    parser.add_argument("--port", type=int, default=8006, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--time-scale", type=float, default=1.0, help="task duration factor")
    parser.add_argument("--no-message-field", action="store_true", help="mimic PVE < 8.3")
    parser.add_argument("--verbose", action="store_true", help="log each request line")
    return parser


def main(argv: list[str], *, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for tests)."""
    args = _parser().parse_args(argv)
    sim = Simulator.demo(message_field=not args.no_message_field)
    sim.time_scale = args.time_scale
    server = SimServer(sim.app, args.host, args.port, quiet=not args.verbose).start()
    # The simulator's token is a fixed, public test value: printing it is the point.
    sys.stdout.write(
        f"Proxmox VE simulator on {server.base_url}/api2/json\n"
        f"PROXMOX_URL={server.base_url}\n"
        f"PROXMOX_TOKEN_ID={SIM_TOKEN_ID}\n"
        f"PROXMOX_TOKEN_SECRET={SIM_TOKEN_SECRET}\n"
        f"curl -H 'Authorization: PVEAPIToken={SIM_TOKEN_ID}={SIM_TOKEN_SECRET}' "
        f"{server.base_url}/api2/json/nodes\n"
    )
    sys.stdout.flush()
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
