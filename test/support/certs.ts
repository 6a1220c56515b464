import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away CA and a server certificate it signed, made with openssl for one test run. */
export interface TestCerts {
  ca: Buffer;
  otherCa: Buffer;
  key: Buffer;
  cert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  dir: string;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** CA, server certificate for `localhost` / 127.0.0.1, a client certificate, and an unrelated CA. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-stomp-certs-'));
  const ca = (name: string): void =>
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
  const leaf = (name: string, cn: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'nestjs-stomp-client', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return {
    ca: read('ca.crt'),
    otherCa: read('other-ca.crt'),
    key: read('server.key'),
    cert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
