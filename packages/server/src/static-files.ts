import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { badRequest } from './errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The dashboard only talks to its own origin; nothing may frame it. In development (`rockpool dev`)
 * Vite's client also needs its inline React-refresh preamble; its HMR WebSocket goes to this same
 * origin (`connect-src 'self'` covers ws: there), so that is the only difference.
 */
export function dashboardContentSecurityPolicy(options: { viteDevClient?: boolean } = {}): string {
  const script = options.viteDevClient ? "; script-src 'self' 'unsafe-inline'" : '';
  return `default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'${script}; frame-ancestors 'none'`;
}

/** A percent-encoded path, decoded; a malformed one (`%E0`, not UTF-8) is the client's error. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw badRequest('invalid_path', `The path ${JSON.stringify(path)} is not valid percent-encoded UTF-8.`);
  }
}

/**
 * Serves the built dashboard under `prefix`. Vite's hashed assets are cached for good; any other
 * path is a client-side route and gets index.html (never cached, so a new build shows at once).
 */
export function spaHandler(root: string, prefix = '/app') {
  return async (path: string): Promise<Response> => {
    const relative = decodePath(path).slice(prefix.length).replace(/^\/+/, '');
    const file = normalize(join(root, relative));
    if (file !== root && !file.startsWith(root + sep)) return new Response('Not found', { status: 404 });
    const isFile =
      relative !== '' &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ));
    if (isFile) {
      const hashed = relative.startsWith('assets/');
      return new Response(await readFile(file), {
        headers: {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      });
    }
    if (relative.startsWith('assets/')) return new Response('Not found', { status: 404 });
    const index = await readFile(join(root, 'index.html')).catch(() => undefined);
    if (!index)
      return new Response('The dashboard is not built (pnpm --filter @rockpool/spa build).', { status: 503 });
    return new Response(index, {
      headers: {
        'Content-Type': TYPES['.html'] as string,
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': dashboardContentSecurityPolicy(),
        'X-Content-Type-Options': 'nosniff',
      },
    });
  };
}
