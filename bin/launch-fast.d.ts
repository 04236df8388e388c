export declare const HOP_VARIABLE: string;
export declare function nodeVersionOk(version: string): boolean;
export declare function launchWithoutBash(
  env?: NodeJS.ProcessEnv,
  execPath?: string,
  version?: string,
):
  { run: 'here'; env: Record<string, string> } | { run: 'node'; node: string; env: Record<string, string> } | undefined;
