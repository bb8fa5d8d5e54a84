"""The evaluation report, as HTML (with inline SVG charts) and Markdown."""
