import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createSelfSigned } from '@rockpool/pki';
import { describe, expect, it } from 'vitest';
import { applyConfigFlags } from './config-flags.js';
import { prepareEdge } from './edge-setup.js';
import { readSettings } from './settings.js';

describe('prepareEdge', () => {
  it('replaces a self-signed certificate that expires within 30 days, and keeps a good one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-edge-setup-'));
    try {
      const tls = join(dataDir, 'tls');
      await mkdir(tls);
      await createSelfSigned({
        certFile: join(tls, 'server.crt'),
        keyFile: join(tls, 'server.key'),
        days: 1,
        subject: '/CN=old',
        extensions: [],
      });
      const settings = readSettings(
        { ROCKPOOL_DATA_DIR: dataDir, ROCKPOOL_CADDY_BIN: '/bin/caddy' },
        applyConfigFlags(undefined, { tls: 'self-signed' }),
      );
      const validTo = async () =>
        new Date(new X509Certificate(await readFile(join(tls, 'server.crt'))).validTo);
      const echo = new PassThrough();
      await prepareEdge(settings, echo);
      const renewed = await validTo();
      expect(renewed.getTime()).toBeGreaterThan(Date.now() + 800 * 24 * 3600 * 1000);
      await prepareEdge(settings, echo);
      expect(await validTo()).toEqual(renewed);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
