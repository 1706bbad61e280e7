"""A canvas that knows the page count when it prints each page's header and footer ("2 / 3").

reportlab learns the number of pages only at the end: the canvas keeps every page's state,
and on save() draws the decoration of each with its number and the total, then emits it.
"""
from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfgen.canvas import Canvas

# decorate(canvas, number, total): draws a page's header and footer.
Decoration = Callable[[Canvas, int, int], None]


def numbered_canvas(decorate: Decoration) -> type[Canvas]:
    """A canvas class for doc.build(..., canvasmaker=...)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas
