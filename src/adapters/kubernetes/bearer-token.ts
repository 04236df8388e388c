import type { KubeConfig, User } from '@kubernetes/client-node';

/** client-node does not export the interface from its index. */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/** EKS tokens are accepted for 15 minutes; refreshing at 10 leaves room for clock skew and slow calls. */
export const DEFAULT_TOKEN_REFRESH_MS = 10 * 60 * 1000;
/** A token is refreshed at least this long before it (or the credentials that signed it) expires. */
export const TOKEN_EXPIRY_MARGIN_MS = 60 * 1000;

/** What a token source answers: the token, and when it stops being accepted, if known. */
export interface BearerToken {
  token: string;
  expiresAt?: Date;
}

export interface BearerTokenOptions {
  refreshAfterMs?: number;
  now?: () => number;
}

/**
 * A client-node authenticator that asks `token()` for a fresh bearer token whenever the
 * cached one is due: `refreshAfterMs` after it was fetched, or `TOKEN_EXPIRY_MARGIN_MS`
 * before its `expiresAt`, whichever comes first (an EKS token dies with the temporary
 * credentials that signed it, which may be sooner than its own 15 minutes).
 * client-node consults authenticators on every request and every exec websocket, so
 * long-lived clients never send an expired token. Concurrent requests share one in-flight fetch.
 */
export class RefreshingBearerToken implements Authenticator {
  private cached?: { token: string; refreshAt: number };
  private inFlight?: Promise<string>;
  private readonly refreshAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly userName: string,
    private readonly token: () => Promise<string | BearerToken>,
    options: BearerTokenOptions = {},
  ) {
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULT_TOKEN_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  isAuthProvider(user: User): boolean {
    return user.name === this.userName;
  }

  async applyAuthentication(_user: User, opts: { headers?: Record<string, unknown> }): Promise<void> {
    const token = await this.current();
    opts.headers ??= {};
    opts.headers.Authorization = `Bearer ${token}`;
  }

  private current(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) {
      return Promise.resolve(this.cached.token);
    }
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<string> {
    const fetchedAt = this.now();
    const answer = await this.token();
    const { token, expiresAt } = typeof answer === 'string' ? { token: answer, expiresAt: undefined } : answer;
    const dueByAge = fetchedAt + this.refreshAfterMs;
    const dueByExpiry = expiresAt === undefined ? Infinity : expiresAt.getTime() - TOKEN_EXPIRY_MARGIN_MS;
    this.cached = { token, refreshAt: Math.min(dueByAge, dueByExpiry) };
    return token;
  }
}
