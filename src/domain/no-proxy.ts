/**
 * NO_PROXY, read the way the HTTP clients in pods read it: comma-separated entries, an IP
 * literal (IPv6 with or without brackets, optionally with the port), a CIDR block (Go's
 * net/http, Python requests and curl since 7.86 match those), `*` for everything, and host
 * or `.domain` names, which never match an IP literal such as the Pod Identity agent's.
 */

/** Does this NO_PROXY value keep requests to `ip`, port 80, away from the proxy? */
export function noProxyCovers(noProxy: string, ip: string): boolean {
  const target = parseIp(ip);
  if (target === undefined) return false;
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .some((entry) => entry === '*' || entryCovers(entry, target));
}

interface Ip {
  version: 4 | 6;
  value: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

function entryCovers(entry: string, target: Ip): boolean {
  const [address = '', prefix, ...extra] = withoutPort(entry).split('/');
  if (extra.length > 0) return false;
  const network = parseIp(address);
  if (network === undefined || network.version !== target.version) return false;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return false;
  const bits = BITS[target.version];
  const length = prefix === undefined ? bits : Number(prefix);
  if (length > bits) return false;
  const hostBits = BigInt(bits - length);
  return network.value >> hostBits === target.value >> hostBits;
}

/** `[fd00:ec2::23]:80` → `fd00:ec2::23`, `169.254.170.23:80` → `169.254.170.23`; other ports never match port 80. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(entry);
  if (bracketed) {
    const [, address = '', port, prefix = ''] = bracketed;
    return port === undefined || port === '80' ? address + prefix : '';
  }
  const ipv4WithPort = /^([\d.]+):(\d+)$/.exec(entry);
  if (ipv4WithPort) return ipv4WithPort[2] === '80' ? (ipv4WithPort[1] ?? '') : '';
  return entry;
}

function parseIp(text: string): Ip | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Ip | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return { version: 4, value: parts.reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
}

function parseIpv6(text: string): Ip | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half === undefined || half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (all.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return { version: 6, value: all.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n) };
}
