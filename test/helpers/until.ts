/** Waits until `ok()` holds, checking every `everyMs`; throws naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  ok: () => boolean,
  timeoutMs = 20_000,
  everyMs = 10,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
