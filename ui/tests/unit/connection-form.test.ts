import { describe, expect, it } from 'vitest';
import {
  credentialsOf,
  endpointTransport,
  fieldsFrom,
  normalizePrefix,
  toConnection,
  validate,
  type ConnectionFields,
} from '../../src/lib/connection-form';
import type { ConnectionInfo } from '../../src/lib/ipc';

const saved: ConnectionInfo = {
  name: 'Office',
  endpoint: 'https://s3.example.test',
  region: 'garage',
  bucket: 'docs',
  prefix: 'team/',
  addressing: 'path',
  credentials: { source: 'keychain' },
  secretStored: true,
  accessKeyId: 'GK123',
  isLocalVault: false,
  movedFromPort: null,
  unencrypted: false,
  writeGuard: null,
};

const filled = (changes: Partial<ConnectionFields> = {}): ConnectionFields => ({
  ...fieldsFrom(null),
  name: 'New',
  bucket: 'b',
  accessKeyId: 'AK',
  secret: 's3cret',
  ...changes,
});

describe('toConnection', () => {
  it('trims, normalises the prefix and maps Automatic addressing to null', () => {
    expect(toConnection(filled({ name: ' New ', prefix: '/a/b', endpoint: 'https://x.test/' }))).toEqual({
      name: 'New',
      endpoint: 'https://x.test',
      region: 'us-east-1',
      bucket: 'b',
      prefix: 'a/b/',
      addressing: null,
      credentials: { source: 'keychain' },
      insecure: false,
      caCertificate: null,
    });
    expect(normalizePrefix('  ')).toBe('');
  });

  it('turns an empty profile into the default profile (null)', () => {
    expect(toConnection(filled({ source: 'aws-chain', profile: ' ' })).credentials).toEqual({ source: 'aws-chain', profile: null });
  });
});

describe('validate', () => {
  it('accepts a complete new connection', () => {
    expect(validate(filled(), null, ['Local vault'])).toEqual({});
  });

  it('names each missing or wrong field', () => {
    const errors = validate(filled({ name: 'Local vault', bucket: '', endpoint: 's3.test', secret: '', region: '' }), null, ['Local vault']);
    expect(Object.keys(errors).sort()).toEqual(['bucket', 'endpoint', 'name', 'region', 'secret']);
  });

  it('does not ask for the secret again when editing with a stored one', () => {
    expect(validate(fieldsFrom(saved), saved, [])).toEqual({});
  });

  it('refuses plain http to another computer unless allowed, and credentials in the address', () => {
    expect(validate(filled({ endpoint: 'http://127.0.0.1:3900' }), null, []).endpoint).toBeUndefined();
    expect(validate(filled({ endpoint: 'http://files.office.lan:9000' }), null, []).endpoint).toMatch(/unencrypted/);
    expect(validate(filled({ endpoint: 'http://files.office.lan:9000', insecure: true }), null, []).endpoint).toBeUndefined();
    expect(validate(filled({ endpoint: 'https://GK1:pw@files.office.lan' }), null, []).endpoint).toMatch(/user name and password/);
    expect(endpointTransport('http://[::1]:3900')).toBe('local');
    expect(endpointTransport('https://files.office.lan')).toBe('tls');
  });

  it('wants a certificate authority as PEM text', () => {
    expect(validate(filled({ caCertificate: 'hello' }), null, []).caCertificate).toMatch(/PEM/);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(validate(filled({ caCertificate: pem }), null, []).caCertificate).toBeUndefined();
    expect(toConnection(filled({ caCertificate: '  ' })).caCertificate).toBeNull();
  });

  it('asks for a new secret when the access key ID changes', () => {
    expect(validate({ ...fieldsFrom(saved), accessKeyId: 'GK999' }, saved, []).secret).toMatch(/Replace/);
  });
});

describe('credentialsOf', () => {
  it('keeps the stored secret: secret null, and Test names the saved connection', () => {
    expect(credentialsOf(fieldsFrom(saved), saved)).toEqual({ accessKeyId: 'GK123', secret: null, saved: 'Office' });
  });

  it('sends the typed secret once the user chose Replace', () => {
    const fields = { ...fieldsFrom(saved), replacingSecret: true, secret: 'new' };
    expect(credentialsOf(fields, saved)).toEqual({ accessKeyId: 'GK123', secret: 'new', saved: null });
  });

  it('sends no key at all for the AWS chain', () => {
    expect(credentialsOf(filled({ source: 'aws-chain' }), null)).toEqual({ accessKeyId: null, secret: null, saved: null });
  });
});
