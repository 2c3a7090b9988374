"""The annual report as PDF: WeasyPrint renders the same HTML page (its print stylesheet, inline SVG charts).

WeasyPrint is a maintained HTML/CSS-to-PDF renderer installed from PyPI; it needs Pango (Debian
libpango-1.0-0, present on the base image) and a CJK font for Chinese text to come out as text:
Debian's fonts-noto-cjk, which `make test` installs when missing (see Makefile).
"""

from __future__ import annotations

import asyncio

from services.reports.domain.errors import PdfUnavailable


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (no external resources: styles and charts are inline)."""
    try:
        from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise PdfUnavailable(f"PDF rendering is not available here: {exc}") from exc
    return HTML(string=html, base_url=None).write_pdf()


async def render_pdf(html: str) -> bytes:
    """Render off the event loop (a report of a few hundred units takes a second or two)."""
    return await asyncio.to_thread(html_to_pdf, html)
