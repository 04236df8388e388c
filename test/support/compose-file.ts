import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * docker-compose.yml read the way Compose reads it (anchors and `<<` merges, `${VAR}`,
 * `${VAR:-default}` and `${VAR-default}` interpolation, short-form ports and volumes), so
 * the production-shaped stack harness runs what the compose file declares instead of a
 * copy of it.
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

export interface ComposeMount {
  /** Repo-relative path of a bind mount (`./deploy/…`), or the name of a named volume. */
  source: string;
  target: string;
  bind: boolean;
}

export interface ComposePort {
  hostIp: string;
  published: string;
  target: number;
}

export interface ComposeService {
  name: string;
  image?: string;
  /** Build context, for an image built from a Dockerfile. */
  build?: string;
  environment: Record<string, string>;
  envFiles: string[];
  entrypoint?: string[];
  command?: string[];
  healthcheck?: string[];
  mounts: ComposeMount[];
  ports: ComposePort[];
  dependsOn: string[];
  profiles: string[];
}

/** Compose's variable substitution; a variable neither set nor defaulted is an error here (Compose warns). */
export function interpolate(text: string, variables: Record<string, string | undefined>): string {
  return text.replace(/\$(?:\$|\{(\w+)(?:(:?-)([^}]*))?\}|(\w+))/g, (match, braced, op, fallback, bare) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = variables[name];
    if (op === ':-' && !value) return fallback as string;
    if (op === '-' && value === undefined) return fallback as string;
    if (value === undefined) throw new Error(`docker-compose.yml: \${${name}} is not set and has no default`);
    return value;
  });
}

function deepInterpolate(value: unknown, variables: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return interpolate(value, variables);
  if (Array.isArray(value)) return value.map((v) => deepInterpolate(v, variables));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepInterpolate(v, variables)]));
  }
  return value;
}

function asList(key: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  // Compose splits a string with shell quoting rules; the list form needs no parser here.
  if (!Array.isArray(value)) throw new Error(`docker-compose.yml: write ${key} in the list form`);
  return value.map(String);
}

function environment(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry: string) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function mount(spec: string): ComposeMount {
  const [source = '', target = ''] = spec.split(':');
  return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
}

function port(spec: string): ComposePort {
  const parts = spec.split(':');
  const target = Number(parts.pop());
  const published = parts.pop() ?? String(target);
  return { hostIp: parts.join(':') || '0.0.0.0', published, target };
}

/** The services of a compose file with `variables` substituted; x-… extension keys are not services. */
export function readComposeFile(
  path: string,
  variables: Record<string, string | undefined>,
): Map<string, ComposeService> {
  const raw = parse(readFileSync(path, 'utf8'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const services = new Map<string, ComposeService>();
  for (const [name, definition] of Object.entries(raw.services)) {
    const s = deepInterpolate(definition, variables) as Record<string, unknown>;
    const health = s.healthcheck as { test?: string[] } | undefined;
    const dependsOn = s.depends_on ?? [];
    services.set(name, {
      name,
      ...(typeof s.image === 'string' && { image: s.image }),
      ...(s.build !== undefined && {
        build: typeof s.build === 'string' ? s.build : String((s.build as { context?: string }).context ?? '.'),
      }),
      environment: environment(s.environment),
      envFiles: s.env_file === undefined ? [] : [s.env_file].flat().map(String),
      ...(s.entrypoint !== undefined && { entrypoint: asList('entrypoint', s.entrypoint) }),
      ...(s.command !== undefined && { command: asList('command', s.command) }),
      ...(health?.test?.[0] === 'CMD' && { healthcheck: health.test.slice(1) }),
      mounts: ((s.volumes ?? []) as string[]).map(mount),
      ports: ((s.ports ?? []) as string[]).map(port),
      dependsOn: Array.isArray(dependsOn) ? dependsOn.map(String) : Object.keys(dependsOn),
      profiles: ((s.profiles ?? []) as string[]).map(String),
    });
  }
  return services;
}

/** Services in an order that starts each after everything it depends on (file order among equals). */
export function startOrder(services: Map<string, ComposeService>): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`docker-compose.yml: depends_on cycle through ${name}`);
    const service = services.get(name);
    if (!service) throw new Error(`docker-compose.yml: depends_on names an unknown service ${name}`);
    visiting.add(name);
    for (const dependency of service.dependsOn) visit(dependency);
    visiting.delete(name);
    order.push(name);
  };
  for (const name of services.keys()) visit(name);
  return order;
}
