import { loadConfig } from '../config/index.js';
import { registerScanSchedule } from '../runtime/scan-schedule.js';
import { startWorker } from '../runtime/stack.js';

/** The worker alone, against the Temporal server at TEMPORAL_ADDRESS (docker-compose, production). */
async function run(): Promise<void> {
  const config = loadConfig();
  const running = await startWorker(config, { log: (line) => console.log(line) });
  await registerScanSchedule(config, (line) => console.log(line));
  console.log(
    `worker polling ${config.temporal.taskQueue} on ${config.temporal.address}, fleet: ${config.fleetSource}`,
  );
  const stop = () => void running.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.done;
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
