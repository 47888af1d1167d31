/** Most refused chats remembered for the reply throttle; past it the oldest is forgotten. */
const MAX_REMEMBERED = 1024;

/**
 * Which chats (and, optionally, which users in them) may command the daemon, and when a chat
 * that may not gets a reply: at most one per `replyEveryMs` (0 = never), so a stranger cannot
 * make the bot talk, and the memory of who was answered stays bounded.
 */
export class AllowList {
  readonly #chats: ReadonlySet<string>;
  readonly #users: ReadonlySet<number> | null;
  readonly #replyEveryMs: number;
  readonly #replied = new Map<string, number>();

  constructor(o: {
    chatIds: readonly (string | number)[];
    userIds?: readonly number[] | undefined;
    replyEveryMs: number;
  }) {
    if (!(o.replyEveryMs >= 0)) throw new RangeError(`replyEveryMs: expected >= 0, got ${o.replyEveryMs}`);
    this.#chats = new Set(o.chatIds.map(String));
    this.#users = o.userIds === undefined ? null : new Set(o.userIds);
    this.#replyEveryMs = o.replyEveryMs;
  }

  /** True when a message from `userId` in `chatId` may command. */
  permits(chatId: string, userId: number | undefined): boolean {
    if (!this.#chats.has(chatId)) return false;
    return this.#users === null || (userId !== undefined && this.#users.has(userId));
  }

  /** True (and remembered) when a refused chat may be told so now. */
  shouldReply(chatId: string, now: number): boolean {
    if (this.#replyEveryMs === 0) return false;
    const last = this.#replied.get(chatId);
    if (last !== undefined && now - last < this.#replyEveryMs) return false;
    this.#replied.delete(chatId);
    this.#replied.set(chatId, now);
    if (this.#replied.size > MAX_REMEMBERED) this.#replied.delete(this.#replied.keys().next().value!);
    return true;
  }
}
