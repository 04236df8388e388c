// The Helm chart (deploy/helm/migrate-identity) as helm itself sees it: lint, render, the
// values schema, and the rendered env and files read back by the app's own config loader.
// The chart applied to a real API server: helm-install.test.ts.
import type {
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1NetworkPolicy,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { msToNumber } from '@temporalio/common/lib/time.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../../src/config/index.js';
import { API_CALL, COMPENSATION, NOTIFY } from '../../workflows/activity-options.js';
import {
  assertHelmProvisioned,
  CHART_DIR,
  EXAMPLES,
  examplePath,
  findManifest,
  helm,
  kinds,
  renderChart,
  type Manifest,
} from '../support/helm.js';

const FLEET_EXAMPLE = fileURLToPath(new URL('../../fleet.example.yaml', import.meta.url));
const AWS_FLEET = `fleet=${FLEET_EXAMPLE}`;
const POLICY_EXAMPLE = fileURLToPath(new URL('../../access-policy.example.yaml', import.meta.url));
// fleet.example.yaml names its access policy: the chart needs the file with it.
const POLICY = `accessPolicy=${POLICY_EXAMPLE}`;
const SLACK = ['bot.enabled=true', 'slack.existingSecret=slack'];

function deployment(manifests: Manifest[], component: 'worker' | 'bot'): V1Deployment {
  return findManifest<V1Deployment>(manifests, 'Deployment', `mi-migrate-identity-${component}`);
}

function container(d: V1Deployment): V1Container {
  const c = d.spec?.template.spec?.containers[0];
  assert.ok(c, `${d.metadata?.name} has a container`);
  return c;
}

/**
 * What the app would see in the pod: the container's env with each Secret reference
 * replaced by a placeholder, and each path it names mapped from the pod's mounts to
 * files written here (the ConfigMap's keys).
 */
function podConfig(manifests: Manifest[], component: 'worker' | 'bot', scratch: string): Config {
  const d = deployment(manifests, component);
  const c = container(d);
  const configMap = findManifest<V1ConfigMap>(manifests, 'ConfigMap', 'mi-migrate-identity');
  const configMount = c.volumeMounts?.find((m) => m.name === 'config')?.mountPath;
  assert.ok(configMount, 'the ConfigMap is mounted');
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env[e.name] = ref ? `secret:${ref.name}/${ref.key}` : (e.value ?? '');
  }
  for (const [name, file] of [
    ['MIGRATE_IDENTITY_FLEET_FILE', 'fleet'],
    ['MIGRATE_IDENTITY_ACCESS_POLICY', 'access-policy'],
  ] as const) {
    const path = env[name];
    if (!path) continue;
    assert.equal(posix.dirname(path), configMount, `${name} is in the mounted ConfigMap`);
    const text = configMap.data?.[posix.basename(path)];
    assert.ok(text, `the ConfigMap holds ${posix.basename(path)}`);
    env[name] = join(scratch, `${component}-${file}.yaml`);
    writeFileSync(env[name], text);
  }
  return loadConfig(env);
}

/** The mount whose path holds `path`, so the file a variable names exists in the pod. */
function mountHolding(c: V1Container, path: string): string | undefined {
  return c.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`) || path === m.mountPath)?.name;
}

// Values documented as a whole rather than key by key.
const DOCUMENTED_WHOLE = new Set(['resources', 'startup', 'readiness', 'liveness', 'podDisruptionBudget']);

/** The dotted paths of values.yaml that the README must list, one row each. */
function valuePaths(values: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = `${prefix}${key}`;
    const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
    const opaque = DOCUMENTED_WHOLE.has(key) || ['podSecurityContext', 'securityContext'].includes(path);
    return isMap && Object.keys(value).length > 0 && !opaque
      ? valuePaths(value as Record<string, unknown>, `${path}.`)
      : [path];
  });
}

describe('Helm chart: lint, render and values', () => {
  let scratch: string;
  before(async () => {
    await assertHelmProvisioned();
    scratch = mkdtempSync(join(tmpdir(), 'migrate-identity-chart-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('helm lint --strict passes with the default values and with each example', async () => {
    for (const values of [[], ...EXAMPLES.map((name) => [examplePath(name)])]) {
      const result = await helm(['lint', '--strict', CHART_DIR, ...values.flatMap((v) => ['--values', v])]);
      assert.equal(result.code, 0, `helm lint ${values.join(' ')}:\n${result.stdout}${result.stderr}`);
    }
  });

  test('the defaults render the worker on the sandbox fleet, with its ServiceAccount, ConfigMap and PDB', async () => {
    const { manifests } = await renderChart();
    assert.deepEqual(kinds(manifests), [
      'ConfigMap/mi-migrate-identity',
      'Deployment/mi-migrate-identity-worker',
      'PodDisruptionBudget/mi-migrate-identity-worker',
      'ServiceAccount/mi-migrate-identity',
    ]);
    const config = podConfig(manifests, 'worker', scratch);
    assert.equal(config.fleet.mode, 'sandbox');
    assert.equal(config.slack, undefined);
    assert.equal(config.temporal.address, 'temporal-frontend.temporal.svc.cluster.local:7233');
    assert.equal(mountHolding(container(deployment(manifests, 'worker')), config.dataDir), 'data');
  });

  test('each example renders a config the worker and the bot accept, with every named file mounted', async () => {
    for (const name of EXAMPLES) {
      const { manifests } = await renderChart({ values: [examplePath(name)] });
      for (const component of ['worker', 'bot'] as const) {
        const config = podConfig(manifests, component, scratch);
        assert.equal(config.fleet.mode, 'aws', `${name} ${component}`);
        assert.ok(config.fleet.clusters.length > 0, `${name} ${component}`);
        assert.ok(config.slack, `${name} ${component}: Slack configured`);
        assert.ok(config.accessPolicy?.policy.rules.length, `${name} ${component}: an access policy`);
        assert.equal(deployment(manifests, component).spec?.replicas, 2, `${name} ${component}`);
        const c = container(deployment(manifests, component));
        for (const e of c.env ?? []) {
          if (e.value?.startsWith('/'))
            assert.ok(mountHolding(c, e.value), `${name} ${component}: ${e.name} is mounted`);
        }
      }
    }
  });

  test('Temporal over mTLS: the client certificate and key come from the Secret, mounted read-only', async () => {
    const { manifests } = await renderChart({ values: [examplePath('temporal-cloud-mtls')] });
    const d = deployment(manifests, 'worker');
    const c = container(d);
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    const volume = d.spec?.template.spec?.volumes?.find((v) => v.name === 'temporal-tls');
    assert.equal(volume?.secret?.secretName, 'temporal-client-tls');
    const mount = c.volumeMounts?.find((m) => m.name === 'temporal-tls');
    assert.equal(mount?.readOnly, true);
    assert.equal(env.TEMPORAL_TLS, 'true');
    assert.equal(env.TEMPORAL_TLS_CLIENT_CERT_PATH, `${mount?.mountPath}/tls.crt`);
    assert.equal(env.TEMPORAL_TLS_CLIENT_KEY_PATH, `${mount?.mountPath}/tls.key`);
  });

  test('Temporal API key and Slack Socket Mode: secrets by reference, no bot Service, exec probes', async () => {
    const { manifests, text } = await renderChart({ values: [examplePath('temporal-cloud-api-key')] });
    const bot = container(deployment(manifests, 'bot'));
    const refs = Object.fromEntries((bot.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    assert.deepEqual(refs.TEMPORAL_API_KEY, { name: 'temporal-api-key', key: 'api-key' });
    assert.deepEqual(refs.SLACK_APP_TOKEN, { name: 'migrate-identity-slack', key: 'app-token' });
    assert.equal(refs.SLACK_SIGNING_SECRET, undefined);
    assert.equal(podConfig(manifests, 'bot', scratch).slack?.appToken, 'secret:migrate-identity-slack/app-token');
    assert.ok(!manifests.some((m) => m.kind === 'Service'), 'Socket Mode opens no port');
    assert.deepEqual(bot.readinessProbe?.exec?.command?.slice(-2), ['deploy/healthcheck.ts', 'bot']);
    assert.equal(bot.ports, undefined);
    assert.doesNotMatch(text, /kind: Secret\b/, 'the chart never creates or copies a Secret');
  });

  test('Slack HTTP mode: a Service on the Slack port and HTTP probes on /healthz', async () => {
    const { manifests } = await renderChart({ set: SLACK });
    const bot = container(deployment(manifests, 'bot'));
    assert.deepEqual(bot.ports, [{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    for (const probe of [bot.startupProbe, bot.readinessProbe, bot.livenessProbe]) {
      assert.deepEqual(probe?.httpGet, { path: '/healthz', port: 'http' });
    }
    const service = findManifest<V1Service>(manifests, 'Service', 'mi-migrate-identity-bot');
    assert.deepEqual(
      service.spec?.ports?.map((p) => p.targetPort),
      ['http'],
    );
    assert.equal(podConfig(manifests, 'bot', scratch).slack?.port, 3000);
  });

  test('pods run non-root on a read-only root filesystem, without capabilities, with a writable /tmp', async () => {
    for (const values of [[], ...EXAMPLES.map((name) => [examplePath(name)])]) {
      const { manifests } = await renderChart({ values, set: SLACK });
      for (const component of ['worker', 'bot'] as const) {
        const d = deployment(manifests, component);
        const pod = d.spec?.template.spec;
        const c = container(d);
        const where = `${values.join(' ') || 'defaults'} ${component}`;
        assert.equal(pod?.securityContext?.runAsNonRoot, true, where);
        assert.ok((pod?.securityContext?.runAsUser ?? 0) > 0, `${where}: a numeric non-root uid`);
        assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault', where);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, where);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, where);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], where);
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        assert.ok(
          pod?.volumes?.some((v) => v.name === tmp?.name && v.emptyDir),
          `${where}: /tmp is an emptyDir`,
        );
        assert.ok(c.resources?.requests && c.resources.limits?.memory, `${where}: requests and a memory limit`);
      }
      assert.equal(deployment(manifests, 'bot').spec?.template.spec?.automountServiceAccountToken, false);
    }
  });

  test('the fleet scan: its interval and drift channel reach the worker and the bot; helm refuses a malformed one', async () => {
    const { manifests } = await renderChart({
      values: [examplePath('temporal-cloud-api-key')],
      set: ['scan.interval=6h', 'scan.driftChannel=C0DRIFT'],
    });
    for (const component of ['worker', 'bot'] as const) {
      const config = podConfig(manifests, component, scratch);
      assert.equal(config.scan.intervalSeconds, 6 * 3600, component);
      assert.equal(config.slack?.driftChannel, 'C0DRIFT', component);
    }
    const defaults = await renderChart({});
    assert.equal(podConfig(defaults.manifests, 'worker', scratch).scan.intervalSeconds, 86_400);
    const off = await renderChart({ set: ['scan.interval=off'] });
    assert.equal(podConfig(off.manifests, 'worker', scratch).scan.intervalSeconds, undefined);
    for (const [value, path] of [
      ['scan.interval=daily', /\/scan\/interval/],
      ['scan.driftChannel=#drift', /\/scan\/driftChannel/],
    ] as const) {
      const result = await helm(['template', 'mi', CHART_DIR, '--set', value]);
      assert.notEqual(result.code, 0, `helm accepted ${value}`);
      assert.match(result.stderr, path);
    }
  });

  test('the worker is given time to finish any activity that does not heartbeat before it is killed', async () => {
    const longest = Math.max(...[API_CALL, COMPENSATION, NOTIFY].map((o) => msToNumber(o.startToCloseTimeout ?? 0)));
    const { manifests } = await renderChart();
    const grace = deployment(manifests, 'worker').spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
    assert.ok(grace * 1000 > longest, `terminationGracePeriodSeconds ${grace}s vs ${longest / 1000}s`);
  });

  test('a fleet or access-policy change rolls the pods; other changes leave the checksum alone', async () => {
    const checksums = async (set: string[], setFile: string[] = []) => {
      const { manifests } = await renderChart({ set: [...SLACK, ...set], setFile });
      return (['worker', 'bot'] as const).map(
        (c) => deployment(manifests, c).spec?.template.metadata?.annotations?.['checksum/config'],
      );
    };
    const base = await checksums([]);
    assert.match(base[0] ?? '', /^[0-9a-f]{64}$/);
    assert.equal(base[0], base[1]);
    const withFleet = await checksums([], [AWS_FLEET, POLICY]);
    assert.notEqual(withFleet[0], base[0]);
    assert.equal(withFleet[0], withFleet[1]);
    const oneApproval = join(scratch, 'one-approval.yaml');
    writeFileSync(oneApproval, readFileSync(POLICY_EXAMPLE, 'utf8').replace('minApprovals: 2', 'minApprovals: 1'));
    assert.notEqual((await checksums([], [AWS_FLEET, `accessPolicy=${oneApproval}`]))[0], withFleet[0]);
    assert.deepEqual(await checksums(['worker.replicas=3', 'bot.replicas=3'], [AWS_FLEET, POLICY]), withFleet);
  });

  test('the access policy, when set, is a second file of the same ConfigMap, named by MIGRATE_IDENTITY_ACCESS_POLICY', async () => {
    const { manifests } = await renderChart({ set: SLACK, setFile: [AWS_FLEET, POLICY] });
    const configMap = findManifest<V1ConfigMap>(manifests, 'ConfigMap', 'mi-migrate-identity');
    assert.deepEqual(Object.keys(configMap.data ?? {}).sort(), ['access-policy.yaml', 'fleet.yaml']);
    assert.deepEqual(parse(configMap.data?.['access-policy.yaml'] ?? ''), parse(readFileSync(POLICY_EXAMPLE, 'utf8')));
    for (const component of ['worker', 'bot'] as const) {
      const config = podConfig(manifests, component, scratch);
      assert.equal(config.accessPolicy?.path, join(scratch, `${component}-access-policy.yaml`), component);
      assert.deepEqual(
        config.accessPolicy?.policy.rules.map((r) => [r.name, r.approvers.minApprovals]),
        [
          ['payments-production', 2],
          ['everything-else', 1],
        ],
        component,
      );
      const env = container(deployment(manifests, component)).env ?? [];
      assert.ok(!env.some((e) => /^SLACK_(APPROVERS|ALLOWED_STARTERS)$/.test(e.name)), component);
    }
    const none = await renderChart();
    assert.equal(findManifest<V1ConfigMap>(none.manifests, 'ConfigMap', 'mi-migrate-identity').data, undefined);
    const noPolicy = await renderChart({ set: SLACK });
    assert.equal(podConfig(noPolicy.manifests, 'bot', scratch).accessPolicy, undefined);
  });

  test('slack.approvers and slack.allowedStarters are refused, naming the access policy that replaced them', async () => {
    for (const old of ['approvers', 'allowedStarters']) {
      const result = await helm(['template', 'mi', CHART_DIR, '--set', `slack.${old}={U0123ABCD}`]);
      assert.notEqual(result.code, 0, `helm accepted slack.${old}`);
      assert.match(
        result.stderr,
        new RegExp(
          `slack\\.${old} is no longer read: .*the accessPolicy value \\(see access-policy\\.example\\.yaml\\)`,
        ),
      );
    }
    // Empty lists, as an old values file may carry, say nothing and are let through.
    const oldValues = join(scratch, 'old-values.yaml');
    writeFileSync(oldValues, 'slack:\n  approvers: []\n  allowedStarters: []\n');
    await renderChart({ values: [oldValues] });
  });

  test('a fleet file that names its access policy needs the file in the chart too', async () => {
    const result = await helm(['template', 'mi', CHART_DIR, '--set-file', AWS_FLEET]);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /the fleet file names an access policy \(accessPolicy: \.\/access-policy\.example\.yaml\), but the chart's accessPolicy value is empty: .*--set-file accessPolicy=access-policy\.example\.yaml/,
    );
  });

  test('Pod Identity by default; serviceAccount.irsaRoleArn adds the IRSA annotation instead', async () => {
    const sa = async (set: string[] = []) =>
      findManifest<V1ServiceAccount>((await renderChart({ set })).manifests, 'ServiceAccount', 'mi-migrate-identity');
    assert.equal((await sa()).metadata?.annotations, undefined);
    const arn = 'arn:aws:iam::123456789012:role/migrate-identity-worker';
    assert.deepEqual((await sa([`serviceAccount.irsaRoleArn=${arn}`])).metadata?.annotations, {
      'eks.amazonaws.com/role-arn': arn,
    });
    const { manifests } = await renderChart();
    assert.equal(deployment(manifests, 'worker').spec?.template.spec?.serviceAccountName, 'mi-migrate-identity');
  });

  test('NetworkPolicy: egress to DNS, Temporal, HTTPS and the Pod Identity agent; ingress to the Slack port', async () => {
    const { manifests } = await renderChart({ values: [examplePath('self-hosted-temporal')] });
    const worker = findManifest<V1NetworkPolicy>(manifests, 'NetworkPolicy', 'mi-migrate-identity-worker');
    const bot = findManifest<V1NetworkPolicy>(manifests, 'NetworkPolicy', 'mi-migrate-identity-bot');
    const egressPorts = (np: V1NetworkPolicy) => np.spec?.egress?.flatMap((r) => r.ports?.map((p) => p.port)).sort();
    assert.deepEqual(egressPorts(worker), [443, 53, 53, 7233, 80]);
    assert.deepEqual(egressPorts(bot), [443, 53, 53, 7233]);
    const temporal = worker.spec?.egress?.find((r) => r.ports?.[0]?.port === 7233);
    assert.deepEqual(temporal?.to?.[0]?.namespaceSelector?.matchLabels, { 'kubernetes.io/metadata.name': 'temporal' });
    const agent = worker.spec?.egress?.find((r) => r.ports?.[0]?.port === 80);
    assert.deepEqual(
      agent?.to?.map((p) => p.ipBlock?.cidr),
      ['169.254.170.23/32', 'fd00:ec2::23/128'],
    );
    assert.deepEqual(worker.spec?.ingress, []);
    assert.deepEqual(
      bot.spec?.ingress?.map((r) => r.ports?.map((p) => p.port)),
      [['http']],
    );
  });

  test('metrics: a port on each pod, Services with a metrics port, and the ServiceMonitor when asked', async () => {
    const off = await renderChart({ set: SLACK });
    assert.ok(!off.manifests.some((m) => m.kind === 'ServiceMonitor'), 'off by default');
    const { manifests } = await renderChart({
      set: [...SLACK, 'metrics.enabled=true', 'metrics.serviceMonitor.enabled=true'],
    });
    const monitor = findManifest<Manifest & { spec: { endpoints: { port: string; path: string }[] } }>(
      manifests,
      'ServiceMonitor',
      'mi-migrate-identity',
    );
    assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
    assert.deepEqual(
      monitor.spec.endpoints.map((e) => [e.port, e.path]),
      [['metrics', '/metrics']],
    );
    for (const component of ['worker', 'bot'] as const) {
      assert.ok(
        container(deployment(manifests, component)).ports?.some((p) => p.name === 'metrics'),
        component,
      );
    }
    findManifest(manifests, 'Service', 'mi-migrate-identity-worker-metrics');
  });

  test('the chart README lists every value, and no value that is not there', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Values'));
    const rows = [...table.matchAll(/^\| `([^`]+)` /gm)].map((m) => m[1]);
    assert.deepEqual(rows, valuePaths(values));
  });

  test('values.schema.json: helm refuses bad values before rendering anything', async () => {
    const refused = async (args: string[]) => {
      const result = await helm(['template', 'mi', CHART_DIR, ...args]);
      assert.notEqual(result.code, 0, `helm accepted ${args.join(' ')}`);
      assert.equal(result.stdout, '');
      return result.stderr;
    };
    const negative = await refused(['--set', 'worker.replicas=-1']);
    assert.match(negative, /values don't meet the specifications of the schema/);
    assert.match(negative, /\/worker\/replicas/);
    assert.match(await refused(['--set', 'bot.replicas=-1']), /\/bot\/replicas/);
    assert.match(await refused(['--set', 'worker.replcas=2']), /additional properties 'replcas' not allowed/);
    assert.match(await refused(['--set', 'logLevel=LOUD']), /\/logLevel/);
    assert.match(await refused(['--set', 'bot.enabled=true']), /\/slack\/existingSecret/);
    assert.match(await refused(['--set', 'temporal.tls.enabled=true']), /\/temporal\/tls\/existingSecret/);
    assert.match(await refused(['--set', 'metrics.serviceMonitor.enabled=true']), /\/metrics\/enabled/);
    assert.match(await refused(['--set', 'serviceAccount.irsaRoleArn=my-role']), /\/serviceAccount\/irsaRoleArn/);
    assert.match(await refused(['--set', 'worker.replicas=2']), /the sandbox fleet's state lives in one pod/);
    assert.match(await refused(['--set', 'accessPolicy.defaults.approvals=2']), /\/accessPolicy/);
    const lint = await helm(['lint', CHART_DIR, '--set', 'worker.replicas=-1']);
    assert.notEqual(lint.code, 0);
    assert.match(lint.stdout + lint.stderr, /\/worker\/replicas/);
  });
});
