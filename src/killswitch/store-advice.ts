/** What to do about the store that refused the trip: a lock held by another process, or space and permissions. */
export function storeAdvice(error: string, dataDir: string): string {
  if (/locked by another process/.test(error))
    return `Another process holds the store's write lock (a frozen or hung process: \`fuser -v ${dataDir}/warden.db*\`); the trip is recorded when it lets go.`;
  return `Free space on the data dir's disk, or fix its permissions (${dataDir}).`;
}
