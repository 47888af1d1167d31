import type { Disposable } from '../util/event.js';
import type { ChangeWake, PgChangeFeed } from './pg-change-feed.js';

/** What the change feed wakes: anything with a re-read of its own. */
export interface WakeTargets {
  /** Re-read on `killswitch` changes (the KillSwitch). */
  readonly killSwitch?: { refresh(): Promise<unknown> };
  /** Re-read on `strategy` changes (the StrategyBreaker). */
  readonly strategy?: { reload(): void };
  /** Told when a re-read fails (it never throws into the feed). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Connects the change feed to the caches of the hot path: a notification for an area re-reads
 * that area; a (re)connection or the poll re-reads everything. The caches stay push-fed: the
 * gate never reads the store per call.
 */
export function wakeOnChanges(feed: Pick<PgChangeFeed, 'onWake'>, targets: WakeTargets): Disposable {
  const fail = targets.onError ?? (() => undefined);
  return feed.onWake((w: ChangeWake) => {
    if (targets.killSwitch && (w.area === null || w.area === 'killswitch'))
      targets.killSwitch.refresh().catch(fail);
    if (targets.strategy && (w.area === null || w.area === 'strategy')) {
      try {
        targets.strategy.reload();
      } catch (err) {
        fail(err);
      }
    }
  });
}
