/**
 * Follows a paginated AWS list to the end. `fetch` gets the previous page's token
 * (undefined for the first page) and returns that page's items and the next token.
 */
export async function collectPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    // A service handing back the token it was given would otherwise loop forever.
    if (page.next !== undefined && page.next === token) throw new Error(`pagination token repeated: ${token}`);
    token = page.next;
  } while (token !== undefined && token !== '');
  return all;
}

/**
 * `fn` over every item with at most `limit` calls in flight, results in input order:
 * the per-item Describe calls that follow a List, without a burst the service throttles.
 * The first failure rejects the whole and starts no further call.
 */
export async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
