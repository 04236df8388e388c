import type { ServerResponse } from 'node:http';

/** After this long, work after an ack runs even while acks are waiting: answers are not starved. */
const MAX_DEFERRAL_MS = 500;

/**
 * Acks first. Every listener acks at once, but all of them share one event loop: the
 * rendering and the response_url post of requests whose Temporal call just returned
 * would otherwise run back to back while new requests wait for their ack (Slack gives up
 * after 3 seconds). Listeners `await turn()` before such work after their ack; a turn is
 * given, one per turn of the event loop, only while no received request still waits for
 * its ack, or once it has waited MAX_DEFERRAL_MS. The HTTP receiver reports the requests
 * (`received`); without it (Socket Mode) every turn is given on the next loop turn.
 */
export class AckFirst {
  private unanswered = 0;
  private readonly waiting: { since: number; go: () => void }[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxDeferralMs = MAX_DEFERRAL_MS,
  ) {}

  /** A request arrived; it counts until its response is sent. */
  received(res: ServerResponse): void {
    this.unanswered += 1;
    let done = false;
    const answered = () => {
      if (done) return;
      done = true;
      this.unanswered -= 1;
      this.schedule();
    };
    res.once('finish', answered);
    res.once('close', answered);
  }

  /** Resolves when this listener's work after its ack may go on. */
  turn(): Promise<void> {
    return new Promise((go) => {
      this.waiting.push({ since: this.now(), go });
      this.schedule();
    });
  }

  /** The next decision waits for the I/O of this loop turn: arrivals are counted first. */
  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.release();
    });
  }

  private release(): void {
    const oldest = this.waiting[0];
    if (!oldest) return;
    const waited = this.now() - oldest.since;
    if (this.unanswered > 0 && waited < this.maxDeferralMs) {
      // An answered request schedules again; the timer bounds the wait.
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, this.maxDeferralMs - waited);
      }
      return;
    }
    this.waiting.shift();
    oldest.go();
    this.schedule();
  }
}
