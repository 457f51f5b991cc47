/**
 * The first run (issue 17, DESIGN §13): a node without a genesis prints a
 * one-time setup link. The first admins' clients generate their keys
 * locally and join with the token and their public keys; once every expected
 * admin has joined, the node builds the genesis (its organisation, its node
 * key, the admins), writes block 0 and returns the genesis, which each client
 * checks before it signs its RegisterUser. The node holds those until every
 * admin's is in and submits them together: they are block 1, and the node
 * opens for everyone else only then.
 *
 * Phases: awaiting-admins (no ledger) → awaiting-registrations (genesis
 * written, some genesis admin not yet registered) → complete. The phase is
 * derived from the data directory at start, so a restart resumes (joins and
 * held transactions are in memory: clients re-send them); the token is new at
 * every start (printed again) and deleted when the set-up completes.
 */
import type { RegisterResult, SetupJoinRequest, SetupPhase, SetupRegisterRequest, SetupState } from '../protocol/index.ts';
import { apiError } from './errors.ts';
import type { Accounts, DataDirPort, FirstAdmin, KdfCosts, LedgerPort } from './node-port.ts';
import { checkRegistration, reconcilePending, settle, addPending, type Registration } from './registration.ts';
import type { Clock } from './sessions.ts';

export interface SetupOptions {
  port: DataDirPort;
  accounts: Accounts;
  clock: Clock;
  kdf: KdfCosts;
  /** Admins the genesis names (first run only). */
  admins: number;
  org: string;
  nodeId: string;
}

interface Held extends Registration {
  txHash: string;
  username: string;
}

export class FirstRun {
  private phase: SetupPhase;
  private ledgerPort: LedgerPort | undefined;
  private readonly joined = new Map<string, FirstAdmin>();
  private readonly held = new Map<string, Held>();
  /** Set-up requests one at a time: the Nth join writes the genesis, the Nth registration block 1. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: SetupOptions) {
    this.phase = 'awaiting-admins';
  }

  /** Reads the data directory's phase; returns the set-up and, unless complete, a new one-time token to print. */
  static async start(o: SetupOptions): Promise<{ setup: FirstRun; token?: string }> {
    const setup = new FirstRun(o);
    if (!o.port.isInitialised()) {
      await o.port.nodeKey();
    } else {
      setup.ledgerPort = await o.port.open();
      reconcilePending(o.accounts, setup.ledgerPort);
      const waiting = setup.genesisAdmins().filter((a) => !setup.ledgerPort!.isRegistered(a.username));
      if (waiting.length === 0) {
        setup.phase = 'complete';
        o.accounts.clearSetupToken();
        return { setup };
      }
      // Block 1 is exactly the waiting admins' RegisterUser transactions.
      await setup.ledgerPort.close();
      setup.ledgerPort = await o.port.open({ blockOf: waiting.length });
      setup.phase = 'awaiting-registrations';
      for (const a of setup.genesisAdmins()) setup.joined.set(a.username, a);
    }
    return { setup, token: o.accounts.newSetupToken(o.clock.now()) };
  }

  get current(): SetupPhase {
    return this.phase;
  }

  /** The open ledger, once set-up is complete; NODE_AWAITING_SETUP before. */
  ledger(): LedgerPort {
    if (this.phase !== 'complete' || !this.ledgerPort) throw apiError('NODE_AWAITING_SETUP');
    return this.ledgerPort;
  }

  /** The open ledger in any phase after the genesis (status, head). */
  get anyLedger(): LedgerPort | undefined {
    return this.ledgerPort;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.ledgerPort?.close();
    this.ledgerPort = undefined;
  }

  join(req: SetupJoinRequest): Promise<SetupState> {
    return this.serially(async () => {
      this.checkToken(req.token);
      const known = this.joined.get(req.username);
      if (known) {
        if (known.sigSpki !== req.sigSpki || known.encSpki !== req.encSpki) throw apiError('SETUP_ADMIN_KEYS_DIFFER');
        return this.state();
      }
      if (this.phase !== 'awaiting-admins' || this.joined.size >= this.o.admins) throw apiError('SETUP_ADMINS_COMPLETE');
      const admin = { username: req.username, sigSpki: req.sigSpki, encSpki: req.encSpki };
      await this.o.port.checkAdminKeys(admin);
      this.joined.set(admin.username, admin);
      if (this.joined.size === this.o.admins) {
        await this.o.port.initialise({ org: this.o.org, nodeId: this.o.nodeId, admins: [...this.joined.values()], time: this.o.clock.now() });
        this.ledgerPort = await this.o.port.open({ blockOf: this.o.admins });
        this.phase = 'awaiting-registrations';
      }
      return this.state();
    });
  }

  /**
   * Holds an admin's checked RegisterUser (202) until every genesis admin's is
   * held; the last one submits them all as block 1 and answers 200, as does a
   * re-sent registration once set-up is complete.
   */
  register(req: SetupRegisterRequest): Promise<{ status: 200; body: RegisterResult } | { status: 202; body: SetupState }> {
    return this.serially(async () => {
      if (this.phase === 'complete') return { status: 200 as const, body: this.recordedRegistration(req) };
      this.checkToken(req.token);
      if (this.phase !== 'awaiting-registrations' || !this.ledgerPort) throw apiError('SETUP_NOT_READY');
      const ledger = this.ledgerPort;
      const check = await ledger.checkAdminRegistration(req.tx);
      if (!check.ok) throw apiError('SETUP_ADMIN_UNKNOWN');
      checkRegistration(req, this.o.kdf);
      this.held.set(check.username, { tx: req.tx, vault: req.vault, authKeys: req.authKeys, txHash: check.txHash, username: check.username });
      await this.dropRejected(check.username);
      const waiting = this.genesisAdmins().filter((a) => !this.held.has(a.username));
      if (waiting.length > 0) return { status: 202 as const, body: this.state() };
      return { status: 200 as const, body: await this.submitBlockOne(check.username) };
    });
  }

  /** The contract's verdict on the held transactions as block 1 now: one it would reject is dropped (its admin re-signs). */
  private async dropRejected(current: string): Promise<void> {
    const held = [...this.held.values()];
    const outcomes = await this.ledgerPort!.dryRunAdminBlock(held.map((h) => h.tx), this.o.clock.now());
    held.forEach((h, i) => {
      if (outcomes[i] === 'OK') return;
      this.held.delete(h.username);
      if (h.username === current) throw apiError('REGISTRATION_NOT_ACCEPTED', { outcome: outcomes[i]! });
    });
  }

  private async submitBlockOne(current: string): Promise<RegisterResult> {
    const ledger = this.ledgerPort!;
    const held = [...this.held.values()];
    const pending = held.map((h) => addPending(this.o.accounts, ledger, h, checkRegistration(h, this.o.kdf), this.o.clock));
    const results = await Promise.allSettled(held.map((h) => ledger.submit(h.tx)));
    let answer: RegisterResult | undefined;
    let failure: unknown;
    results.forEach((r, i) => {
      try {
        if (r.status === 'rejected') throw r.reason;
        const settled = settle(this.o.accounts, pending[i]!, r.value);
        if (held[i]!.username === current) answer = settled;
      } catch (err) {
        this.o.accounts.dropPending(pending[i]!);
        if (held[i]!.username === current) failure = err;
      }
    });
    this.held.clear();
    if (this.genesisAdmins().every((a) => ledger.isRegistered(a.username))) {
      // Block 1 is in: reopen with the ordering of normal operation, and open the doors.
      await ledger.close();
      this.ledgerPort = await this.o.port.open();
      this.phase = 'complete';
      this.o.accounts.clearSetupToken();
    }
    if (failure !== undefined || !answer) throw failure ?? apiError('REGISTRATION_NOT_ACCEPTED', { outcome: 'not submitted' });
    return answer;
  }

  /** After set-up, re-sending an admin's registration answers its recorded result; nothing else is accepted. */
  private recordedRegistration(req: SetupRegisterRequest): RegisterResult {
    const ledger = this.ledgerPort!;
    const recorded = ledger.recorded(ledger.txHash(req.tx));
    if (recorded?.outcome === 'OK' && this.o.accounts.hasAccount(req.tx.header.actor)) return { account: 'created', result: recorded };
    throw apiError('SETUP_COMPLETE');
  }

  state(): SetupState {
    const ledger = this.ledgerPort;
    const registered = this.phase === 'complete' ? this.genesisAdmins().map((a) => a.username) : [...this.held.keys()];
    return {
      phase: this.phase,
      org: ledger ? ledger.genesis.orgs[0]!.org : this.o.org,
      expected: ledger ? this.genesisAdmins().length : this.o.admins,
      joined: [...this.joined.keys()],
      registered,
      ...(ledger ? { genesis: ledger.genesis, chainId: ledger.chainId } : {}),
    };
  }

  private genesisAdmins(): FirstAdmin[] {
    return this.ledgerPort ? this.ledgerPort.genesis.orgs.flatMap((o) => o.admins) : [];
  }

  private checkToken(token: string): void {
    if (this.phase === 'complete') throw apiError('SETUP_COMPLETE');
    if (!this.o.accounts.isSetupTokenValid(token)) throw apiError('SETUP_TOKEN_INVALID');
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
