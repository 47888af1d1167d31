/** The holds keeping a breaker forced open: each until a time, or (Infinity) until released. */
export class ForcedHolds {
  readonly #holds = new Map<object, number>();

  /** Adds a hold and returns its token. */
  add(until: number): object {
    const token = {};
    this.#holds.set(token, until);
    return token;
  }

  /** Removes a hold; false when it was already gone (released, or cleared by reset). */
  delete(token: object): boolean {
    return this.#holds.delete(token);
  }

  clear(): void {
    this.#holds.clear();
  }

  get size(): number {
    return this.#holds.size;
  }

  /** When the last hold ends (epoch ms): Infinity while one is held until released, 0 with none. */
  until(): number {
    let until = 0;
    for (const u of this.#holds.values()) if (u > until) until = u;
    return until;
  }
}
