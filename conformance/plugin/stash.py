"""Keys under which the plugin keeps its state on pytest's config and items."""

from __future__ import annotations

import pytest

from conformance.plugin.session import Session

SESSION_KEY = pytest.StashKey[Session]()
#: (bundle, container or None) pairs a test used: shown with its failure, kept with --keep-bundles.
USED_BUNDLES = pytest.StashKey[list]()
#: Whether the test's call phase failed (fixtures decide what to keep at teardown).
CALL_FAILED = pytest.StashKey[bool]()


def conformance_session(config: pytest.Config) -> Session:
    return config.stash[SESSION_KEY]


def subject_for(request: pytest.FixtureRequest, fixture: str, usage: str):
    """The subject a parametrized kind fixture stands for, or a skip naming how to give one."""
    session = conformance_session(request.config)
    label = getattr(request, "param", None)
    if label is None or label not in session.subjects:
        pytest.skip(f"no {fixture.replace('_', ' ')} under test: {usage}")
    return session.subjects[label]
