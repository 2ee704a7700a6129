"""An API process logging as in production: uvicorn with deploy/logging-api.json (JSON lines on
stderr); only the alert clock is pinned to a working morning (service hours).

    python -m tests.ops.json_api_host PORT"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from api.app import create_app
from tests.case_factory import WORKING_MORNING

LOG_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "logging-api.json"


def main() -> None:
    app = create_app(alert_clock=lambda: WORKING_MORNING)
    uvicorn.run(
        app, host="127.0.0.1", port=int(sys.argv[1]), log_config=str(LOG_CONFIG), ws="websockets-sansio"
    )


if __name__ == "__main__":
    main()
