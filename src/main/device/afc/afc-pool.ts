/**
 * A pool of AFC connections to one phone. Small files are round-trip bound, so spreading them
 * over a few connections (each one pipelined) multiplies throughput; the phone allows several
 * AFC connections (one StartService each). Connections are opened lazily, shared by callers
 * (a connection can serve several callers at once), and replaced when they drop.
 */
import type { AfcClient } from './afc-client';
import { AfcClosedError } from './errors';

export interface AfcPoolOptions {
  /** Most connections opened at once. Default 4. */
  size?: number;
  /** Callers a connection serves before another connection is opened. Default 1. */
  callersPerConnection?: number;
}

interface Member {
  client: Promise<AfcClient>;
  users: number;
  dead: boolean;
}

export class AfcPool {
  private readonly members: Member[] = [];
  private readonly size: number;
  private readonly callersPerConnection: number;
  private closed = false;

  /** `connect` opens one new AFC connection (StartService + usbmux Connect). */
  constructor(
    private readonly connect: () => Promise<AfcClient>,
    options: AfcPoolOptions = {},
  ) {
    this.size = Math.max(1, options.size ?? 4);
    this.callersPerConnection = Math.max(1, options.callersPerConnection ?? 1);
  }

  /** Connections open or opening. */
  get connectionCount(): number {
    return this.members.filter((member) => !member.dead).length;
  }

  /**
   * Runs `task` with a connection: the least busy one, or a new one while the pool is below its
   * size and every connection already has `callersPerConnection` callers.
   */
  async use<T>(task: (client: AfcClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new AfcClosedError();
    const member = this.pick();
    member.users++;
    try {
      return await task(await member.client);
    } finally {
      member.users--;
    }
  }

  /** Closes every connection; later `use` calls fail with AfcClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    const members = this.members.splice(0);
    await Promise.all(
      members.map((member) =>
        member.client.then(
          (client) => client.close(),
          () => {},
        ),
      ),
    );
  }

  private pick(): Member {
    const alive = this.members.filter((member) => !member.dead);
    const leastBusy = alive.reduce<Member | undefined>(
      (best, member) => (!best || member.users < best.users ? member : best),
      undefined,
    );
    if (leastBusy && (leastBusy.users < this.callersPerConnection || alive.length >= this.size)) return leastBusy;
    return this.open();
  }

  private open(): Member {
    const member: Member = { client: this.connect(), users: 0, dead: false };
    const forget = (): void => {
      member.dead = true;
      const index = this.members.indexOf(member);
      if (index >= 0) this.members.splice(index, 1);
    };
    member.client.then((client) => client.onClosed(forget), forget);
    this.members.push(member);
    return member;
  }
}
