"""Logging set-up: plain text, or one JSON object a line for log collectors (TUTOR_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Libraries that log request bodies at INFO (Bolt logs the whole body of a badly signed request, with its
# response_url and verification token): at WARNING unless the operator asks for DEBUG, which is therefore
# not safe for production logs.
CHATTY = ("slack_bolt", "slack_sdk", "adapters.slack.bolt", "discord", "urllib3", "httpx")
MAX_MESSAGE = 2000

# Whatever a message carries, these never reach a log: Slack tokens, response URLs (anyone holding one can
# post to the channel), verification tokens, Discord interaction tokens and webhook URLs.
_SECRETS = [
    (re.compile(r"xox[abeoprs]-[A-Za-z0-9-]+"), "xox?-[redacted]"),
    (re.compile(r"xapp-[A-Za-z0-9-]+"), "xapp-[redacted]"),
    (
        re.compile(r"(response_url|token|interaction_token)(['\"]?\s*[:=]\s*['\"]?)[^'\"&\s,}]+"),
        r"\1\2[redacted]",
    ),
    (re.compile(r"https://hooks\.slack(?:-gov)?\.com/\S+"), "[response_url redacted]"),
    (
        re.compile(r"https://discord(?:app)?\.com/api/(?:v\d+/)?(?:webhooks|interactions)/\S+"),
        "[discord url redacted]",
    ),
]


def redact(message: str) -> str:
    """The message without secrets, cut to MAX_MESSAGE characters."""
    for pattern, replacement in _SECRETS:
        message = pattern.sub(replacement, message)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + f"... [{len(message) - MAX_MESSAGE:,} more characters]"
    return message


class RedactingFilter(logging.Filter):
    """Rewrites each record's message through `redact` before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is still logged, as its raw format string
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "WARNING", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = logging.DEBUG if logging.getLevelName(level) == logging.DEBUG else logging.WARNING
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(quiet, logging.getLevelName(level)))
