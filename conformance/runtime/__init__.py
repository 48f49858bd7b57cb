"""The runtime half: drivers, bundles, the probe, host-side readers, containers, console, matrices."""
