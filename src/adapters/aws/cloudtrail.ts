import { LookupEventsCommand, type CloudTrailClient, type Event } from '@aws-sdk/client-cloudtrail';
import { parseCloudTrailEvent, type CloudTrailRecord } from '../../domain/cloudtrail.js';
import type { CloudTrailPort } from '../../ports/cloudtrail.js';
import { PortError } from '../../ports/errors.js';
import { mapAwsError } from './errors.js';

export interface CloudTrailTarget {
  client: CloudTrailClient;
  /** Account and Region: clusters sharing it share one event history and one rate limit. */
  scope: string;
}

export interface CloudTrailAdapterOptions {
  /**
   * Least time between two LookupEvents calls of one scope. Default 500 ms: "The rate of
   * lookup requests is limited to two per second, per account, per Region. If this limit is
   * exceeded, a throttling error occurs." (CloudTrail API Reference, LookupEvents).
   */
  minIntervalMs?: number;
  /** LookupEvents `MaxResults`; 50 is the most it allows (the default). */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const DEFAULT_MAX_EVENTS = 5000;

export function createCloudTrailAdapter(
  targetFor: (cluster: string) => CloudTrailTarget,
  options: CloudTrailAdapterOptions = {},
): CloudTrailPort {
  const minIntervalMs = options.minIntervalMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  // One queue per scope: a call starts at least `minIntervalMs` after the previous one did.
  const nextSlot = new Map<string, Promise<number>>();

  function paced(scope: string): Promise<void> {
    const previous = nextSlot.get(scope) ?? Promise.resolve(0);
    const slot = previous.then(async (earliest) => {
      const wait = earliest - now();
      if (wait > 0) await sleep(wait);
      return now() + minIntervalMs;
    });
    nextSlot.set(scope, slot);
    return slot.then(() => undefined);
  }

  return {
    scopeOf: (cluster) => targetFor(cluster).scope,

    async lookupEvents(cluster, lookup, onPage) {
      const { client, scope } = targetFor(cluster);
      const maxEvents = lookup.maxEvents ?? DEFAULT_MAX_EVENTS;
      const events: CloudTrailRecord[] = [];
      let token: string | undefined;
      try {
        for (;;) {
          await paced(scope);
          const page = await client.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: lookup.eventName }],
              StartTime: new Date(lookup.startTime),
              ...(lookup.endTime !== undefined && { EndTime: new Date(lookup.endTime) }),
              MaxResults: options.pageSize ?? 50,
              ...(token !== undefined && { NextToken: token }),
            }),
          );
          events.push(...(page.Events ?? []).map(toRecord));
          onPage?.();
          const next = page.NextToken;
          if (next === undefined || next === '') return { events, truncated: false };
          if (next === token) throw new Error(`pagination token repeated: ${next}`);
          if (events.length >= maxEvents) return { events: events.slice(0, maxEvents), truncated: true };
          token = next;
        }
      } catch (err) {
        throw mapAwsError(err, `CloudTrail LookupEvents ${lookup.eventName} (${cluster})`);
      }
    },
  };
}

function toRecord(event: Event): CloudTrailRecord {
  try {
    return parseCloudTrailEvent({
      eventId: event.EventId,
      eventName: event.EventName,
      eventSource: event.EventSource,
      eventTime: event.EventTime?.toISOString(),
      username: event.Username,
      resources: (event.Resources ?? []).map((r) => ({ type: r.ResourceType, name: r.ResourceName })),
      document: event.CloudTrailEvent,
    });
  } catch (err) {
    // CloudTrail sent something we cannot read: retrying will not change it.
    throw new PortError('validation', `event ${event.EventId ?? '?'}: unreadable CloudTrailEvent: ${String(err)}`, {
      cause: err,
    });
  }
}
