import type { ChunkResult } from './chunk-parse.js';

/** Slots of the pool's shared counters. */
export const CLAIMED = 0; // next piece to claim
export const POSTED = 1; // messages posted (the main thread waits on it)
export const REPLAYED = 2; // pieces the main thread has replayed
/**
 * Pieces parsed at most ahead of the replay (memory stays bounded: a piece's trades are about
 * 1 MB). Room for a few, so a worker never waits while this thread parses a piece and replays.
 */
export const AHEAD = 6;

/** What a worker posts: a parsed piece, or why a piece (k >= 0) or the worker (k = -1) failed. */
export type PoolMessage =
  | { readonly k: number; readonly result: ChunkResult; readonly error?: undefined }
  | { readonly k: number; readonly error: { readonly name: string; readonly message: string } };
