/** Returned by every subscription; `dispose()` removes the listener. */
export interface Disposable {
  dispose(): void;
}

/** A typed listener. */
export type Listener<T> = (event: T) => void;

/** The listeners of one event. Producers check `size` first, so nothing is built for nobody. */
export class AlertEventSource<T> {
  #listeners: Listener<T>[] = [];

  get size(): number {
    return this.#listeners.length;
  }

  /** Adds a listener; the disposable removes it (once). */
  subscribe(listener: Listener<T>): Disposable {
    this.#listeners = [...this.#listeners, listener];
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        this.#listeners = this.#listeners.filter((l) => l !== listener);
      },
    };
  }

  /** Calls every listener; one that throws does not stop the others or the sender. */
  emit(event: T): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        process.emitWarning(
          `warden alerts: an event listener threw: ${String(err)}`,
          'WardenListenerWarning',
        );
      }
    }
  }
}
