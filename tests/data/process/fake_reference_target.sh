#!/bin/sh
# Stands in for a reference target in supervisor tests: announces its
# protocol and address the way the real ones do, then serves nothing.
echo "fake reference target starting"
echo "READY udp 127.0.0.1:5555"
exec sleep 30
