import type { Config } from '../config/index.js';
import { formatDuration } from '../domain/duration.js';
import { scanInputFor, ScanService } from '../temporal/scans.js';
import { SCAN_SCHEDULE_ID } from '../../workflows/scan/messages.js';
import { connectClient } from './client.js';

/**
 * Registers (or brings up to date) the Schedule that scans the fleet, as configured by
 * MIGRATE_IDENTITY_SCAN_INTERVAL. Safe at every start-up; a failure is logged, never fatal:
 * the worker serves migrations whether or not scans are scheduled.
 */
export async function registerScanSchedule(config: Config, log: (line: string) => void): Promise<void> {
  const every = config.scan.intervalSeconds;
  if (every === undefined) return;
  try {
    const { client, close } = await connectClient(config);
    try {
      const { taskQueue, uiUrl, namespace } = config.temporal;
      const outcome = await new ScanService(client, taskQueue, uiUrl, namespace).ensureSchedule(
        scanInputFor(config),
        every,
      );
      log(`fleet scan: schedule ${SCAN_SCHEDULE_ID} every ${formatDuration(every)} (${outcome})`);
    } finally {
      await close();
    }
  } catch (err) {
    log(`fleet scan: schedule ${SCAN_SCHEDULE_ID} not registered: ${(err as Error).message}`);
  }
}
