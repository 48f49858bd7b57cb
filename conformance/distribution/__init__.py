"""The distribution half: a read-only server of image layouts (a test instrument)."""
