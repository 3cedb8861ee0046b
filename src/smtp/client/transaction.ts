// One mail transaction on an open connection: [RSET,] MAIL, RCPTs, then DATA or BDAT, pipelined when
// the peer offers it (RFC 2920). Every failure becomes per-recipient outcomes; nothing here throws.
import { pipeline, type Readable } from 'node:stream';
import type { Reply } from '../wire/reply.js';
import { bdatChunks } from './bdat-chunks.js';
import type { Connection, ReadResult } from './connection.js';
import { DataEncoder } from './data-encoder.js';
import { from421, fromFailure, fromReply, local, quote, refusal, Tally, type Failure } from './outcomes.js';
import { planTransaction, type Extensions, type Plan } from './plan.js';
import type { OutgoingMessage, Outcome, Phase, TransactionResult } from './types.js';

/** A transaction's result, and what it means for the session. */
export interface TransactionRun {
  result: TransactionResult;
  started: boolean; // a command was written
  usable: boolean; // the connection may carry another transaction
}

type Step = { line: string; phase: 'rset' | 'mail' | 'rcpt' | 'data'; index?: number };
type Next = 'body' | 'chunks' | 'stop';

/** @example const run = await runTransaction(conn, info.extensions, message, transactions > 0) */
export async function runTransaction(conn: Connection, ext: Extensions, msg: OutgoingMessage, reused: boolean): Promise<TransactionRun> {
  const plan = planTransaction(ext, msg);
  const tx = new Transaction(conn, msg, plan);
  if (plan.refusal) tx.tally.settleRest(plan.refusal);
  for (const { index, outcome } of plan.refused) tx.tally.set(index, outcome);
  const started = plan.refusal === null && plan.rcpts.length > 0;
  if (started) await tx.run(reused);
  const result: TransactionResult = {
    recipients: tx.tally.result('data-end'),
    pipelined: started && plan.pipelining,
    chunking: started && plan.bdat,
  };
  if (tx.data) result.data = tx.data;
  return { result, started, usable: tx.usable };
}

class Transaction {
  readonly tally: Tally;
  usable = true;
  data: Outcome | undefined;
  private mailFailed = false;

  constructor(private readonly conn: Connection, private readonly msg: OutgoingMessage, private readonly plan: Plan) {
    this.tally = new Tally(msg.recipients.length);
  }

  async run(reused: boolean): Promise<void> {
    const next = await this.envelope(reused);
    if (next === 'body') await this.sendData();
    else if (next === 'chunks') await this.sendChunks();
  }

  private steps(reused: boolean): Step[] {
    return [
      ...(reused ? [{ line: 'RSET', phase: 'rset' } as const] : []),
      { line: this.plan.mail, phase: 'mail' },
      ...this.plan.rcpts.map(({ index, line }): Step => ({ line, phase: 'rcpt', index })),
      ...(this.plan.bdat ? [] : [{ line: 'DATA', phase: 'data' } as const]),
    ];
  }

  /** The envelope commands, all in one write when pipelining, else one at a time. */
  private async envelope(reused: boolean): Promise<Next> {
    const steps = this.steps(reused);
    if (this.plan.pipelining) this.conn.write(steps.map((s) => s.line));
    for (const step of steps) {
      if (!this.plan.pipelining) {
        if (this.mailFailed || (step.phase === 'data' && this.tally.accepted === 0)) break;
        this.conn.write([step.line]);
      }
      const r = await this.conn.read(step.phase);
      if (!r.ok) return this.fail(r.failure, false);
      const next = await this.onReply(step, r.reply);
      if (next !== null) return next;
    }
    return this.plan.bdat && this.tally.accepted > 0 ? 'chunks' : 'stop';
  }

  /** One envelope reply; null means read on. */
  private async onReply(step: Step, reply: Reply): Promise<Next | null> {
    if (reply.code === 421) return this.closing(reply, step.phase, false);
    const ok = reply.code >= 200 && reply.code < 300;
    switch (step.phase) {
      case 'rset':
        if (ok) return null;
        this.tally.settleRest(local(451, '4.5.0', `the host refused RSET: ${quote(reply)}`, 'rset'));
        return this.abandon();
      case 'mail':
        if (ok) return null;
        this.mailFailed = true; // the pipelined RCPT and DATA replies that follow say nothing more
        this.tally.settleRest(refusal(reply, 'mail'));
        return null;
      case 'rcpt':
        if (this.mailFailed) return null;
        if (ok) this.tally.accept(step.index!);
        else this.tally.set(step.index!, refusal(reply, 'rcpt'));
        return null;
      case 'data':
        return this.onDataReply(reply);
    }
  }

  private async onDataReply(reply: Reply): Promise<Next> {
    if (reply.code !== 354) {
      if (!this.mailFailed) this.tally.settleAccepted(refusal(reply, 'data'));
      return 'stop';
    }
    if (this.tally.accepted > 0 && !this.mailFailed) return 'body';
    // RFC 2920 §3.1: the peer took DATA with no recipient; end it at once with an empty message.
    this.conn.write(['.']);
    const r = await this.conn.read('data-end');
    if (!r.ok) return this.fail(r.failure, false);
    return r.reply.code === 421 ? this.closing(r.reply, 'data-end', false) : 'stop';
  }

  /** DATA: the encoded body ending in ".\r\n", then the final reply. */
  private async sendData(): Promise<void> {
    const body = this.msg.data ? inMemory(this.msg.data) : this.openBody();
    if (!body) return;
    const encoded: AsyncIterable<Buffer> | Buffer[] = Array.isArray(body) ? body : pipeline(body, new DataEncoder(), () => undefined);
    const f = await this.conn.writeBody(encoded);
    if (f) return void this.fail(f, false);
    this.endOfData(await this.conn.read('data-end'));
  }

  /** BDAT: chunks pipelined when the peer offers PIPELINING, else one reply per chunk. */
  private async sendChunks(): Promise<void> {
    const body = this.openBody();
    if (!body) return;
    let outstanding = 0;
    try {
      for await (const { data, last } of bdatChunks(body)) {
        const f = await this.conn.writeChunk(`BDAT ${data.length}${last ? ' LAST' : ''}`, data);
        if (f) return void this.fail(f, false);
        outstanding++;
        if (this.plan.pipelining && !last) continue;
        if (!(await this.chunkReplies(outstanding, last))) return;
        outstanding = 0;
      }
    } catch (err) {
      this.bodyFailed(err);
    }
  }

  /** The body stream, or null (and the transaction failed) when it cannot be opened. */
  private openBody(): Readable | null {
    try {
      return this.msg.body();
    } catch (err) {
      this.bodyFailed(err);
      return null;
    }
  }

  /** We are inside DATA or BDAT and cannot finish the message: only dropping the connection aborts it. */
  private bodyFailed(err: unknown): void {
    this.fail({ kind: 'local', phase: 'data-block', text: `cannot read the message body: ${(err as Error).message}` }, false);
  }

  /**
   * Read `n` chunk replies; false when the transaction is over. A refused chunk decides the outcome
   * even if a later LAST is accepted: part of the body was lost.
   */
  private async chunkReplies(n: number, lastSent: boolean): Promise<boolean> {
    let refused: Outcome | null = null;
    for (let i = 0; i < n; i++) {
      if (lastSent && i === n - 1) {
        this.endOfData(await this.conn.read('data-end'), refused);
        return false;
      }
      const r = await this.conn.read('data-block');
      if (!r.ok || r.reply.code === 421) {
        if (r.ok) this.closing(r.reply, 'data-block', lastSent);
        else this.fail(r.failure, lastSent);
        return false;
      }
      if (r.reply.code >= 300) refused ??= refusal(r.reply, 'data-block');
    }
    if (refused) this.settle(refused);
    return refused === null;
  }

  /** The reply to the end of data (or the last BDAT) decides for every accepted recipient. */
  private endOfData(r: ReadResult, refused: Outcome | null = null): void {
    if (!r.ok) return void this.fail(r.failure, true);
    if (r.reply.code === 421) return void this.closing(r.reply, 'data-end', true);
    const ok = r.reply.code >= 200 && r.reply.code < 300;
    this.settle(refused ?? (ok ? fromReply(r.reply, 'data-end') : refusal(r.reply, 'data-end')));
  }

  private settle(o: Outcome): void {
    this.data = o;
    this.tally.settleAccepted(o);
  }

  /** A 421: everyone still open gets the peer's text; the peer is closing, and so do we. */
  private closing(reply: Reply, phase: Phase, afterEnd: boolean): Next {
    const o = from421(reply, phase, afterEnd);
    if (afterEnd) this.data = o;
    this.tally.settleRest(o);
    this.usable = false;
    this.conn.close();
    return 'stop';
  }

  /** A timeout, a disconnect, a protocol error or a body we could not read: the connection is done. */
  private fail(f: Failure, afterEnd: boolean): Next {
    const o = fromFailure(f, afterEnd);
    if (afterEnd || f.phase === 'data-block') this.data = o;
    this.tally.settleRest(o);
    return this.abandon();
  }

  private abandon(): Next {
    this.usable = false;
    this.conn.destroy();
    return 'stop';
  }
}

/** An in-memory body encoded in one step, without streams. */
function inMemory(data: Buffer): Buffer[] {
  const encoder = new DataEncoder();
  return [encoder.encode(data), encoder.tail()];
}
