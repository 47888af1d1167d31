/** A source of uniform random numbers in [0, 1); injected so tests are deterministic. */
export type Random = () => number;
