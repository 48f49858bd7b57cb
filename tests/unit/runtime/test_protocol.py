"""Every runtime profile implements the RuntimeDriver Protocol the suite is written against."""

from __future__ import annotations

import pytest

from conformance.runtime.drivers import PROFILES, RuntimeDriver, load_profile


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profiles_are_runtime_drivers(name: str) -> None:
    driver = load_profile(name)("/bin/true", version_output=f"{name} version 1.0")
    assert isinstance(driver, RuntimeDriver)
    assert driver.name == name


def test_an_object_without_the_operations_is_not_a_driver() -> None:
    class Half:
        name = path = version = version_output = "x"
        state_root = None
        host_visible_process = True

        def create(self, *args, **kwargs): ...

    assert not isinstance(Half(), RuntimeDriver)
