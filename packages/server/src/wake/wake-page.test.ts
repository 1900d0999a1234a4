import { describe, expect, it } from 'vitest';
import { wakeMessage, wakePage } from './wake-page.js';

const ws = { name: 'alice', error: null } as const;

describe('the waking page', () => {
  it('says resuming for saved memory, starting for a boot, and why a failed one is not starting', () => {
    expect(wakeMessage({ ...ws, state: 'suspended', phase: 'suspended' }).title).toBe('Resuming alice…');
    expect(wakeMessage({ ...ws, state: 'starting', phase: 'vm_resuming' }).title).toBe('Resuming alice…');
    expect(wakeMessage({ ...ws, state: 'starting', phase: 'vm_starting' }).title).toBe('Starting alice…');
    expect(wakeMessage({ ...ws, state: 'suspending', phase: 'suspending' }).title).toBe(
      'alice is going to sleep',
    );
    expect(wakeMessage({ ...ws, state: 'error', phase: 'failed', error: 'QEMU could not start.' })).toEqual({
      title: 'alice could not start',
      detail: 'QEMU could not start. Start it again from the dashboard.',
    });
  });

  it('escapes what it shows and polls with the header that lets its poll wake the workspace', () => {
    const html = wakePage({ title: 'Resuming alice…', detail: '<script>alert(1)</script> & more' });
    expect(html).toContain('<h1>Resuming alice…</h1>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; more');
    expect(html).toContain("'X-Rockpool-Wake': '1'");
    expect(html).toContain('<meta http-equiv="refresh" content="2">');
  });
});
