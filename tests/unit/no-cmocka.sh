#!/bin/sh
# Stands in for the unit tests when configure found no cmocka: a visible SKIP, not a pass.
echo "1..0 # SKIP cmocka not found at configure time: apt-get install libcmocka-dev, then rerun configure"
