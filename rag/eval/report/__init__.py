"""The evaluation report: `context.build_report` says what it contains, `render` lays it out
with the Jinja2 templates in templates/ (HTML with inline SVG charts from `charts`, and Markdown)."""
