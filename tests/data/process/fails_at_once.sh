#!/bin/sh
# A server that cannot start: complains on stderr and exits with status 1.
echo "loading config" >&2
echo "fatal: no config file at /nonexistent/server.conf" >&2
exit 1
