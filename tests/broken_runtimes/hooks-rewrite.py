"""Rewrites the hooks of BUNDLE/config.json in place the way a broken runtime would treat them.

Used by the hooks-* wrappers (not a wrapper itself): python3 hooks-rewrite.py MODE BUNDLE.
  path      runtime-namespace hooks run the program found at their path inside the rootfs, and
            startContainer hooks the one found at their path on the host
  namespace runtime-namespace hooks execute in the container's namespaces (nsenter; poststop,
            with no container left, in new ones), container-namespace hooks in the runtime's
  argv-env  hooks get an extra argument and only PATH in their environment
  timeout   hook timeouts are ignored
"""

import json
import os
import shutil
import sys

mode, bundle = sys.argv[1], sys.argv[2]
path = os.path.join(bundle, "config.json")
with open(path) as handle:
    config = json.load(handle)
hooks = config.get("hooks") or {}
rootfs = os.path.join(bundle, config.get("root", {}).get("path", "rootfs"))
#: Reads the state from stdin, finds the container pid in it, and runs the hook in its namespaces.
ENTER = (
    'state=$(cat); pid=$(printf %s "$state" | sed -n "s/.*\\"pid\\": *\\([0-9][0-9]*\\).*/\\1/p"); '
    'printf %s "$state" | exec nsenter -t "$pid" -m -n -p -- "$0" "$@"'
)


def wrapped(hook, script, program="/bin/sh"):
    return dict(hook, path=program, args=["sh", "-c", script, hook["path"], *hook.get("args", [])])


for kind, entries in list(hooks.items()):
    for index, hook in enumerate(entries):
        if mode == "path":
            if kind == "startContainer":
                inside = hook["path"] + ".host"
                shutil.copy2(hook["path"], os.path.join(rootfs, inside.lstrip("/")))
                entries[index] = dict(hook, path=inside)
            else:
                entries[index] = dict(hook, path=os.path.join(rootfs, hook["path"].lstrip("/")))
        elif mode == "namespace":
            if kind in ("prestart", "createRuntime", "poststart"):
                entries[index] = wrapped(hook, ENTER)
            elif kind == "poststop":
                entries[index] = wrapped(hook, 'exec unshare -m -n -p -f -- "$0" "$@"')
        elif mode == "argv-env":
            entries[index] = dict(
                hook,
                args=[*hook.get("args", []), "extra"],
                env=[e for e in hook.get("env", []) if e.startswith("PATH=")],
            )
        elif mode == "timeout":
            hook.pop("timeout", None)
if mode == "namespace":
    hooks.setdefault("createRuntime", []).extend(hooks.pop("createContainer", []))
    hooks.setdefault("poststart", []).extend(hooks.pop("startContainer", []))
with open(path, "w") as handle:
    json.dump(config, handle, indent=2)
