"""Presentation: terminal tables of alerts and the evaluation report (Markdown, HTML, PNG)."""

from __future__ import annotations

# --- terminal (issue 4) ------------------------------------------------------------


# --- evaluation report (issue 5) -----------------------------------------------------
