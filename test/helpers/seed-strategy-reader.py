# Seed 000's runtime check, as the seed prints it (CircuitBreaker._load and check, unchanged but
# for the state path): what a seed bot on a fleet host answers from Warden's mirror file.
# Usage: python3 seed-strategy-reader.py STATE_FILE SPORT...  → prints [[allow, reason], ...] as JSON,
# one pair per SPORT, from one CircuitBreaker (as a seed bot asks it sport after sport).
import json, sys, time
from pathlib import Path
from typing import Tuple

STALE_AFTER_SECONDS = 60 * 60 * 30   # 30h: cron runs daily, allow some slack


class CircuitBreaker:
    """Reads JSON state, returns allow/deny per sport. Fail-open."""

    def __init__(self, state_path: Path):
        self.state_path = state_path
        self._cache = None
        self._cache_mtime = 0.0

    def _load(self) -> dict:
        try:
            mtime = self.state_path.stat().st_mtime
            if self._cache is not None and mtime == self._cache_mtime:
                return self._cache
            with self.state_path.open() as f:
                state = json.load(f)
            self._cache, self._cache_mtime = state, mtime
            return state
        except (FileNotFoundError, json.JSONDecodeError, OSError):
            return {}

    def check(self, sport: str) -> Tuple[bool, str]:
        """Return (allow, reason). Fail open on any error."""
        try:
            state = self._load()
            if not state:
                return True, "state_missing_fail_open"

            # Stale state == fail open: cron probably broke
            as_of = state.get("as_of_unix", 0)
            if time.time() - as_of > STALE_AFTER_SECONDS:
                return True, "state_stale_fail_open"

            sport_state = state.get("sports", {}).get(sport)
            if sport_state is None:
                return True, "sport_unknown_fail_open"

            status = sport_state.get("status", "active")
            if status == "blocked":
                return False, f"circuit_breaker_blocked"
            return True, status
        except Exception:
            return True, "exception_fail_open"


breaker = CircuitBreaker(Path(sys.argv[1]))
print(json.dumps([list(breaker.check(sport)) for sport in sys.argv[2:]]))
