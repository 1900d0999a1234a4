import type { Benchmark } from './types.js';

export const readyTime: Benchmark = {
  name: 'ready-time',
  description: 'POST /api/workspaces to the IDE answering 200 through Caddy, by phase (qemu)',
  async run() {
    throw new Error('not yet');
  },
};
