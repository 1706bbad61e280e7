"""How much memory the image decodes of one process may hold at once.

A gunicorn worker runs four threads. Four 60-megapixel images decoded at once would hold about
a gigabyte of pixels (Pillow keeps RGB in four bytes a pixel), more than a worker may take.
Each decode reserves the bytes it will hold before it starts and gives them back when done; one
that does not fit waits until others have finished (seconds). A decode larger than the whole
budget runs alone: the pixel limit let it through, so it must be possible.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Two 60-megapixel PNGs at once (cost() 293 MB each), or three sideways 60 MP photos (178 MB).
BUDGET_BYTES = 640 * 1024 * 1024

# Beside the decoded copies: making the PDF page (reduced copy, page pixels, their JPEG) and
# the encoder's buffers; measured with benchmarks/upload_memory.py.
WORK_BYTES = 64 * 1024 * 1024

_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}


def pixel_bytes(size: tuple[int, int], mode: str) -> int:
    """What Pillow holds for an image of this size and mode (four bytes a pixel for the rest)."""
    return size[0] * size[1] * _BYTES_PER_PIXEL.get(mode, 4)


def cost(size: tuple[int, int], mode: str, copies: int = 1) -> int:
    """What a decode at `size` holds at its peak, with `copies` full copies at once (two to turn)."""
    return copies * pixel_bytes(size, mode) + WORK_BYTES


class DecodeBudget:
    """A counting semaphore in bytes."""

    def __init__(self, total_bytes: int):
        self.total_bytes = total_bytes
        self.reserved_bytes = 0
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        nbytes = min(nbytes, self.total_bytes)
        with self._changed:
            self._changed.wait_for(lambda: self.reserved_bytes + nbytes <= self.total_bytes)
            self.reserved_bytes += nbytes
        try:
            yield
        finally:
            with self._changed:
                self.reserved_bytes -= nbytes
                self._changed.notify_all()


# One per process: the threads of a worker share it; each worker process has its own.
budget = DecodeBudget(BUDGET_BYTES)


def reserve(nbytes: int):
    return budget.reserve(nbytes)
