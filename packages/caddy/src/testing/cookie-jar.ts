/** A browser-like client: keeps cookies by name (cookies are not port-scoped) and follows redirects. */
export class CookieJarClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie line received, to check the attributes. */
  readonly setCookies: string[] = [];

  async get(url: string, init: RequestInit = {}): Promise<{ res: Response; url: string; hops: string[] }> {
    const hops: string[] = [];
    let current = url;
    for (let i = 0; i < 15; i++) {
      const res = await this.request(current, init);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current, hops };
      await res.arrayBuffer();
      current = new URL(location, current).toString();
      hops.push(current);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        // What a browser's navigation sends: the edge redirects only these to the sign-in page.
        Accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
        ...(init.headers as Record<string, string>),
        ...(cookie ? { Cookie: cookie } : {}),
      },
    });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}
