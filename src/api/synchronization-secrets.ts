/**
 * The secrets of a cloud sync configuration (Graph synchronizationSecretKeyStringValuePair),
 * kept per service principal: PUT takes `{ value: [{ key, value }] }` and upserts by key;
 * GET answers the keys with credential values redacted. Cloud sync's keys (entra-docs,
 * how-to-inbound-synch-ms-graph): Domain `{"domain":"contoso.com"}`, AppKey
 * `{"appKeyScenario":"AD2AADProvisioning"|"AD2AADPasswordHash"}`, SyncNotificationSettings
 * `{"Enabled":true,"Recipients":"a@b","DeleteThresholdEnabled":true,"DeleteThresholdValue":50}`.
 */
import type { KeyValue } from '../directory/types.ts';
import { isCanopyError } from '../core/errors.ts';
import { checkNotificationSettings } from '../engine/delete-threshold.ts';
import { requestBadRequest } from './errors.ts';

/**
 * Keys whose value is a credential (synchronizationSecret enum members that hold one):
 * GET shows that they are set, never their value.
 */
const CREDENTIAL_KEYS = new Set([
  'password', 'secrettoken', 'clientsecret', 'consumersecret', 'tokenkey', 'oauth2accesstoken', 'oauth2refreshtoken',
  'oauth2clientsecret', 'oauth2authorizationcode', 'connectionstring',
].map((k) => k.toLowerCase()));

/** What GET …/secrets shows for a credential's value. */
export const REDACTED = '*';

export function redactSecrets(secrets: readonly KeyValue[]): KeyValue[] {
  return secrets.map((s) => (CREDENTIAL_KEYS.has(s.key.toLowerCase()) ? { key: s.key, value: REDACTED } : { key: s.key, value: s.value }));
}

function parseJsonObject(key: string, value: string, example: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw requestBadRequest(`The ${key} secret must be a JSON object string such as ${example}.`);
}

/** Checks the values of the keys cloud sync reads, so a typo is a 400, not a silent no-op. */
function checkSecret(secret: KeyValue): void {
  switch (secret.key) {
    case 'Domain': {
      const parsed = parseJsonObject('Domain', secret.value, '{"domain":"contoso.com"}');
      if (typeof parsed.domain !== 'string' || parsed.domain.trim() === '') {
        throw requestBadRequest('The Domain secret must be a JSON string such as {"domain":"contoso.com"}.');
      }
      return;
    }
    case 'AppKey': {
      const parsed = parseJsonObject('AppKey', secret.value, '{"appKeyScenario":"AD2AADProvisioning"}');
      if (parsed.appKeyScenario !== 'AD2AADProvisioning' && parsed.appKeyScenario !== 'AD2AADPasswordHash') {
        throw requestBadRequest('The AppKey secret\'s appKeyScenario must be AD2AADProvisioning or AD2AADPasswordHash.');
      }
      return;
    }
    case 'SyncNotificationSettings': {
      const parsed = parseJsonObject('SyncNotificationSettings', secret.value, '{"Enabled":true,"Recipients":"admin@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}');
      try {
        checkNotificationSettings(parsed);
      } catch (error) {
        if (isCanopyError(error, 'ERR_CONFIG_INVALID')) throw requestBadRequest(`${(error as Error).message}.`);
        throw error;
      }
      return;
    }
    default:
      return;
  }
}

/** PUT …/secrets takes `{ value: [{ key, value }] }` (Graph synchronizationSecretKeyStringValuePair). */
export function parseSecrets(body: unknown): KeyValue[] {
  const value = (body as { value?: unknown } | undefined)?.value;
  if (!Array.isArray(value) || !value.every((e) => typeof e?.key === 'string' && typeof e?.value === 'string')) {
    throw requestBadRequest('The body must be { "value": [ { "key": string, "value": string } ] }.');
  }
  const secrets = value.map((e: KeyValue) => ({ key: e.key, value: e.value }));
  for (const secret of secrets) checkSecret(secret);
  return secrets;
}

/** The domain of a Domain secret already stored (checked when it was PUT). */
/**
 * The DeleteThresholdValue of a SyncNotificationSettings secret among `secrets` (already
 * checked by parseSecrets), or undefined when the secret or the key is absent: the value the
 * jobs' QuarantineTooManyDeletesThreshold setting then shows.
 */
export function deleteThresholdValueOfSecrets(secrets: readonly KeyValue[]): number | undefined {
  const secret = secrets.find((s) => s.key === 'SyncNotificationSettings');
  if (!secret) return undefined;
  const value = (JSON.parse(secret.value) as { DeleteThresholdValue?: unknown }).DeleteThresholdValue;
  const count = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : undefined;
  return count !== undefined && Number.isInteger(count) && count >= 1 ? count : undefined;
}

export function domainOfSecrets(secrets: readonly KeyValue[]): string | undefined {
  const secret = secrets.find((s) => s.key === 'Domain');
  if (!secret) return undefined;
  try {
    const parsed = JSON.parse(secret.value) as { domain?: unknown };
    return typeof parsed.domain === 'string' && parsed.domain.trim() !== '' ? parsed.domain.trim() : undefined;
  } catch {
    return undefined;
  }
}
