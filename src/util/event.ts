/** Returned by every subscription; `dispose()` removes the listener. */
export interface Disposable {
  dispose(): void;
  [Symbol.dispose](): void;
}

/** A typed listener. */
export type Listener<T> = (event: T) => void;

/** Subscribes a listener and returns its disposable. */
export type Subscribe<T> = (listener: Listener<T>) => Disposable;

/**
 * A list of listeners for one event. Producers check `size` before building a payload,
 * so nothing is computed for an event nobody listens to.
 */
export class EventSource<T> {
  #listeners: Listener<T>[] = [];
  readonly #onChange: (() => void) | undefined;

  constructor(onChange?: () => void) {
    this.#onChange = onChange;
  }

  /** The number of listeners. */
  get size(): number {
    return this.#listeners.length;
  }

  /** Adds a listener; the returned disposable removes it (once). */
  readonly subscribe: Subscribe<T> = (listener) => {
    this.#listeners = [...this.#listeners, listener];
    this.#onChange?.();
    let done = false;
    const dispose = (): void => {
      if (done) return;
      done = true;
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners = this.#listeners.filter((_, j) => j !== i);
      this.#onChange?.();
    };
    return { dispose, [Symbol.dispose]: dispose };
  };

  /** Calls every listener; a listener that throws does not stop the others or the caller (it becomes a process warning). */
  emit(event: T): void {
    const list = this.#listeners;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as Listener<T>)(event);
      } catch (err) {
        process.emitWarning(`warden: an event listener threw: ${String(err)}`, 'WardenListenerWarning');
      }
    }
  }
}
