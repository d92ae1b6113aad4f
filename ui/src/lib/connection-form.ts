/**
 * The connection form's rules, apart from its markup: turning fields into a `Connection`, checking
 * them, and deciding which credentials travel with Save and Test. The secret is sent only when the
 * user typed one; an edit that keeps the stored secret sends null and names the saved connection.
 */
import { t } from './i18n.svelte';
import type { Connection, ConnectionInfo } from './ipc';

export interface ConnectionFields {
  name: string;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  addressing: 'auto' | 'path' | 'virtual-hosted';
  source: 'keychain' | 'aws-chain';
  profile: string;
  accessKeyId: string;
  secret: string;
  /** Editing a connection whose secret is stored: the user clicked Replace to type a new one. */
  replacingSecret: boolean;
  /** Plain http:// to another computer is allowed (the network is trusted). */
  insecure: boolean;
  /** The server's own certificate authority, as PEM text; '' for none. */
  caCertificate: string;
}

export type FieldErrors = Partial<Record<keyof ConnectionFields, string>>;

export function fieldsFrom(info: ConnectionInfo | null): ConnectionFields {
  return {
    name: info?.name ?? '',
    endpoint: info?.endpoint ?? '',
    region: info?.region ?? 'us-east-1',
    bucket: info?.bucket ?? '',
    prefix: info?.prefix ?? '',
    addressing: info?.addressing ?? 'auto',
    source: info?.credentials.source ?? 'keychain',
    profile: info?.credentials.source === 'aws-chain' ? (info.credentials.profile ?? '') : '',
    accessKeyId: info?.accessKeyId ?? '',
    secret: '',
    replacingSecret: false,
    insecure: info?.insecure ?? false,
    caCertificate: info?.caCertificate ?? '',
  };
}

/** '' stays ''; "a/b" and "/a/b/" both become "a/b/". */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}

export function toConnection(fields: ConnectionFields): Connection {
  return {
    name: fields.name.trim(),
    endpoint: fields.endpoint.trim().replace(/\/+$/, ''),
    region: fields.region.trim(),
    bucket: fields.bucket.trim(),
    prefix: normalizePrefix(fields.prefix),
    addressing: fields.addressing === 'auto' ? null : fields.addressing,
    credentials:
      fields.source === 'keychain'
        ? { source: 'keychain' }
        : { source: 'aws-chain', profile: fields.profile.trim() || null },
    insecure: fields.insecure,
    caCertificate: fields.caCertificate.trim() || null,
  };
}

/**
 * What the endpoint's address says about how requests travel. Mirrors the engine's rule, which
 * has the last word: plain http:// is fine only to this computer.
 */
export function endpointTransport(endpoint: string): 'tls' | 'local' | 'unencrypted' | 'credentials' | 'invalid' {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return 'invalid';
  }
  if (url.username || url.password) return 'credentials';
  if (url.protocol === 'https:') return 'tls';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return loopback ? 'local' : 'unencrypted';
}

/** Whether the secret field is shown (rather than "stored in keychain" with Replace). */
export function asksForSecret(fields: ConnectionFields, editing: ConnectionInfo | null): boolean {
  if (fields.source !== 'keychain') return false;
  return !editing?.secretStored || fields.replacingSecret;
}

export function validate(
  fields: ConnectionFields,
  editing: ConnectionInfo | null,
  otherNames: readonly string[],
): FieldErrors {
  const errors: FieldErrors = {};
  const name = fields.name.trim();
  if (!name) errors.name = t('connectionForm.nameMissing');
  else if (otherNames.includes(name)) errors.name = t('connectionForm.nameTaken');
  const endpoint = fields.endpoint.trim();
  if (endpoint && !/^https?:\/\/[^\s/]+/i.test(endpoint)) {
    errors.endpoint = t('connectionForm.endpointScheme');
  } else if (endpoint) {
    const transport = endpointTransport(endpoint);
    if (transport === 'credentials') {
      errors.endpoint = t('connectionForm.endpointCredentials');
    } else if (transport === 'unencrypted' && !fields.insecure) {
      errors.endpoint = t('connectionForm.endpointUnencrypted');
    }
  }
  const pem = fields.caCertificate.trim();
  if (pem && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) {
    errors.caCertificate = t('connectionForm.certificateInvalid');
  }
  if (!fields.region.trim()) errors.region = t('connectionForm.regionMissing');
  if (!fields.bucket.trim()) errors.bucket = t('connectionForm.bucketMissing');
  else if (/[\s/]/.test(fields.bucket.trim())) errors.bucket = t('connectionForm.bucketInvalid');
  if (fields.source === 'keychain') {
    const keyId = fields.accessKeyId.trim();
    if (!keyId) errors.accessKeyId = t('connectionForm.accessKeyIdMissing');
    if (asksForSecret(fields, editing) && !fields.secret) {
      errors.secret = t('connectionForm.secretMissing');
    } else if (!asksForSecret(fields, editing) && editing && keyId !== (editing.accessKeyId ?? '')) {
      // The stored secret belongs to the old key ID; pairing it with a new one cannot work.
      errors.secret = t('connectionForm.secretForNewKey');
    }
  }
  return errors;
}

export interface Credentials {
  accessKeyId: string | null;
  secret: string | null;
  /** For test_connection: the saved connection whose stored secret to use. */
  saved: string | null;
}

export function credentialsOf(fields: ConnectionFields, editing: ConnectionInfo | null): Credentials {
  if (fields.source !== 'keychain') return { accessKeyId: null, secret: null, saved: null };
  const typed = asksForSecret(fields, editing);
  return {
    accessKeyId: fields.accessKeyId.trim() || null,
    secret: typed ? fields.secret : null,
    saved: typed ? null : (editing?.name ?? null),
  };
}
