#!/bin/sh
# First start with an empty knowledge volume: copy the shipped content (faq.yaml, procedures/, sectors.yaml,
# lexicon.yaml) into KNOWLEDGE_DIR for staff to edit. Later starts copy nothing over staff's files; new
# shipped entries are offered in the console (/admin/upgrades).
set -e
: "${KNOWLEDGE_DIR:=/data/knowledge}"
# Images before KNOWLEDGE_DIR kept only faq.yaml, in /data/faq (FAQ_PATH): carry staff's FAQ over once.
if [ -z "$FAQ_PATH" ] && [ -f /data/faq/faq.yaml ] && [ ! -e "$KNOWLEDGE_DIR/faq.yaml" ]; then
  mkdir -p "$KNOWLEDGE_DIR"
  cp /data/faq/faq.yaml "$KNOWLEDGE_DIR/faq.yaml"
fi
# Not fatal: a volume that cannot be written is reported clearly at start and the assistant serves read-only.
python -m bot seed || true
exec "$@"
