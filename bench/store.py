"""Store bytes per case: the Temporal store (its SQLite file, pages in use) and kuaichu's database
(SQLite file or PostgreSQL database size), per walked case left open in its review window.
bench/memory.py measures the same open cases and adds the worker's RSS; this is its store part,
with fewer cases by default.

    python bench/store.py [--cases 200] [--db postgresql]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.memory import main_async, parse

if __name__ == "__main__":
    asyncio.run(main_async(parse(cases=200)))
