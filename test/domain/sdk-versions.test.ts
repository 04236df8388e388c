import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareVersions,
  parseUserAgent,
  SDK_MINIMUMS,
  SDK_MINIMUMS_SOURCE,
  sdkVerdict,
} from '../../src/domain/sdk-versions.js';

describe('AWS minimum SDK versions for Pod Identity', () => {
  test('the table is AWS’s, with its source', () => {
    assert.equal(SDK_MINIMUMS_SOURCE, 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html');
    const documented = Object.fromEntries(SDK_MINIMUMS.map((m) => [m.sdk, m.documented]));
    assert.deepEqual(documented, {
      'java-v2': '2.21.30',
      'java-v1': '1.12.746',
      'go-v1': 'v1.47.11',
      'go-v2': 'release-2023-11-14',
      'python-boto3': '1.34.41',
      'python-botocore': '1.34.41',
      'aws-cli-v1': '1.30.0',
      'aws-cli-v2': '2.15.0',
      'javascript-v2': '2.1550.0',
      'javascript-v3': 'v3.458.0',
      kotlin: 'v1.0.1',
      ruby: '3.188.0',
      rust: 'release-2024-03-13',
      cpp: '1.11.263',
      dotnet: '3.7.734.0 (AWSSDK.Core 3.7.302)',
      powershell: '4.1.502',
      php: '3.287.1',
    });
  });

  test('every comparable minimum parses as a version', () => {
    for (const m of SDK_MINIMUMS) {
      if (m.comparable !== undefined) assert.match(m.comparable, /^\d+(\.\d+)+$/, m.sdk);
    }
  });

  test('versions compare number by number', () => {
    assert.equal(compareVersions('2.21.30', '2.21.4'), 1);
    assert.equal(compareVersions('v1.47.11', '1.47.11'), 0);
    assert.equal(compareVersions('3.7.302.12', '3.7.302'), 1);
    assert.equal(compareVersions('2.1549.0', '2.1550.0'), -1);
    assert.equal(compareVersions('1.0.1-rc1', '1.0.1'), 0);
  });
});

describe('user agents: which SDK and version', () => {
  const cases: [string, string, string | undefined][] = [
    [
      'aws-sdk-java/2.20.1 Linux/5.10.192-183.736.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.8+7-LTS Java/17.0.8 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy',
      'java-v2',
      '2.20.1',
    ],
    [
      'aws-sdk-java/1.12.500 Linux/5.10 OpenJDK_64-Bit_Server_VM/25.372-b07 java/1.8.0_372 vendor/Amazon.com_Inc.',
      'java-v1',
      '1.12.500',
    ],
    [
      'Boto3/1.28.0 md/Botocore#1.31.0 ua/2.0 os/linux#5.10.192 md/arch#x86_64 lang/python#3.11.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.0',
      'python-botocore',
      '1.31.0',
    ],
    ['Boto3/1.26.0 Python/3.9.16 Linux/5.10', 'python-boto3', '1.26.0'],
    ['aws-sdk-go/1.44.0 (go1.19; linux; amd64)', 'go-v1', '1.44.0'],
    ['aws-sdk-go-v2/1.21.0 os/linux lang/go#1.20.7 md/GOOS#linux md/GOARCH#amd64 api/sts#1.21.5', 'go-v2', '1.21.0'],
    [
      'aws-cli/2.13.0 Python/3.11.4 Linux/5.10 exe/x86_64.amzn.2 prompt/off command/sts.get-caller-identity',
      'aws-cli-v2',
      '2.13.0',
    ],
    ['aws-cli/1.29.0 Python/3.8.10 Linux/5.10 botocore/1.31.0', 'aws-cli-v1', '1.29.0'],
    ['aws-sdk-js/3.400.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#18.17.1 api/sts#3.400.0', 'javascript-v3', '3.400.0'],
    ['aws-sdk-nodejs/2.1400.0 linux/v18.17.1 exec-env/AWS_ECS_EC2 callback', 'javascript-v2', '2.1400.0'],
    ['aws-sdk-ruby3/3.100.0 ruby/3.2.2 x86_64-linux aws-sdk-sts/1.10.0', 'ruby', '3.100.0'],
    [
      'aws-sdk-dotnet-coreclr/3.7.0.0 aws-sdk-dotnet-core/3.7.0.3 .NET_Core/6.0.20 OS/Linux_5.15.0-76-generic ClientAsync',
      'dotnet',
      '3.7.0.3',
    ],
    [
      'aws-sdk-dotnet-coreclr/3.7.305.28 ua/2.0 os/linux md/ARCH#X64 lang/.NET_Core#8.0.2 md/aws-sdk-dotnet-core#3.7.302.12 api/STS#3.7.300',
      'dotnet',
      '3.7.302.12',
    ],
    ['aws-sdk-php/3.280.0 OS/Linux/5.10 lang/php/8.2.8 GuzzleHttp/7', 'php', '3.280.0'],
    ['aws-sdk-kotlin/1.0.1 ua/2.0 api/sts#1.0.1 os/linux#5.10 lang/kotlin#1.9.20', 'kotlin', '1.0.1'],
    ['aws-sdk-cpp/1.11.200 Linux/5.10 x86_64 GCC/11.4.0', 'cpp', '1.11.200'],
    ['aws-sdk-rust/1.1.4 os/linux lang/rust/1.76.0', 'rust', '1.1.4'],
  ];
  for (const [ua, sdk, version] of cases) {
    test(`${ua.split(' ')[0]} → ${sdk} ${version ?? ''}`, () => {
      assert.deepEqual(parseUserAgent(ua), { sdk, version });
    });
  }

  test('a user agent no SDK wrote is nobody’s', () => {
    assert.equal(parseUserAgent('Mozilla/5.0 (X11; Linux x86_64)'), undefined);
    assert.equal(parseUserAgent(''), undefined);
  });
});

describe('sdkVerdict', () => {
  test('below the minimum is too old, at or above it is supported', () => {
    const old = sdkVerdict('aws-sdk-java/2.20.1 Linux/5.10 Java/17.0.8');
    assert.equal(old.status, 'too-old');
    assert.equal(old.minimum?.documented, '2.21.30');
    assert.equal(sdkVerdict('aws-sdk-java/2.21.30 Linux/5.10').status, 'supported');
    assert.equal(sdkVerdict('aws-cli/2.15.38 Python/3.11.8 Linux/5.10').status, 'supported');
    assert.equal(sdkVerdict('aws-cli/1.29.0 Python/3.8 botocore/1.31.0').status, 'too-old');
    assert.equal(sdkVerdict('Boto3/1.34.41 md/Botocore#1.34.41 Botocore/1.34.41').status, 'supported');
    assert.equal(sdkVerdict('aws-sdk-ruby3/3.187.9 ruby/3.2.2').status, 'too-old');
    assert.equal(sdkVerdict('aws-sdk-nodejs/2.1550.0 linux/v18').status, 'supported');
  });

  test('what cannot be compared is unknown, with the reason', () => {
    const go = sdkVerdict('aws-sdk-go-v2/1.21.0 os/linux lang/go#1.20.7');
    assert.equal(go.status, 'unknown');
    assert.match(go.status === 'unknown' ? go.reason : '', /release-2023-11-14/);
    const dotnet = sdkVerdict('aws-sdk-dotnet-45/3.5.0.0 .NET_Runtime/4.0');
    assert.equal(dotnet.status, 'unknown');
    assert.equal(sdkVerdict('curl/8.1.2').status, 'unknown');
  });
});
