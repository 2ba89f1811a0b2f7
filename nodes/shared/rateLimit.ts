/**
 * Client-side throttling that mirrors Bitrix24's own limit: a leaky bucket per portal that holds
 * `burst` calls and drains `drainPerSecond` of them. One bucket per portal and credential, shared
 * by every execution in this n8n process, so that a burst of executions waits its turn instead of
 * being refused with QUERY_LIMIT_EXCEEDED. The credential fields that choose the limit are in
 * credentials/portalPlan.ts.
 */
export interface RateLimit {
	burst: number;
	drainPerSecond: number;
}

/** The portal's published limits (Bitrix24 cloud); on-premise portals set their own. */
const PLAN_LIMITS: Record<string, RateLimit | undefined> = {
	standard: { burst: 50, drainPerSecond: 2 },
	enterprise: { burst: 250, drainPerSecond: 5 },
	off: undefined,
};

/** The limit a credential asks for; undefined means no client-side limit. */
export function rateLimitOf(credentials: Record<string, unknown>): RateLimit | undefined {
	const plan = typeof credentials.portalPlan === 'string' ? credentials.portalPlan : 'standard';
	if (plan !== 'custom') return plan in PLAN_LIMITS ? PLAN_LIMITS[plan] : PLAN_LIMITS.standard;
	const burst = Number(credentials.rateLimitBurst);
	const drainPerSecond = Number(credentials.rateLimitDrainPerSecond);
	return burst >= 1 && drainPerSecond > 0 ? { burst, drainPerSecond } : PLAN_LIMITS.standard;
}

const HEADROOM_SECONDS = 0.25;
/**
 * The portal's limit is per portal, but this bucket is per n8n process: in queue mode several workers
 * (and other applications) spend the same plan. A refusal is the sign: this process then takes half
 * its share of the plan (at most once per SHARE_HALVING_MS, as the requests in flight at that moment
 * are refused together; never below MIN_SHARE), and each SHARE_RECOVERY_MS (a minute) without a refusal doubles
 * it back: counted in the quiet time that passed, not in looks, so after ten quiet hours the whole plan
 * is back. Two workers each settle at half the plan.
 */
const SHARE_HALVING_MS = 2000;
const SHARE_RECOVERY_MS = 60_000;
const MIN_SHARE = 1 / 8;

export class LeakyBucket {
	private level = 0;

	private updatedAt: number;

	private share = 1;

	private shareChangedAt: number;

	constructor(
		private limit: RateLimit,
		/** A clock that never goes back (a step of the system clock must not make the bucket wait). */
		private readonly now: () => number = () => performance.now(),
	) {
		this.updatedAt = now();
		this.shareChangedAt = this.updatedAt;
	}

	/** Follows a change of the credential's plan without losing what is in the bucket. */
	setLimit(limit: RateLimit): void {
		if (limit.burst === this.limit.burst && limit.drainPerSecond === this.limit.drainPerSecond) return;
		this.drain();
		this.limit = limit;
	}

	/**
	 * How long (ms) the next request must wait before it may leave; nothing is booked. The portal
	 * counts arrivals, not our sends: a request delayed on the way lands closer to the next one, so a
	 * quarter second of drain is kept in hand for that.
	 */
	waitMs(): number {
		this.drain();
		const { burst, drainPerSecond } = this.ownShare();
		const headroom = Math.min(burst - 1, Math.max(1, Math.ceil(drainPerSecond * HEADROOM_SECONDS)));
		return Math.ceil(Math.max(0, ((this.level + 1 - (burst - headroom)) / drainPerSecond) * 1000));
	}

	/** Counts a request that leaves now. Only requests that really leave are counted. */
	take(): void {
		this.drain();
		this.level += 1;
	}

	/** The portal said it is full: whatever we counted, start from a full bucket, and take a smaller share. */
	markFull(): void {
		this.drain();
		const now = this.now();
		if (this.share === 1 || now - this.shareChangedAt >= SHARE_HALVING_MS) {
			this.share = Math.max(MIN_SHARE, this.share / 2);
			this.shareChangedAt = now;
		}
		this.level = Math.max(this.level, this.ownShare().burst);
	}

	/** The part of the plan this process takes now. */
	ownShare(): RateLimit {
		return { burst: Math.max(1, this.limit.burst * this.share), drainPerSecond: this.limit.drainPerSecond * this.share };
	}

	private drain(): void {
		const now = this.now();
		this.level = Math.max(0, this.level - ((now - this.updatedAt) / 1000) * this.ownShare().drainPerSecond);
		this.updatedAt = now;
		const quietMinutes = Math.floor((now - this.shareChangedAt) / SHARE_RECOVERY_MS);
		if (this.share < 1 && quietMinutes > 0) {
			this.share = Math.min(1, this.share * 2 ** Math.min(quietMinutes, 10));
			this.shareChangedAt += quietMinutes * SHARE_RECOVERY_MS;
		}
	}
}
