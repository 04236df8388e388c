/**
 * How the cost of `work` grows from inputs of `small` to `large` characters, measured in
 * this process's CPU time (not wall time, which a busy machine stretches at random): the
 * same number of characters is processed at both sizes, best of several rounds. Linear
 * work gives about large/small; quadratic about (large/small)².
 */
export function growthRatio(
  work: (input: string) => unknown,
  inputsOf: (size: number) => string[],
  { small = 10_000, large = 40_000, rounds = 5 } = {},
): number {
  const cpuMs = (fn: () => void) => {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  const measure = (size: number, reps: number) => {
    const inputs = inputsOf(size);
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      best = Math.min(
        best,
        cpuMs(() => {
          for (let k = 0; k < reps; k++) for (const input of inputs) work(input);
        }),
      );
    }
    return best;
  };
  const factor = large / small;
  measure(small, 10); // warm up the JIT
  const perSmall = measure(small, 10 * factor) / (10 * factor);
  const perLarge = measure(large, 10) / 10;
  return perLarge / Math.max(perSmall, 1e-3);
}
