#!/bin/bash
# serve-acceptance.sh with the server run by the unprivileged test user.
export SERVE_ACCEPTANCE_WHO=user
. "$(dirname "$0")/serve-acceptance.sh"
