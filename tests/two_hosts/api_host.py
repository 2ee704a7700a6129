"""One API "host" for the two-host rehearsal: the production app factory on its own port, its
settings from the environment like any deployment; only the alert clock is pinned to a working
morning (eligibility has service hours, and tests run at any time).

    python -m tests.two_hosts.api_host PORT"""

from __future__ import annotations

import sys

import uvicorn

from api.app import create_app
from tests.case_factory import WORKING_MORNING


def main() -> None:
    port = int(sys.argv[1])
    app = create_app(alert_clock=lambda: WORKING_MORNING)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")


if __name__ == "__main__":
    main()
