/**
 * One ordered queue per portal and credential, shared by every execution in this n8n process. Each
 * item's call joins it, and whenever the portal's rate limit allows a request, the calls waiting leave
 * together: up to 50 in one `batch` request, which the limit counts once, or one plain call.
 *
 * Order. Calls with the same order key (the event token: one business process's action) are written
 * in the order they joined. The portal runs concurrent requests in parallel, so two requests in flight
 * may be written in either order; inside one batch it runs the commands one after another, in key
 * order. Hence a key's next call never leaves while an earlier request holding that key is
 * unanswered, and a call sent again goes back to its own place, ahead of its key's later calls.
 *
 * Sending again. Only a call the portal certainly did not run: the whole request refused by the rate
 * limit (QUERY_LIMIT_EXCEEDED), a blocked method (OPERATION_TIME_LIMIT: for a batch, the command that
 * got it), or no connection at all; each within the call's Max Wait. After a timeout, a cut
 * connection, a 5xx or an answer that does not say what became of a call, it fails and is not resent.
 *
 * Waiting. The bucket counts only requests that leave, so a call that gives up (Max Wait) takes
 * nothing from the calls after it.
 */
import { sleep } from 'n8n-workflow';

import { batchBody, commandOutcomes, MAX_BATCH_BYTES, MAX_BATCH_COMMANDS, pageInfo, UNKNOWN_OUTCOME, type CommandOutcome } from './batchCommands';
import { failureFromAnswer, failureFromLongWait, withWaitNote, type Bitrix24Failure } from './bitrix24Errors';
import { LeakyBucket, type RateLimit } from './rateLimit';

export interface PortalRequest {
	method: string;
	body: Record<string, unknown>;
}
export type PortalReply = { status: number; body: unknown } | { failure: Bitrix24Failure };
/** Sends one HTTP request to the portal on behalf of a call's execution. Never throws. */
export type Transport = (request: PortalRequest) => Promise<PortalReply>;

export interface Call {
	method: string;
	params: Record<string, unknown>;
	orderKey: string;
	/** The call as a batch command, or undefined when it must go as a plain call. */
	batchCommand: string | undefined;
	maxWaitMs: number;
	send: Transport;
}

export type CallOutcome = CommandOutcome;

export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now(), sleep: async (ms) => await sleep(ms) };

interface Waiting extends Call {
	seq: number;
	deadline: number;
	notBefore: number;
	refusedAttempts: number;
	lastFailure?: Bitrix24Failure;
	resolve(outcome: CallOutcome): void;
}

const MAX_REFUSED_ATTEMPTS = 3;
const OUT_OF_TURN =
	"It was not sent again: this business process's next lines, sent in the same request, were already written, and a late line would land out of order.";
/** The official JS SDK's wait after OPERATION_TIME_LIMIT when the portal does not say until when. */
const OPERATION_TIME_FALLBACK_MS = 10_000;
/** The queue looks again at least this often (deadlines), and no timer of ours outlives it by more. */
const MAX_NAP_MS = 1000;

export class PortalCallQueue {
	private waiting: Waiting[] = [];

	/** Order keys held by a request in flight, with how many requests hold each. */
	private readonly busyKeys = new Map<string, number>();

	private bucket: LeakyBucket | undefined;

	private nextSeq = 0;

	private running = false;

	private wake: (() => void) | undefined;

	constructor(limit: RateLimit | undefined, private readonly clock: Clock = systemClock) {
		this.useLimit(limit);
	}

	/** Follows the credential's plan; what the bucket holds carries over. */
	useLimit(limit: RateLimit | undefined): void {
		if (!limit) this.bucket = undefined;
		else if (this.bucket) this.bucket.setLimit(limit);
		else this.bucket = new LeakyBucket(limit, () => this.clock.now());
	}

	/** Queues a call; resolves with its result or its failure, never rejects. */
	async submit(call: Call): Promise<CallOutcome> {
		return await new Promise<CallOutcome>((resolve) => {
			const now = this.clock.now();
			this.waiting.push({ ...call, seq: this.nextSeq++, deadline: now + call.maxWaitMs, notBefore: now, refusedAttempts: 0, resolve });
			this.poke();
		});
	}

	private poke(): void {
		if (this.running) this.wake?.();
		else void this.run();
	}

	private async run(): Promise<void> {
		this.running = true;
		try {
			// Calls that join in the same tick (all items of a node, as RoutingNode starts them at once) ride along.
			await this.clock.sleep(0);
			while (this.waiting.length > 0) {
				const napMs = Math.min(this.sendWhatMayGo(), MAX_NAP_MS);
				const changed = new Promise<void>((resolve) => (this.wake = resolve));
				await Promise.race([changed, this.clock.sleep(Math.max(napMs, 1))]);
				this.wake = undefined;
			}
		} finally {
			this.running = false;
		}
	}

	/** Sends every request the bucket allows now, then fails what waited too long; returns how long until something may change. */
	private sendWhatMayGo(): number {
		const now = this.clock.now();
		let bucketWaitMs = Infinity;
		for (let calls = this.nextRequest(now); calls; calls = this.nextRequest(now)) {
			const waitMs = this.bucket?.waitMs() ?? 0;
			if (waitMs > 0) {
				bucketWaitMs = waitMs;
				break;
			}
			this.bucket?.take();
			void this.dispatch(calls);
		}
		this.failExpired(now);
		return Math.min(bucketWaitMs, this.nextChangeIn(now));
	}

	/**
	 * The calls of the next request, in queue order: the first call that may go and, when it can travel
	 * in a batch, every later one that may go too, up to the batch's limits. A call that may not go
	 * (its key busy, its wait not over, or it does not fit) holds back its key's later calls.
	 */
	private nextRequest(now: number): Waiting[] | undefined {
		const heldKeys = new Set(this.busyKeys.keys());
		const batch: Waiting[] = [];
		let bytes = 0;
		for (const call of this.waiting) {
			if (heldKeys.has(call.orderKey)) continue;
			if (batch.length === 0 && call.notBefore <= now && call.batchCommand === undefined) return [call];
			const fits =
				call.notBefore <= now &&
				call.batchCommand !== undefined &&
				batch.length < MAX_BATCH_COMMANDS &&
				bytes + call.batchCommand.length <= MAX_BATCH_BYTES;
			if (!fits) {
				heldKeys.add(call.orderKey);
				continue;
			}
			batch.push(call);
			bytes += call.batchCommand!.length;
			if (batch.length === MAX_BATCH_COMMANDS) break;
		}
		return batch.length > 0 ? batch : undefined;
	}

	private nextChangeIn(now: number): number {
		let next = Infinity;
		for (const call of this.waiting) next = Math.min(next, call.deadline - now, Math.max(call.notBefore - now, 0) || Infinity);
		return next;
	}

	private failExpired(now: number): void {
		const expired = this.waiting.filter((call) => call.deadline <= now);
		if (expired.length === 0) return;
		this.waiting = this.waiting.filter((call) => call.deadline > now);
		for (const call of expired) {
			const maxWaitSeconds = Math.round(call.maxWaitMs / 1000);
			call.resolve({ failure: call.lastFailure ? withWaitNote(call.lastFailure, maxWaitSeconds) : failureFromLongWait(maxWaitSeconds) });
		}
	}

	private async dispatch(calls: Waiting[]): Promise<void> {
		const leaving = new Set(calls);
		this.waiting = this.waiting.filter((call) => !leaving.has(call));
		for (const { orderKey } of calls) this.busyKeys.set(orderKey, (this.busyKeys.get(orderKey) ?? 0) + 1);
		const request: PortalRequest =
			calls.length === 1
				? { method: calls[0].method, body: calls[0].params }
				: { method: 'batch', body: batchBody(calls.map((call) => call.batchCommand!)) };
		// Any call's execution can carry the request: they share the portal and the credential.
		const reply = await calls[0].send(request);
		for (const { orderKey } of calls) {
			const count = (this.busyKeys.get(orderKey) ?? 1) - 1;
			if (count > 0) this.busyKeys.set(orderKey, count);
			else this.busyKeys.delete(orderKey);
		}
		this.settle(calls, reply);
		this.poke();
	}

	private settle(calls: Waiting[], reply: PortalReply): void {
		const failure = 'failure' in reply ? reply.failure : failureFromAnswer(reply);
		if (failure) {
			for (const call of calls) this.retryOrFail(call, failure);
			return;
		}
		const body = (reply as { body: unknown }).body;
		if (calls.length === 1) {
			const { result, time, next, total } = body as { result?: unknown; time?: unknown; next?: unknown; total?: unknown };
			calls[0].resolve({ result, time, ...pageInfo(next, total) });
			return;
		}
		const outcomes = commandOutcomes(body, calls.length) ?? calls.map(() => ({ failure: UNKNOWN_OUTCOME }));
		// Read from the last command back: a command that could go again but whose key's later command was
		// already written must not, or it would land after that line.
		const writtenLater = new Set<string>();
		for (let index = calls.length - 1; index >= 0; index--) {
			const [call, outcome] = [calls[index], outcomes[index]];
			if (!('failure' in outcome)) {
				writtenLater.add(call.orderKey);
				call.resolve(outcome);
			} else if (outcome.failure.retry && writtenLater.has(call.orderKey)) {
				call.resolve({ failure: { ...outcome.failure, retry: undefined, description: `${outcome.failure.description} ${OUT_OF_TURN}` } });
			} else {
				this.retryOrFail(call, outcome.failure);
			}
		}
	}

	/** Queues the call again where the portal certainly did not run it, within its Max Wait; else fails it. */
	private retryOrFail(call: Waiting, failure: Bitrix24Failure): void {
		const now = this.clock.now();
		let notBefore: number;
		switch (failure.retry) {
			case 'queryLimit':
				// The portal counts more than we did (other processes, other apps): wait for a full bucket's turn.
				this.bucket?.markFull();
				notBefore = this.bucket ? now : now + 1500;
				break;
			case 'operationTime':
				notBefore = Math.max(failure.operatingResetAt ? failure.operatingResetAt * 1000 : now + OPERATION_TIME_FALLBACK_MS, now + 1000);
				break;
			case 'refused':
				call.refusedAttempts += 1;
				if (call.refusedAttempts >= MAX_REFUSED_ATTEMPTS) return call.resolve({ failure });
				notBefore = now + 500 * call.refusedAttempts;
				break;
			default:
				return call.resolve({ failure });
		}
		if (notBefore > call.deadline) return call.resolve({ failure: withWaitNote(failure, Math.round(call.maxWaitMs / 1000)) });
		call.notBefore = notBefore;
		call.lastFailure = failure;
		const at = this.waiting.findIndex((other) => other.seq > call.seq);
		this.waiting.splice(at < 0 ? this.waiting.length : at, 0, call);
	}
}

const queues = new Map<string, PortalCallQueue>();

/** The process-wide queue for one portal and credential. */
export function queueFor(key: string, limit: RateLimit | undefined): PortalCallQueue {
	let queue = queues.get(key);
	if (!queue) queues.set(key, (queue = new PortalCallQueue(limit)));
	else queue.useLimit(limit);
	return queue;
}
