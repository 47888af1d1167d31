import type { Disposable } from '../util/event.js';
import type { TripNotice } from '../store/postgres/change-payload.js';
import type { ChangeWake, PgChangeFeed } from './pg-change-feed.js';

/** What the change feed wakes: anything with a re-read of its own. */
export interface WakeTargets {
  /**
   * Re-read on `killswitch` changes (the KillSwitch). A trip told by a notification is applied
   * first (`applyTripNotice`: halted at once), then confirmed by the re-read.
   */
  readonly killSwitch?: { refresh(): Promise<unknown>; applyTripNotice?(t: TripNotice): void };
  /** Re-read on `strategy` changes (the StrategyBreaker). */
  readonly strategy?: { reload(): void };
  /** Told when a re-read fails (it never throws into the feed). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Connects the change feed to the caches of the hot path: a notification for an area re-reads
 * that area; a (re)connection or the poll re-reads everything. A kill-switch trip carried by its
 * notification halts before the re-read (the fail-closed direction needs no confirmation); a
 * resume takes effect only by the re-read. The caches stay push-fed: the gate never reads the
 * store per call. A poll's re-read reports its answer time to the feed, which plans the next poll
 * that much earlier.
 */
export function wakeOnChanges(
  feed: Pick<PgChangeFeed, 'onWake'> & Partial<Pick<PgChangeFeed, 'pollAnswered'>>,
  targets: WakeTargets,
): Disposable {
  const fail = targets.onError ?? (() => undefined);
  return feed.onWake((w: ChangeWake) => {
    const ks = targets.killSwitch;
    if (ks && (w.area === null || w.area === 'killswitch')) {
      if (w.trip !== null && ks.applyTripNotice) {
        try {
          ks.applyTripNotice(w.trip);
        } catch (err) {
          fail(err);
        }
      }
      const read = ks.refresh();
      const planned = w.plannedAt;
      if (planned !== null && feed.pollAnswered) {
        const answered = feed.pollAnswered.bind(feed);
        void read.then(
          () => answered(planned),
          () => undefined,
        );
      }
      read.catch(fail);
    }
    if (targets.strategy && (w.area === null || w.area === 'strategy')) {
      try {
        targets.strategy.reload();
      } catch (err) {
        fail(err);
      }
    }
  });
}
