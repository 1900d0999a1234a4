import { BlockList, isIP } from 'node:net';
import { EdgeConfigError } from './errors.js';

/** Returns why `entry` is not an IP address or CIDR range, or undefined when it is. */
export function ipRangeProblem(entry: string): string | undefined {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `${JSON.stringify(entry)} is not an IP address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || bits > max)
    return `${JSON.stringify(entry)} has an invalid prefix length (0-${max} for IPv${family})`;
  try {
    // BlockList is Node's own parser; it agrees with what Caddy accepts for these two shapes.
    new BlockList().addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
  } catch (error) {
    return `${JSON.stringify(entry)} is not a valid CIDR range: ${(error as Error).message}`;
  }
  return undefined;
}

/** Trims and checks every entry; the first bad one is a clear error naming the list it is in. */
export function parseIpRanges(entries: readonly string[], what: string): string[] {
  const ranges = entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of ranges) {
    const problem = ipRangeProblem(entry);
    if (problem) throw new EdgeConfigError('invalid_ip_range', `${what}: ${problem}`);
  }
  return ranges;
}
