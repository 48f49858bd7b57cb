"""The pytest plugin: main.py (pytest11 entry point), settings, session, stash, hookspecs, expectations."""
