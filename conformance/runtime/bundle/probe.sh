#!/bin/sh
# oci-conformance probe: reports what the container process sees and judges nothing.
# Output: "@probe 1", then per section a line "@NAME", the value in base64, "@end" ("@raw NAME"
# sections are plain text); "@done" last.
# Extra requests come from /etc/oci-probe.conf, one "file PATH", "stat PATH" or "link PATH" a line,
# or "exec NAME COMMAND": COMMAND run by sh after everything else, its exit code and output reported.
self=$$
section() { name=$1; shift; echo "@$name"; "$@" 2>/dev/null | base64; echo "@end"; }
nslist() { for ns in /proc/$self/ns/*; do echo "${ns##*/} $(readlink "$ns")"; done; }
statone() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "$1|$(stat -c '%F|%t|%T|%a|%u|%g' "$1")|$(stat -L -c '%F|%t|%T' "$1" 2>/dev/null)"
	else
		echo "$1|missing"
	fi
}
stats() { for p in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/console /dev/ptmx /dev/fd /dev/stdin /dev/stdout /dev/stderr $STATS; do statone "$p"; done; }
links() { for p in /dev/fd /dev/stdin /dev/stdout /dev/stderr /dev/ptmx /dev/console $LINKS; do echo "$p $(readlink "$p")"; done; }
writable() { if touch /.oci-probe-write 2>/dev/null; then rm -f /.oci-probe-write; echo yes; else echo no; fi; }
STATS=""; LINKS=""; FILES=""; EXECS=""
if [ -r /etc/oci-probe.conf ]; then
	while read -r kind path; do
		case "$kind" in
			stat) STATS="$STATS $path" ;;
			link) LINKS="$LINKS $path" ;;
			file) FILES="$FILES $path" ;;
			exec) EXECS="$EXECS$path
" ;;
		esac
	done < /etc/oci-probe.conf
fi
echo "@probe 1"
section args printf '%s\0' "$0" "$@"
section status cat /proc/$self/status
section environ cat /proc/$self/environ
section cwd readlink /proc/$self/cwd
section umask umask
section hostname cat /proc/sys/kernel/hostname
section domainname cat /proc/sys/kernel/domainname
section limits cat /proc/$self/limits
section oom_score_adj cat /proc/$self/oom_score_adj
section mountinfo cat /proc/$self/mountinfo
section cgroup cat /proc/$self/cgroup
section namespaces nslist
# Listed raw by a child writing straight to our stdout: no pipe or directory of ours is open then.
echo "@raw fds"; ls -l /proc/$self/fd/; echo "@end"
section stats stats
section links links
section root_writable writable
for path in $FILES; do section "file:$path" cat "$path"; done
runone() { out=$(sh -c "$1" </dev/null 2>&1); echo "$?"; printf '%s' "$out"; }
printf '%s' "$EXECS" | while read -r name command; do section "exec:$name" runone "$command"; done
echo "@done"
