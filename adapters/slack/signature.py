"""HTTP events mode: every request's Slack signature is checked here, before slack-bolt parses
or logs anything of it. A refused request is counted (jointops_requests_refused_total) and
reported at most once a minute, as one line that carries nothing of the request: no body,
no token, no header value, so a body can neither flood the log nor forge a line in it."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping

from slack_sdk.signature import SignatureVerifier

from bot.metrics import Metrics

log = logging.getLogger(__name__)
PLATFORM = "slack"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
MAX_AGE = 5 * 60  # seconds: Slack's replay window, as slack_sdk's verifier applies it
REPORT_INTERVAL = 60.0  # seconds between two log lines about refused requests
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureGate:
    """Admits a request only with a valid, fresh Slack signature."""

    def __init__(
        self,
        signing_secret: str,
        metrics: Metrics,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._metrics = metrics
        self._clock = clock
        self._monotonic = monotonic
        self._unreported: Counter[str] = Counter()
        self._reported_at: float | None = None

    def admits(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether the request is signed by Slack within the last five minutes."""
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not (timestamp and signature):
            self._refuse("unsigned")
            return False
        if not _TIMESTAMP.fullmatch(timestamp) or abs(self._clock() - int(timestamp)) > MAX_AGE:
            self._refuse("stale")
            return False
        try:
            valid = self._verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a body that is not UTF-8 cannot carry a Slack signature
            valid = False
        if not valid:
            self._refuse("signature")
        return valid

    def _refuse(self, reason: str) -> None:
        self._metrics.refuse(PLATFORM, reason)
        self._unreported[reason] += 1
        now = self._monotonic()
        if self._reported_at is not None and now - self._reported_at < REPORT_INTERVAL:
            return
        detail = ", ".join(f"{n} {_REASONS[r]}" for r, n in sorted(self._unreported.items()))
        since = "" if self._reported_at is None else f" in the last {now - self._reported_at:.0f} s"
        total = sum(self._unreported.values())
        log.warning("Slack HTTP events: refused %d request(s)%s (%s)", total, since, detail)
        self._unreported.clear()
        self._reported_at = now


_REASONS = {
    "unsigned": "unsigned",
    "signature": "bad signature",
    "stale": "timestamp malformed or more than 5 minutes off",
}
