"""The dashboard: server-rendered pages (Jinja2), one small script, no build step."""
