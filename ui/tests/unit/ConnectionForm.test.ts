import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ConnectionForm from '../../src/components/ConnectionForm.svelte';
import type { ConnectionInfo } from '../../src/lib/ipc';
import { FakeBackend } from '../../test-harness/fake-backend';

function setup(editing: ConnectionInfo | null) {
  const fake = new FakeBackend();
  fake.install();
  const onsave = vi.fn(async () => {});
  render(ConnectionForm, { editing, otherNames: ['Local vault'], onsave, oncancel: () => {} });
  return { fake, onsave };
}

const saved: ConnectionInfo = {
  name: 'Office S3',
  endpoint: 'https://s3.example.test',
  region: 'us-east-1',
  bucket: 'office-docs',
  prefix: '',
  addressing: 'path',
  credentials: { source: 'keychain' },
  secretStored: true,
  accessKeyId: 'AKIAOFFICE',
  isLocalVault: false,
  movedFromPort: null,
  unencrypted: false,
  writeGuard: null,
};

describe('ConnectionForm', () => {
  it('shows a stored secret as "Stored in keychain", never a field with it', () => {
    setup(saved);
    expect(screen.getByTestId('connection-secret-stored')).toHaveTextContent('Stored in keychain');
    expect(screen.queryByTestId('connection-secret')).toBeNull();
    expect(screen.getByTestId('connection-secret-replace')).toBeInTheDocument();
  });

  it('tests with the stored secret: secret null, saved names the connection', async () => {
    const { fake } = setup(saved);
    fake.secrets.set('Office S3', { accessKeyId: 'AKIAOFFICE', secret: 'right' });
    await fireEvent.click(screen.getByTestId('connection-test'));
    await waitFor(() => expect(screen.getByTestId('connection-test-result')).toHaveTextContent('OK — read and write'));
    const call = fake.calls.find((c) => c.cmd === 'test_connection')!;
    expect(call.args).toMatchObject({ accessKeyId: 'AKIAOFFICE', secret: null, saved: 'Office S3' });
  });

  it('Replace asks for a new secret, which is sent; a wrong one reads in plain words', async () => {
    const { fake } = setup(saved);
    await fireEvent.click(screen.getByTestId('connection-secret-replace'));
    const secret = screen.getByTestId('connection-secret') as HTMLInputElement;
    expect(secret.type).toBe('password');
    await fireEvent.input(secret, { target: { value: 'wrong' } });
    await fireEvent.click(screen.getByTestId('connection-test'));
    await waitFor(() => expect(screen.getByTestId('connection-test-result')).toHaveTextContent('Wrong access key or secret'));
    expect(fake.calls.find((c) => c.cmd === 'test_connection')!.args).toMatchObject({ secret: 'wrong', saved: null });
  });

  it.each([
    [{ bucket: 'missing' }, 'No such bucket'],
    [{ bucket: 'forbidden' }, 'The key has no access to this bucket'],
    [{ endpoint: 'https://unreachable.example.test' }, 'Cannot reach the server'],
    [{ accessKeyId: 'READONLY' }, 'Read-only: you can browse and download but not upload or delete'],
  ])('reports %o as "%s"', async (change, text) => {
    setup(null);
    const values: Record<string, string> = { name: 'New', bucket: 'docs', 'access-key-id': 'AK', secret: 'good', ...change };
    if ('accessKeyId' in change) values['access-key-id'] = change.accessKeyId as string;
    for (const [field, value] of Object.entries(values)) {
      const input = screen.queryByTestId(`connection-${field}`);
      if (input) await fireEvent.input(input, { target: { value } });
    }
    await fireEvent.click(screen.getByTestId('connection-test'));
    await waitFor(() => expect(screen.getByTestId('connection-test-result')).toHaveTextContent(text));
  });

  it('will not save an incomplete connection, and says what is missing', async () => {
    const { onsave } = setup(null);
    await fireEvent.input(screen.getByTestId('connection-name'), { target: { value: 'Local vault' } });
    await fireEvent.submit(screen.getByTestId('connection-form'));
    expect(onsave).not.toHaveBeenCalled();
    expect(screen.getByTestId('error-name')).toHaveTextContent('Another connection has this name');
    expect(screen.getByTestId('error-bucket')).toBeInTheDocument();
    expect(screen.getByTestId('error-secret')).toBeInTheDocument();
  });

  it('saves a new connection with its key ID and secret', async () => {
    const { onsave } = setup(null);
    const type = (field: string, value: string) => fireEvent.input(screen.getByTestId(`connection-${field}`), { target: { value } });
    await type('name', 'Garage');
    await type('endpoint', 'http://127.0.0.1:3900');
    await type('region', 'garage');
    await type('bucket', 'docs');
    await type('prefix', 'team');
    await type('access-key-id', 'GK1');
    await type('secret', 's3cret');
    await fireEvent.submit(screen.getByTestId('connection-form'));
    expect(onsave).toHaveBeenCalledWith(
      {
        name: 'Garage',
        endpoint: 'http://127.0.0.1:3900',
        region: 'garage',
        bucket: 'docs',
        prefix: 'team/',
        addressing: null,
        credentials: { source: 'keychain' },
        insecure: false,
        caCertificate: null,
      },
      'GK1',
      's3cret',
    );
  });

  it('saves plain http to another computer only once the person allows it', async () => {
    const { onsave } = setup(null);
    const type = (field: string, value: string) => fireEvent.input(screen.getByTestId(`connection-${field}`), { target: { value } });
    await type('name', 'Office NAS');
    await type('endpoint', 'http://nas.office.lan:9000');
    await type('bucket', 'docs');
    await type('access-key-id', 'GK1');
    await type('secret', 's3cret');
    await fireEvent.submit(screen.getByTestId('connection-form'));
    expect(onsave).not.toHaveBeenCalled();
    expect(screen.getByTestId('error-endpoint').textContent).toMatch(/unencrypted/);
    await fireEvent.click(screen.getByTestId('connection-insecure'));
    await fireEvent.submit(screen.getByTestId('connection-form'));
    expect(onsave).toHaveBeenCalledWith(expect.objectContaining({ endpoint: 'http://nas.office.lan:9000', insecure: true }), 'GK1', 's3cret');
  });
});
