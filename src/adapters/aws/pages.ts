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
