#!/usr/bin/env bash
# Enable an AD domain for sync through the Graph API, as Microsoft's walkthrough "How to
# programmatically configure cloud sync using MS Graph API" does it (its requests, host aside):
# a token with the admin credentials from bootstrap.json (or Azure.Identity / MSAL with the
# service as authority host), the tenant flag, a configuration for the domain (the cloud sync
# application template instantiated, named after the domain), a job from the AD2AADProvisioning
# template, the Domain secret, optionally a scope (the OUs to sync, in the job schema's
# containerFilter) and an interval, then start (a first cycle runs at once, then every
# schedule.interval, PT2M by default). Each domain gets its own configuration, job and secrets.
#   API=https://canopy.example.com:8443 BOOTSTRAP=canopy-data/bootstrap.json DOMAIN=corp.example.com \
#   SCOPE='OU=Staff,DC=corp,DC=example,DC=com' INTERVAL=PT5M bash docs/examples/enable-domain.sh
set -euo pipefail
: "${API:?the service URL}" "${BOOTSTRAP:?the bootstrap.json written by canopy serve}" "${DOMAIN:?the AD domain DNS name}"
TENANT=$(jq -r .tenantId "$BOOTSTRAP")
TOKEN=$(curl -fsS "$API/$TENANT/oauth2/v2.0/token" \
  -d grant_type=client_credentials -d scope=https://graph.microsoft.com/.default \
  --data-urlencode "client_id=$(jq -r .clientId "$BOOTSTRAP")" \
  --data-urlencode "client_secret=$(jq -r .clientSecret "$BOOTSTRAP")" | jq -r .access_token)
AUTH="Authorization: Bearer $TOKEN"
JSON='content-type: application/json'
curl -fsS -X PATCH -H "$AUTH" -H "$JSON" -d '{"onPremisesSyncEnabled":true}' "$API/v1.0/organization/$TENANT"
SP=$(jq -n --arg name "$DOMAIN" '{displayName: $name}' \
  | curl -fsS -H "$AUTH" -H "$JSON" --data-binary @- \
    "$API/v1.0/applicationTemplates/1a4721b3-e57f-4451-ae87-ef078703ec94/instantiate" | jq -r .servicePrincipal.id)
SYNC="$API/v1.0/servicePrincipals/$SP/synchronization"
JOB=$(curl -fsS -H "$AUTH" -H "$JSON" -d '{"templateId":"AD2AADProvisioning"}' "$SYNC/jobs" | jq -r .id)
jq -n --arg domain "$DOMAIN" '{value: [{key: "Domain", value: ({domain: $domain} | tojson)}]}' \
  | curl -fsS -X PUT -H "$AUTH" -H "$JSON" --data-binary @- "$SYNC/secrets"
if [ -n "${SCOPE:-}" ]; then
  curl -fsS -H "$AUTH" "$SYNC/jobs/$JOB/schema" \
    | jq --arg ou "$SCOPE" '.synchronizationRules[0].containerFilter.includedContainers = [$ou]' \
    | curl -fsS -X PUT -H "$AUTH" -H "$JSON" --data-binary @- "$SYNC/jobs/$JOB/schema"
fi
if [ -n "${INTERVAL:-}" ]; then
  jq -n --arg interval "$INTERVAL" '{schedule: {interval: $interval}}' \
    | curl -fsS -X PATCH -H "$AUTH" -H "$JSON" --data-binary @- "$SYNC/jobs/$JOB"
fi
curl -fsS -X POST -H "$AUTH" "$SYNC/jobs/$JOB/start"
echo "enabled $DOMAIN: servicePrincipal $SP, job $JOB"
