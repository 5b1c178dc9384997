#!/bin/sh
# Counts compiler invocations of the exported Makefile/SConstruct (see export.py --count-cc).
# Usage: count_cc.sh COUNTER_FILE COMPILER ARGS...  -- appends a line to COUNTER_FILE, then runs
# the compiler in its place (exec: same exit status, no extra process left behind).
counter=$1
shift
echo "$1" >>"$counter"
exec "$@"
