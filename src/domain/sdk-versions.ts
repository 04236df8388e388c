/**
 * Which AWS SDKs can take Pod Identity credentials, and which SDK a CloudTrail `userAgent`
 * names. Data and pure functions; the SDK audit (`cloudtrail-evidence.ts`) reads them.
 */

/** AWS's table: "Make sure that you're using the following versions, or later, for your AWS SDK". */
export const SDK_MINIMUMS_SOURCE = 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html';

export type SdkId =
  | 'java-v2'
  | 'java-v1'
  | 'go-v1'
  | 'go-v2'
  | 'python-boto3'
  | 'python-botocore'
  | 'aws-cli-v1'
  | 'aws-cli-v2'
  | 'javascript-v2'
  | 'javascript-v3'
  | 'kotlin'
  | 'ruby'
  | 'rust'
  | 'cpp'
  | 'dotnet'
  | 'powershell'
  | 'php';

export interface SdkMinimum {
  sdk: SdkId;
  /** As AWS's table names it. */
  name: string;
  /** As AWS's table states it. */
  documented: string;
  /**
   * The same minimum as the version the SDK puts in its user agent, when one compares: Go
   * v2 and Rust state a release date, their user agents a module version, so they have none.
   */
  comparable?: string;
  /** What the user agent's version is the version of, when it is not the SDK's own. */
  uaNote?: string;
}

export const SDK_MINIMUMS: readonly SdkMinimum[] = [
  { sdk: 'java-v2', name: 'Java (Version 2)', documented: '2.21.30', comparable: '2.21.30' },
  { sdk: 'java-v1', name: 'Java', documented: '1.12.746', comparable: '1.12.746' },
  { sdk: 'go-v1', name: 'Go v1', documented: 'v1.47.11', comparable: '1.47.11' },
  {
    sdk: 'go-v2',
    name: 'Go v2',
    documented: 'release-2023-11-14',
    uaNote: 'the core module version; the credential providers are in the config and credentials modules',
  },
  { sdk: 'python-boto3', name: 'Python (Boto3)', documented: '1.34.41', comparable: '1.34.41' },
  { sdk: 'python-botocore', name: 'Python (botocore)', documented: '1.34.41', comparable: '1.34.41' },
  { sdk: 'aws-cli-v1', name: 'AWS CLI', documented: '1.30.0', comparable: '1.30.0' },
  { sdk: 'aws-cli-v2', name: 'AWS CLI', documented: '2.15.0', comparable: '2.15.0' },
  { sdk: 'javascript-v2', name: 'JavaScript v2', documented: '2.1550.0', comparable: '2.1550.0' },
  { sdk: 'javascript-v3', name: 'JavaScript v3', documented: 'v3.458.0', comparable: '3.458.0' },
  { sdk: 'kotlin', name: 'Kotlin', documented: 'v1.0.1', comparable: '1.0.1' },
  // `aws-sdk-ruby3/<version>` is aws-sdk-core's version (CORE_GEM_VERSION), the gem with the credential chain.
  { sdk: 'ruby', name: 'Ruby', documented: '3.188.0', comparable: '3.188.0', uaNote: 'aws-sdk-core' },
  { sdk: 'rust', name: 'Rust', documented: 'release-2024-03-13' },
  { sdk: 'cpp', name: 'C++', documented: '1.11.263', comparable: '1.11.263' },
  // The table's 3.7.734.0 is a service package's version; user agents name AWSSDK.Core's own
  // (`aws-sdk-dotnet-core/…`, `md/aws-sdk-dotnet-core#…`), and Core 3.7.302 is the one that
  // shipped with it (shared/reference/pod-identity.md).
  {
    sdk: 'dotnet',
    name: '.NET',
    documented: '3.7.734.0 (AWSSDK.Core 3.7.302)',
    comparable: '3.7.302',
    uaNote: 'AWSSDK.Core',
  },
  { sdk: 'powershell', name: 'PowerShell', documented: '4.1.502', comparable: '4.1.502' },
  { sdk: 'php', name: 'PHP', documented: '3.287.1', comparable: '3.287.1' },
];

export interface SdkInUse {
  sdk: SdkId;
  /** The version the user agent names, as written there. */
  version?: string;
}

const first = (ua: string, pattern: RegExp): string | undefined => pattern.exec(ua)?.[1];
const major = (version: string) => Number(version.replace(/^v/i, '').split('.')[0]);

/**
 * The SDK a user agent names. Formats, from the SDKs' sources and CloudTrail events:
 * `aws-cli/2.15.38 Python/3.11.8 …`; `Boto3/1.28.0 md/Botocore#1.31.0 … Botocore/1.31.0`;
 * `aws-sdk-java/2.20.1 Linux/… Java/17.0.6 …` (1.x is v1); `aws-sdk-go/1.45.1 (go1.21.4; linux; amd64)`;
 * `aws-sdk-go-v2/1.21.2 os/linux lang/go#1.19.13 …`; `aws-sdk-js/3.400.0 ua/2.0 …` (v3; v2 in the
 * browser) and `aws-sdk-nodejs/2.1400.0 linux/v18 …` (v2 in Node); `aws-sdk-ruby3/3.100.0 ruby/3.2.2 …`;
 * `aws-sdk-dotnet-coreclr/3.7.108.0 aws-sdk-dotnet-core/3.7.108.2 …` or `… md/aws-sdk-dotnet-core#3.7.302.12 …`;
 * `aws-sdk-php/…`, `aws-sdk-kotlin/…`, `aws-sdk-cpp/…`, `aws-sdk-rust/…`, `AWSPowerShell/…`.
 * Order matters: the CLI's user agent also names botocore, Boto3's names botocore.
 */
export function parseUserAgent(userAgent: string): SdkInUse | undefined {
  const ua = userAgent.trim();
  const cli = first(ua, /(?:^|\s)aws-cli\/(\S+)/);
  if (cli !== undefined) return { sdk: major(cli) >= 2 ? 'aws-cli-v2' : 'aws-cli-v1', version: cli };
  // The credential chain is botocore's: its version decides, whatever Boto3's is.
  const botocore = first(ua, /(?:^|\s)Botocore\/(\S+)/i) ?? first(ua, /md\/Botocore#(\S+)/i);
  if (botocore !== undefined) return { sdk: 'python-botocore', version: botocore };
  const boto3 = first(ua, /(?:^|\s)Boto3\/(\S+)/i);
  if (boto3 !== undefined) return { sdk: 'python-boto3', version: boto3 };
  const java = first(ua, /(?:^|\s)aws-sdk-java\/(\S+)/);
  if (java !== undefined) return { sdk: major(java) >= 2 ? 'java-v2' : 'java-v1', version: java };
  const goV2 = first(ua, /(?:^|\s)aws-sdk-go-v2\/(\S+)/);
  if (goV2 !== undefined) return { sdk: 'go-v2', version: goV2 };
  const goV1 = first(ua, /(?:^|\s)aws-sdk-go\/(\S+)/);
  if (goV1 !== undefined) return { sdk: 'go-v1', version: goV1 };
  const js = first(ua, /(?:^|\s)aws-sdk-js\/(\S+)/);
  if (js !== undefined) return { sdk: major(js) >= 3 ? 'javascript-v3' : 'javascript-v2', version: js };
  const node = first(ua, /(?:^|\s)aws-sdk-nodejs\/(\S+)/);
  if (node !== undefined) return { sdk: 'javascript-v2', version: node };
  const ruby = first(ua, /(?:^|\s)aws-sdk-ruby[23]?\/(\S+)/);
  if (ruby !== undefined) return { sdk: 'ruby', version: ruby };
  if (/(?:^|\s)aws-sdk-dotnet-/.test(ua)) {
    const core = first(ua, /(?:^|\s)aws-sdk-dotnet-core\/(\S+)/) ?? first(ua, /md\/aws-sdk-dotnet-core#(\S+)/);
    return core === undefined ? { sdk: 'dotnet' } : { sdk: 'dotnet', version: core };
  }
  const powershell = first(ua, /(?:^|\s)AWSPowerShell(?:\.\w+)?\/(\S+)/);
  if (powershell !== undefined) return { sdk: 'powershell', version: powershell };
  for (const [sdk, prefix] of [
    ['php', 'aws-sdk-php'],
    ['kotlin', 'aws-sdk-kotlin'],
    ['cpp', 'aws-sdk-cpp'],
    ['rust', 'aws-sdk-rust'],
  ] as const) {
    const version = first(ua, new RegExp(`(?:^|\\s)${prefix}\\/(\\S+)`));
    if (version !== undefined) return { sdk, version };
  }
  return undefined;
}

/** Dotted versions compared number by number (`v` prefixes and suffixes like `-rc1` ignored); missing parts are 0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/i, '')
      .split(/[-+]/)[0]!
      .split('.')
      .map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function minimumFor(sdk: SdkId): SdkMinimum {
  const found = SDK_MINIMUMS.find((m) => m.sdk === sdk);
  if (!found) throw new Error(`no minimum for ${sdk}`);
  return found;
}

export type SdkVerdict =
  | { status: 'supported'; use: SdkInUse; minimum: SdkMinimum }
  | { status: 'too-old'; use: SdkInUse; minimum: SdkMinimum }
  /** The user agent names no SDK we know, or a version the table's minimum cannot be compared with. */
  | { status: 'unknown'; use?: SdkInUse; minimum?: SdkMinimum; reason: string };

/** Whether the SDK behind a user agent takes Pod Identity credentials. */
export function sdkVerdict(userAgent: string): SdkVerdict {
  const use = parseUserAgent(userAgent);
  if (use === undefined) return { status: 'unknown', reason: 'no AWS SDK this tool knows is named in the user agent' };
  const minimum = minimumFor(use.sdk);
  if (use.version === undefined) {
    return {
      status: 'unknown',
      use,
      minimum,
      reason: `the user agent does not name the ${minimum.uaNote ?? 'SDK'} version`,
    };
  }
  if (minimum.comparable === undefined) {
    return {
      status: 'unknown',
      use,
      minimum,
      reason: `AWS states the minimum as ${minimum.documented}, and the user agent's ${use.version} is ${minimum.uaNote ?? 'a module version'}: check the build's dependency versions`,
    };
  }
  return compareVersions(use.version, minimum.comparable) >= 0
    ? { status: 'supported', use, minimum }
    : { status: 'too-old', use, minimum };
}
