"""Deliberately broken engines: in-process stand-ins for an engine that the engine suite must fail.

Each pulls straight from the suite's layout server over HTTP (no daemon), so they are cheap; one
is right (`ReferenceEngine`, the control: the suite must pass it) and the others break one thing.
"""
