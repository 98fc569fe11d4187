"""Files a user, a colleague or a partner hands over, read as the hostile input they may be.

Only a regular file is read (a FIFO, `/dev/zero` or a link to one is refused before a byte
is read), at most up to a size, and as UTF-8. Each problem is one `InputError` line; the
caller adds the file and what it expected there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["MAX_CONFIG_BYTES", "MAX_REPORT_BYTES", "InputError", "read_text"]

# A targets or waivers file, a list of ids: hand-written, far below this.
MAX_CONFIG_BYTES = 1 << 20
# A report, a run's description, a HAR: written by the suite; its HAR can be tens of MB.
MAX_REPORT_BYTES = 128 << 20


class InputError(ValueError):
    """A file that cannot be read as bounded text; the message is one line."""


def read_text(path: Path, limit: int) -> str:
    """The text of the regular file at `path`, if it holds at most `limit` bytes of UTF-8."""
    try:
        # Non-blocking: opening a FIFO nobody writes to would wait forever.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise InputError("cannot read the file: not a regular file")
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise InputError(f"cannot read the file: {error.strerror or error}") from None
    if len(data) > limit:
        raise InputError(f"the file is larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start})") from None
