"""Files: atomic writes (a reader sees the old file or the new one, never half of one).

Also a file's identity, to tell that it was not replaced while it was read.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The temporary file is flushed to disk before the rename, so that after a crash or a power cut
    the file holds either its old or its new content.

    Args:
        path: The target file; its folder is created when missing.
        data: The complete new content.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes 0600; outputs are for everyone to read
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | Path, value: object) -> Path:
    """Write ``value`` as indented JSON (UTF-8, final newline) atomically.

    Args:
        path: The target file.
        value: Anything :func:`json.dumps` accepts.

    Returns:
        The path written.
    """
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return write_bytes_atomic(path, text.encode("utf-8"))


def read_json(path: str | Path) -> dict:
    """Read a JSON object written by :func:`write_json_atomic`.

    Args:
        path: The file.

    Returns:
        The decoded object.
    """
    return json.loads(Path(path).read_text(encoding="utf-8"))


@contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer to fill; then rename it to ``path``.

    For files that another program writes (e.g. DuckDB's Parquet writer): the content is flushed
    to disk and renamed over ``path`` when the block ends without an error, and removed otherwise.

    Args:
        path: The target file; its folder is created when missing.

    Yields:
        The temporary path (not yet existing) to write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        with open(tmp, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """A file's (device, inode, size, mtime in ns); None when ``path`` is not a file."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not path.is_file():
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
