"""The renderer process (started by portal.pdf.renderer): reads documents from stdin, writes
PDFs to stdout, one at a time, until stdin closes (its parent is gone).

Each message is a 4-byte big-endian length and a pickle: in, (html, forms); out, ("ok",
(pdf, anchors, pages)) or ("error", text). Pickles only ever cross between this process and the
one that started it.
"""
from __future__ import annotations

import gc
import pickle
import struct
import sys
import traceback


def read_message(stream):
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    data = stream.read(length)
    if len(data) < length:
        return None
    return pickle.loads(data)  # noqa: S301 - from the process that started this one


def write_message(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def main() -> int:
    from weasyprint.urls import FatalURLFetchingError  # a BaseException: a refused URL

    from portal.pdf.weasy import render_in_this_process

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the log, not into the answers
    _tune_garbage_collection()
    while True:
        request = read_message(source)
        if request is None:
            return 0
        html, forms = request
        try:
            answer = ("ok", render_in_this_process(html, forms))
        except (Exception, FatalURLFetchingError):  # the document's fault: say so, go on with the next
            answer = ("error", traceback.format_exc(limit=20))
        write_message(sink, answer)


def _tune_garbage_collection() -> None:
    """A document makes hundreds of thousands of short-lived objects (boxes, styles, glyph runs):
    with Python's default thresholds the collector runs every 700 of them and walks the fonts
    and stylesheet each time it reaches the old generation. Fewer, larger collections, and the
    objects loaded once moved out of the collector's way, take about a tenth off a receipt
    (benchmarks/receipt.py). Freed objects still go at once (reference counting); only cycles wait."""
    from portal.pdf.weasy import warm_up_engine

    warm_up_engine()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


if __name__ == "__main__":
    sys.exit(main())
