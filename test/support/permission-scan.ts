/**
 * Reads the adapters' source (TypeScript syntax trees, so comments and strings never
 * count) and lists what they ask of AWS and of the Kubernetes API: the raw material for
 * test/deploy/least-privilege.test.ts, which maps it to IAM actions and RBAC rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface Source {
  /** Repository-relative, for messages. */
  path: string;
  text: string;
}

/** Something the code does, and every place it does it (`path:line`). */
export type Uses = Map<string, string[]>;

export interface Scan {
  uses: Uses;
  /** Things the scan saw but cannot classify: each is a complete sentence for the failure message. */
  problems: string[];
}

export function readSources(root: string, dir: string): Source[] {
  const walk = (abs: string): string[] =>
    readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
    });
  return walk(join(root, dir))
    .sort()
    .map((abs) => ({ path: relative(root, abs), text: readFileSync(abs, 'utf8') }));
}

interface ImportedValue {
  name: string;
  module: string;
  /** `path:line` of the import. */
  at: string;
}

interface Parsed {
  source: Source;
  file: ts.SourceFile;
  /** Named value imports (type-only ones left out), by local name. */
  values: Map<string, ImportedValue>;
  /** `import * as alias from 'module'`. */
  namespaces: Map<string, string>;
}

function parse(source: Source): Parsed {
  const file = ts.createSourceFile(source.path, source.text, ts.ScriptTarget.Latest, true);
  const values = new Map<string, ImportedValue>();
  const namespaces = new Map<string, string>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const module = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    if (clause === undefined || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) namespaces.set(bindings.name.text, module);
    if (bindings !== undefined && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (element.isTypeOnly) continue;
        const name = (element.propertyName ?? element.name).text;
        values.set(element.name.text, { name, module, at: where({ source, file }, element) });
      }
    }
  }
  return { source, file, values, namespaces };
}

function where(parsed: Pick<Parsed, 'source' | 'file'>, node: ts.Node): string {
  const { line } = parsed.file.getLineAndCharacterOfPosition(node.getStart(parsed.file));
  return `${parsed.source.path}:${line + 1}`;
}

function visit(node: ts.Node, fn: (node: ts.Node) => void): void {
  fn(node);
  node.forEachChild((child) => visit(child, fn));
}

function add(uses: Uses, key: string, at: string): void {
  uses.set(key, [...(uses.get(key) ?? []), at]);
}

const AWS_CLIENT_PACKAGE = /^@aws-sdk\/client-([a-z0-9-]+)$/;

/**
 * AWS operations as `<iam prefix>:<Operation>`: each command imported from an
 * `@aws-sdk/client-*` package or built with `new …Command(`, each `paginate…` helper, and
 * each request presigned by hand (`service: 'sts'` plus `Action: 'GetCallerIdentity'`).
 * `prefixByPackage` maps `client-eks` to `eks`; a package it lacks is a problem.
 */
export function scanAwsOperations(sources: Source[], prefixByPackage: Record<string, string>): Scan {
  const uses: Uses = new Map();
  const problems: string[] = [];
  const prefixOf = (module: string, at: string): string | undefined => {
    const pkg = AWS_CLIENT_PACKAGE.exec(module)?.[1];
    if (pkg === undefined) return undefined;
    const prefix = prefixByPackage[`client-${pkg}`];
    if (prefix === undefined) {
      problems.push(`${at} uses ${module}, whose IAM service prefix the scan does not know: add it to the prefixes.`);
    }
    return prefix;
  };

  for (const parsed of sources.map(parse)) {
    for (const [local, { name, module, at }] of parsed.values) {
      const prefix = prefixOf(module, at);
      if (prefix === undefined) continue;
      const command = /^(\w+)Command$/.exec(name)?.[1];
      const paginated = /^paginate(\w+)$/.exec(name)?.[1];
      if (command !== undefined || paginated !== undefined) {
        add(uses, `${prefix}:${command ?? paginated}`, at);
      } else if (!/(Client|Exception)$/.test(name)) {
        problems.push(
          `${at} imports ${local} from ${module}: neither a command, a paginator, a client nor an exception, so the scan cannot tell which IAM action it needs.`,
        );
      }
    }

    const services = new Set<string>();
    const actions: { action: string; at: string }[] = [];
    visit(parsed.file, (node) => {
      if (ts.isNewExpression(node)) {
        const callee = node.expression;
        const name = ts.isIdentifier(callee)
          ? callee.text
          : ts.isPropertyAccessExpression(callee)
            ? callee.name.text
            : undefined;
        const command = name === undefined ? undefined : /^(\w+)Command$/.exec(name)?.[1];
        if (command === undefined) return;
        const module =
          ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)
            ? parsed.namespaces.get(callee.expression.text)
            : parsed.values.get(name ?? '')?.module;
        const prefix = module === undefined ? undefined : prefixOf(module, where(parsed, node));
        if (prefix === undefined) {
          problems.push(
            `${where(parsed, node)} builds ${name} without importing it from an @aws-sdk/client-* package.`,
          );
          return;
        }
        add(uses, `${prefix}:${command}`, where(parsed, node));
      }
      if (ts.isObjectLiteralExpression(node)) {
        const strings = stringProperties(node, parsed.file);
        if (strings.service !== undefined) services.add(strings.service);
        // A query-protocol request (`{ Action, Version: '2011-06-15' }`), not a policy statement.
        if (strings.Action !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(strings.Version ?? '')) {
          actions.push({ action: strings.Action, at: where(parsed, node) });
        }
      }
    });
    for (const { action, at } of actions) {
      const [service, ...others] = services;
      if (service === undefined || others.length > 0) {
        problems.push(`${at} signs the AWS action ${action}, but the scan cannot tell for which service.`);
      } else {
        add(uses, `${service}:${action}`, at);
      }
    }
  }
  return { uses, problems };
}

function stringProperties(literal: ts.ObjectLiteralExpression, file: ts.SourceFile): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const property of literal.properties) {
    if (ts.isPropertyAssignment(property) && ts.isStringLiteralLike(property.initializer)) {
      strings[property.name.getText(file).replace(/^['"]|['"]$/g, '')] = property.initializer.text;
    }
  }
  return strings;
}

export interface KubernetesCatalogue {
  /** client-node API class names whose method calls are scanned (CoreV1Api, AppsV1Api, …). */
  apiClasses: ReadonlySet<string>;
  /** Every method name of those classes (without the `WithHttpInfo` twins). */
  apiMethods: ReadonlySet<string>;
  /** Other client-node values that stand for API calls of their own (Exec, Attach, …). */
  helpers: ReadonlySet<string>;
  /** client-node values that make no API call (KubeConfig, ApiException, …). */
  inert: ReadonlySet<string>;
}

/**
 * Kubernetes API calls as client-node method names (`readNamespacedServiceAccount`) and
 * helper classes (`Exec`). A client-node value the catalogue does not know is a problem, so
 * a new kind of call (KubernetesObjectApi, Watch, an informer) cannot slip past the scan.
 */
export function scanKubernetesCalls(sources: Source[], catalogue: KubernetesCatalogue): Scan {
  const uses: Uses = new Map();
  const problems: string[] = [];
  for (const parsed of sources.map(parse)) {
    for (const [alias, module] of parsed.namespaces) {
      if (module === '@kubernetes/client-node') {
        problems.push(`${parsed.source.path} imports all of client-node as ${alias}: import the names it uses.`);
      }
    }
    for (const [local, { name, module, at }] of parsed.values) {
      if (module !== '@kubernetes/client-node') continue;
      if (catalogue.helpers.has(name)) add(uses, name, at);
      else if (!catalogue.apiClasses.has(name) && !catalogue.inert.has(name)) {
        problems.push(`${at} imports ${local} from @kubernetes/client-node, which the scan cannot map to RBAC rules.`);
      }
    }
    visit(parsed.file, (node) => {
      if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return;
      const method = node.expression.name.text.replace(/WithHttpInfo$/, '');
      if (catalogue.apiMethods.has(method)) add(uses, method, where(parsed, node));
    });
  }
  return { uses, problems };
}
