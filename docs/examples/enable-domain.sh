#!/usr/bin/env bash
# Enable an AD domain for sync through the Graph API, as Entra's cloud sync docs do it: a token
# with the admin credentials from bootstrap.json, the cloud sync service principal, a job from
# the AD2AADProvisioning template, the Domain secret, optionally a scope (the OUs to sync, in the
# job schema's containerFilter) and an interval, then start (a first cycle runs at once).
#   API=https://canopy.example.com:8443 BOOTSTRAP=canopy-data/bootstrap.json DOMAIN=corp.example.com \
#   SCOPE='OU=Staff,DC=corp,DC=example,DC=com' INTERVAL=PT2M bash docs/examples/enable-domain.sh
set -euo pipefail
: "${API:?the service URL}" "${BOOTSTRAP:?the bootstrap.json written by canopy serve}" "${DOMAIN:?the AD domain DNS name}"
TOKEN=$(curl -fsS "$API/$(jq -r .tenantId "$BOOTSTRAP")/oauth2/v2.0/token" \
  -d grant_type=client_credentials -d scope=https://graph.microsoft.com/.default \
  --data-urlencode "client_id=$(jq -r .clientId "$BOOTSTRAP")" \
  --data-urlencode "client_secret=$(jq -r .clientSecret "$BOOTSTRAP")" | jq -r .access_token)
AUTH="Authorization: Bearer $TOKEN"
SP=$(curl -fsS -G -H "$AUTH" "$API/v1.0/servicePrincipals" \
  --data-urlencode "\$filter=startswith(displayName,'Active Directory to Azure Active Directory Provisioning')" | jq -r '.value[0].id')
SYNC="$API/v1.0/servicePrincipals/$SP/synchronization"
JOB=$(curl -fsS -H "$AUTH" -H 'content-type: application/json' -d '{"templateId":"AD2AADProvisioning"}' "$SYNC/jobs" | jq -r .id)
jq -n --arg domain "$DOMAIN" '{value: [{key: "Domain", value: ({domain: $domain} | tojson)}]}' \
  | curl -fsS -X PUT -H "$AUTH" -H 'content-type: application/json' --data-binary @- "$SYNC/secrets"
if [ -n "${SCOPE:-}" ]; then
  curl -fsS -H "$AUTH" "$SYNC/jobs/$JOB/schema" \
    | jq --arg ou "$SCOPE" '.synchronizationRules[0].containerFilter.includedContainers = [$ou]' \
    | curl -fsS -X PUT -H "$AUTH" -H 'content-type: application/json' --data-binary @- "$SYNC/jobs/$JOB/schema"
fi
if [ -n "${INTERVAL:-}" ]; then
  jq -n --arg interval "$INTERVAL" '{schedule: {interval: $interval}}' \
    | curl -fsS -X PATCH -H "$AUTH" -H 'content-type: application/json' --data-binary @- "$SYNC/jobs/$JOB"
fi
curl -fsS -X POST -H "$AUTH" "$SYNC/jobs/$JOB/start"
echo "enabled $DOMAIN: servicePrincipal $SP, job $JOB"
