"""Kept for imports by runtime name: the result type is shared by every adapter."""

from conformance.adapters.result import RuntimeResult

__all__ = ["RuntimeResult"]
