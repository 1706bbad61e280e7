"""The printed documents: HTML templates made into tagged PDF/UA-1 by WeasyPrint (portal.pdf.weasy)
in a renderer process of their own (portal.pdf.renderer), assembled and post-processed with pikepdf;
see docs/architecture.md for which document is made how."""
from __future__ import annotations


def warm_up() -> None:
    """Start the renderer before a server's first request (portal.pdf.renderer.warm_up)."""
    from portal.pdf.renderer import warm_up as start

    start()
