# Sourced (not run) by the broken wrapper runtimes in this directory.
#
# Splits a runc-style command line "[GLOBAL OPTIONS] COMMAND [OPTIONS] [ID [ARG]]" and sets:
#   REAL     the real runtime: $REAL_RUNTIME, default /usr/sbin/runc
#   GLOBALS  the global options, shell-quoted for eval (e.g. "'--root' '/tmp/x'")
#   CMD      the subcommand (empty for e.g. `--version`)
#   ID       the first operand after the subcommand (the container id)
#   ARG2     the second operand (e.g. the signal of `kill ID SIGNAL`)
#   BUNDLE   the value of `create --bundle/-b` (default ".")
#   REST_NO_BUNDLE  the words after the subcommand without --bundle/-b VALUE, shell-quoted
# and defines `real ARGS...`, which runs the real runtime with the same global options.

REAL=${REAL_RUNTIME:-/usr/sbin/runc}

quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

real() {
    eval "\"\$REAL\" $GLOBALS \"\$@\""
}

GLOBALS=
CMD=
ID=
ARG2=
BUNDLE=.
REST_NO_BUNDLE=
_take=
for _arg in "$@"; do
    if [ -n "$_take" ]; then
        case $_take in
            global) GLOBALS="$GLOBALS $(quote "$_arg")" ;;
            bundle) BUNDLE=$_arg ;;
            value) REST_NO_BUNDLE="$REST_NO_BUNDLE $(quote "$_arg")" ;;
        esac
        _take=
        continue
    fi
    if [ -z "$CMD" ]; then
        case $_arg in
            --root | --log | --log-format | --criu | --rootless)
                GLOBALS="$GLOBALS $(quote "$_arg")"
                _take=global
                ;;
            -*) GLOBALS="$GLOBALS $(quote "$_arg")" ;;
            *) CMD=$_arg ;;
        esac
        continue
    fi
    case $_arg in
        --bundle | -b) _take=bundle ;;
        --bundle=*) BUNDLE=${_arg#--bundle=} ;;
        --pid-file | --console-socket | --preserve-fds | --process | -p)
            REST_NO_BUNDLE="$REST_NO_BUNDLE $(quote "$_arg")"
            _take=value
            ;;
        -*) REST_NO_BUNDLE="$REST_NO_BUNDLE $(quote "$_arg")" ;;
        *)
            REST_NO_BUNDLE="$REST_NO_BUNDLE $(quote "$_arg")"
            if [ -z "$ID" ]; then
                ID=$_arg
            elif [ -z "$ARG2" ]; then
                ARG2=$_arg
            fi
            ;;
    esac
done
unset _arg _take
