/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code: it runs in Jest, not inside n8n, and needs setImmediate */
/**
 * What the portal call queue's unit tests share: a fake clock, a scripted portal that writes what it
 * is sent, and a Log call to submit.
 */
import { batchCommandFor } from '../../nodes/shared/batchCommands';
import type { Clock, PortalReply, PortalRequest } from '../../nodes/shared/portalCallQueue';

/** A monotonic clock (`time`) and, apart from it, the wall clock, which can be stepped back as NTP does. */
export class FakeClock implements Clock {
	time = 0;

	wallOffset = 0;

	private timers: Array<{ at: number; resolve: () => void }> = [];

	now = () => this.time;

	wallNow = () => this.time + this.wallOffset;

	sleep = async (ms: number) => await new Promise<void>((resolve) => this.timers.push({ at: this.time + ms, resolve }));

	/** Moves time forward, waking every sleeper on the way and letting the promises it starts settle. */
	async advance(ms: number): Promise<void> {
		const until = this.time + ms;
		for (;;) {
			await settle();
			const next = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
			if (!next) break;
			this.timers = this.timers.filter((timer) => timer !== next);
			this.time = Math.max(this.time, next.at);
			next.resolve();
		}
		this.time = until;
		await settle();
	}
}

const settle = async () => {
	for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

type Script = (request: PortalRequest) => PortalReply | Promise<PortalReply>;

/** A portal that writes what it is sent and answers as a real one, unless the script says otherwise. */
export function scriptedPortal(script?: Script) {
	const requests: PortalRequest[] = [];
	const written: Array<{ token: string; text: string }> = [];
	const run = (params: Record<string, unknown>) => written.push({ token: String(params.event_token), text: String(params.log_message) });
	/** Runs the request as the portal would and returns its answer. */
	const answer = (request: PortalRequest): PortalReply => {
		if (request.method !== 'batch') {
			run(request.body);
			return { status: 200, body: { result: true, time: { duration: 0.01 } } };
		}
		const cmd = request.body.cmd as Record<string, string>;
		const result: Record<string, unknown> = {};
		const resultTime: Record<string, unknown> = {};
		for (const [key, command] of Object.entries(cmd)) {
			run(Object.fromEntries(new URLSearchParams(command.slice(command.indexOf('?') + 1))));
			result[key] = true;
			resultTime[key] = { duration: 0.02 };
		}
		return { status: 200, body: { result: { result, result_error: [], result_time: resultTime } } };
	};
	const send = async (request: PortalRequest): Promise<PortalReply> => {
		requests.push(request);
		const scripted = await script?.(request);
		return scripted ?? answer(request);
	};
	return { requests, written, send, answer };
}

export const TOKENS = ['A', 'B', 'C', 'D'].map((letter) => `wf${letter}|A1|e1.${letter.repeat(64)}`);

export function logCall(
	token: string,
	text: string,
	send: (request: PortalRequest) => Promise<PortalReply>,
	extra: { batch?: boolean; maxWaitMs?: number; requestSettings?: string } = {},
) {
	const params = { event_token: token, log_message: text };
	return {
		method: 'bizproc.activity.log',
		params,
		orderKey: token,
		batchCommand: extra.batch === false ? undefined : batchCommandFor('bizproc.activity.log', params),
		maxWaitMs: extra.maxWaitMs ?? 300_000,
		requestSettings: extra.requestSettings ?? '',
		send,
	};
}

export const sizes = (requests: PortalRequest[]) => requests.map((r) => (r.method === 'batch' ? Object.keys(r.body.cmd as object).length : 1));
