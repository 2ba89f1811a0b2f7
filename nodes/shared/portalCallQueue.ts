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
 * After an unknown outcome. A request that got no answer from the portal (a timeout, a cut
 * connection, a proxy's page) may still be running there: Bitrix24 ends a request at most 60 s after
 * it starts (b24restdocs limits.md, "one REST request must finish within 60 seconds"), and it may
 * start there a little after it left. So its keys stay held until 70 s after it left (the default
 * Timeout: 60 s plus 10 s for the way), and a later call of such a key waits for that within its Max
 * Wait, or fails at once saying why. Waiting or failing is visible to the user; a line sent earlier
 * could be written before the unanswered one (the portal runs requests in parallel), and nobody would
 * see it until they read the log.
 *
 * Sending again. Only a call the portal certainly did not run: the whole request refused by the rate
 * limit (QUERY_LIMIT_EXCEEDED), a blocked method (OPERATION_TIME_LIMIT: for a batch, the command that
 * got it), or no connection at all; each within the call's Max Wait. After a timeout, a cut
 * connection, a 5xx or an answer that does not say what became of a call, it fails and is not resent.
 *
 * Waiting. Max Wait counts the time a call waits on the portal (its plan, a blocked method, an
 * unanswered request it may still run), from when no request of the call's key is in flight: the time
 * behind its own process's earlier request, waiting for the answer, is not counted. The bucket counts
 * only requests that leave, so a call that gives up takes nothing from the calls after it. All
 * waiting uses a clock that never goes back (performance.now), so a step of the system clock (NTP)
 * changes nothing; the wall clock is read only to place the portal's own unix times.
 *
 * Sharing a request. Calls share a request only with calls of the same request settings (Timeout,
 * n8n's request options: proxy, SSL, ...), so no call is sent with another node's Timeout; a call whose
 * settings differ from the request being filled waits for a request of its own, in its turn.
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

interface Call {
	method: string;
	params: Record<string, unknown>;
	orderKey: string;
	/** The call as a batch command, or undefined when it must go as a plain call. */
	batchCommand: string | undefined;
	maxWaitMs: number;
	/** The request settings `send` applies (Timeout, request options): only equal ones share a request. */
	requestSettings: string;
	send: Transport;
}

export type CallOutcome = CommandOutcome;

export interface Clock {
	/** Milliseconds on a clock that never goes back: all waiting and spacing. */
	now(): number;
	/** Unix time in milliseconds: only to read the portal's own times (operating_reset_at). */
	wallNow(): number;
	sleep(ms: number): Promise<void>;
}

// setTimeout (n8n's sleep) runs on libuv's monotonic clock too.
const systemClock: Clock = { now: () => performance.now(), wallNow: () => Date.now(), sleep: async (ms) => await sleep(ms) };

interface Waiting extends Call {
	seq: number;
	/** Set when the call starts waiting on the portal (no request of its key in flight). */
	deadline: number | undefined;
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
/** How long after it left an unanswered request may still run on the portal (see the top). */
const MAY_STILL_RUN_MS = 70_000;
/** Failures that leave the request perhaps still running: no answer from the portal itself. */
const NO_ANSWER_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'NETWORK_ERROR', 'NON_JSON_ANSWER']);
/** The queue looks again at least this often (deadlines), and no timer of ours outlives it by more. */
const MAX_NAP_MS = 1000;

export class PortalCallQueue {
	private waiting: Waiting[] = [];

	/** Order keys held by a request in flight, with how many requests hold each. */
	private readonly busyKeys = new Map<string, number>();

	/** Order keys of an unanswered request, held until the portal can no longer be running it. */
	private readonly unansweredUntil = new Map<string, number>();

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
			this.waiting.push({ ...call, seq: this.nextSeq++, deadline: undefined, notBefore: now, refusedAttempts: 0, resolve });
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
		for (const [key, until] of this.unansweredUntil) if (until <= now) this.unansweredUntil.delete(key);
		// A call's Max Wait starts when it is first in line for its key and no request of that key is in flight.
		const firstOfKey = new Set<string>();
		for (const call of this.waiting) {
			if (firstOfKey.has(call.orderKey)) continue;
			firstOfKey.add(call.orderKey);
			if (call.deadline === undefined && !this.busyKeys.has(call.orderKey)) call.deadline = now + call.maxWaitMs;
		}
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
		// After a failure the next call of that key is first in line: look again at once.
		if (this.failWhatCannotGo(now)) return 0;
		return Math.min(bucketWaitMs, this.nextChangeIn(now));
	}

	/**
	 * The calls of the next request, in queue order: the first call that may go and, when it can travel
	 * in a batch, every later one that may go too, up to the batch's limits. A call that may not go
	 * (its key busy, its wait not over, or it does not fit) holds back its key's later calls.
	 */
	private nextRequest(now: number): Waiting[] | undefined {
		const heldKeys = new Set([...this.busyKeys.keys(), ...this.unansweredUntil.keys()]);
		const batch: Waiting[] = [];
		let bytes = 0;
		for (const call of this.waiting) {
			if (heldKeys.has(call.orderKey)) continue;
			if (batch.length === 0 && call.notBefore <= now && call.batchCommand === undefined) return [call];
			const fits =
				call.notBefore <= now &&
				call.batchCommand !== undefined &&
				(batch.length === 0 || call.requestSettings === batch[0].requestSettings) &&
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
		for (const call of this.waiting) next = Math.min(next, (call.deadline ?? Infinity) - now, Math.max(call.notBefore - now, 0) || Infinity);
		for (const until of this.unansweredUntil.values()) next = Math.min(next, until - now);
		return next;
	}

	/** Fails the calls that waited their Max Wait, and those whose key stays held by an unanswered request past it. */
	private failWhatCannotGo(now: number): boolean {
		const failures = new Map<Waiting, Bitrix24Failure>();
		for (const call of this.waiting) {
			const maxWaitSeconds = Math.round(call.maxWaitMs / 1000);
			const heldUntil = this.unansweredUntil.get(call.orderKey);
			if (heldUntil !== undefined && !this.busyKeys.has(call.orderKey) && heldUntil > (call.deadline ?? now + call.maxWaitMs)) {
				failures.set(call, earlierCallUnanswered(Math.ceil((heldUntil - now) / 1000), maxWaitSeconds));
			} else if (call.deadline !== undefined && call.deadline < now) {
				failures.set(call, call.lastFailure ? withWaitNote(call.lastFailure, maxWaitSeconds) : failureFromLongWait(maxWaitSeconds));
			}
		}
		this.waiting = this.waiting.filter((call) => !failures.has(call));
		for (const [call, failure] of failures) call.resolve({ failure });
		return failures.size > 0;
	}

	private async dispatch(calls: Waiting[]): Promise<void> {
		const leaving = new Set(calls);
		this.waiting = this.waiting.filter((call) => !leaving.has(call));
		for (const { orderKey } of calls) this.busyKeys.set(orderKey, (this.busyKeys.get(orderKey) ?? 0) + 1);
		const request: PortalRequest =
			calls.length === 1
				? { method: calls[0].method, body: calls[0].params }
				: { method: 'batch', body: batchBody(calls.map((call) => call.batchCommand!)) };
		const leftAt = this.clock.now();
		// Any call's execution can carry the request: they share the portal, the credential and the request settings.
		const reply = await calls[0].send(request);
		for (const { orderKey } of calls) {
			const count = (this.busyKeys.get(orderKey) ?? 1) - 1;
			if (count > 0) this.busyKeys.set(orderKey, count);
			else this.busyKeys.delete(orderKey);
		}
		this.settle(calls, reply, leftAt);
		this.poke();
	}

	private settle(calls: Waiting[], reply: PortalReply, leftAt: number): void {
		const failure = 'failure' in reply ? reply.failure : failureFromAnswer(reply);
		if (failure && !failure.retry && NO_ANSWER_CODES.has(failure.code)) {
			for (const { orderKey } of calls) this.unansweredUntil.set(orderKey, Math.max(this.unansweredUntil.get(orderKey) ?? 0, leftAt + MAY_STILL_RUN_MS));
		}
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
				call.resolve({ failure: { ...outcome.failure, retry: undefined, neverSendAgain: true, description: `${outcome.failure.description} ${OUT_OF_TURN}` } });
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
				// operating_reset_at is the portal's unix time: only the distance to it is read from the wall clock.
				notBefore = now + Math.max(failure.operatingResetAt ? failure.operatingResetAt * 1000 - this.clock.wallNow() : OPERATION_TIME_FALLBACK_MS, 1000);
				break;
			case 'refused':
				call.refusedAttempts += 1;
				if (call.refusedAttempts >= MAX_REFUSED_ATTEMPTS) return call.resolve({ failure });
				notBefore = now + 500 * call.refusedAttempts;
				break;
			default:
				return call.resolve({ failure });
		}
		if (notBefore > (call.deadline ?? now + call.maxWaitMs)) return call.resolve({ failure: withWaitNote(failure, Math.round(call.maxWaitMs / 1000)) });
		call.notBefore = notBefore;
		call.lastFailure = failure;
		const at = this.waiting.findIndex((other) => other.seq > call.seq);
		this.waiting.splice(at < 0 ? this.waiting.length : at, 0, call);
	}
}

/** A call held behind its process's unanswered request for longer than its Max Wait. */
function earlierCallUnanswered(heldSeconds: number, maxWaitSeconds: number): Bitrix24Failure {
	return {
		code: 'EARLIER_CALL_UNANSWERED',
		message: 'An earlier line of this business process got no answer, and Bitrix24 may still be writing it',
		description: `This line was not sent, so nothing of it was written: it could have landed before the earlier line. Bitrix24 ends a request at most 60 s after it starts, so the earlier one may still run for up to ${heldSeconds} s, longer than Max Wait Under Rate Limits (${maxWaitSeconds} s) allows. Check the business process log, then run again; or raise Max Wait above 70 s to let such lines wait.`,
	};
}

const queues = new Map<string, PortalCallQueue>();

/** The process-wide queue for one portal and credential. */
export function queueFor(key: string, limit: RateLimit | undefined): PortalCallQueue {
	let queue = queues.get(key);
	if (!queue) queues.set(key, (queue = new PortalCallQueue(limit)));
	else queue.useLimit(limit);
	return queue;
}
