/**
 * The HTTP gateway's client sessions: who owns each, and how many one caller may hold.
 *
 * @module
 */

/** What the gateway remembers of one client session. */
interface ClientSession {
  /** The caller that opened it: no other caller may use it. */
  caller: string;
  /** The revision its `initialize` asked for. */
  protocolVersion?: string;
  /** Its client declared URL-mode elicitation. */
  urlElicitation: boolean;
}

/**
 * The sessions of one upstream route, each bound to the caller whose `initialize` opened it (MCP's
 * advice against session hijacking: another caller who learnt the id would otherwise read its
 * event stream, answer its server's requests or end it). Each caller holds at most
 * `maxPerCaller`; opening one more forgets that caller's least recently used session, never
 * another caller's: with one bound for everybody, a caller opening 10,000 sessions pushed every
 * other caller's out (their clients got 404).
 */
export class SessionTable {
  private readonly sessions = new Map<string, ClientSession>();
  /** Each caller's session ids, least recently used first. */
  private readonly byCaller = new Map<string, Set<string>>();

  /** @param maxPerCaller how many sessions one caller may hold (`http.maxSessionsPerCaller`). */
  constructor(private readonly maxPerCaller: number) {}

  /**
   * The session `sessionId` names when `caller` owns it (and marks it used), else `undefined`: an
   * id this gateway did not open, has forgotten or gave another caller is an unknown session.
   */
  use(sessionId: string, caller: string): ClientSession | undefined {
    const session = this.sessions.get(sessionId);
    if (session?.caller !== caller) return undefined;
    const owned = this.byCaller.get(caller);
    owned?.delete(sessionId);
    owned?.add(sessionId);
    return session;
  }

  /** How many sessions it holds, over all callers. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Binds a new session to its caller, forgetting that caller's least recently used one if it is
   * at its bound; returns the id of the session pushed out, which the caller of this method must
   * end upstream (else the upstream keeps it for as long as it likes).
   */
  open(sessionId: string, session: ClientSession): string | undefined {
    this.forget(sessionId);
    const owned = this.byCaller.get(session.caller) ?? new Set<string>();
    let evicted: string | undefined;
    if (owned.size >= this.maxPerCaller) {
      evicted = owned.values().next().value as string;
      this.forget(evicted);
    }
    owned.add(sessionId);
    // Set after the eviction, which drops a caller's set once it is empty.
    this.byCaller.set(session.caller, owned);
    this.sessions.set(sessionId, session);
    return evicted;
  }

  /** Forgets a session (ended by its client, or pushed out by the same caller's newer ones). */
  forget(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    const owned = this.byCaller.get(session.caller);
    owned?.delete(sessionId);
    if (owned?.size === 0) this.byCaller.delete(session.caller);
  }
}
