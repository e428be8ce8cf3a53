"""Logging: structured JSON lines, rotated, with personal data masked before it is written."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path

from kiosk.framework.masking import mask_text


class MaskingFilter(logging.Filter):
    """Masks ID numbers, plates and tokens in every record's final message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = mask_text(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (already masked)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    log_dir: Path | None, level: str = "INFO", max_bytes: int = 2_000_000, backups: int = 5
) -> None:
    """Sends masked logs to ``log_dir/kiosk.log`` (rotating JSON lines) and to stderr."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    masking = MaskingFilter()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(masking)
    root.addHandler(stderr)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            log_dir / "kiosk.log", maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        rotating.setFormatter(JsonLineFormatter())
        rotating.addFilter(masking)
        root.addHandler(rotating)
