#!/bin/bash
# A custom runtime in bash, as AWS's tutorial writes one: long-poll the next
# event with curl, answer through the Runtime API. Handler: "function.handler".
set -euo pipefail

echo "bootstrap init: handler ${_HANDLER}"
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"

while true; do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$HEADERS"
  echo "handling ${REQUEST_ID}"
  if [[ "$EVENT_DATA" == *'"fail"'* ]]; then
    curl -sS -X POST "$API/invocation/$REQUEST_ID/error" \
      -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \
      -d '{"errorType":"Custom.Failure","errorMessage":"failed on request"}' > /dev/null
    continue
  fi
  RESPONSE="{\"echo\":$EVENT_DATA,\"handler\":\"${_HANDLER}\",\"requestId\":\"$REQUEST_ID\",\"pid\":$$}"
  curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "$RESPONSE" > /dev/null
done
