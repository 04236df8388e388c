/** Where the CLI writes and asks: the terminal in the entry point, a recorder in tests. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Asks a yes/no question on the terminal; undefined when there is none. */
  ask?: (question: string) => Promise<string>;
}
