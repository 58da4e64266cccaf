#!/bin/sh
# First start with an empty FAQ volume: put the shipped faq.yaml there for staff to edit.
set -e
if [ ! -f "$FAQ_PATH" ]; then
  cp /app/default/faq.yaml "$FAQ_PATH"
fi
exec "$@"
