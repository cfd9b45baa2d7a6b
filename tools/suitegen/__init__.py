"""Sources of the built-in suites: topics, templates and their composition."""
