/**
 * The credential fields that say which rate limit the portal applies, shared by both credentials.
 * The option values are the plans of PLAN_LIMITS in nodes/shared/rateLimit.ts, which reads them.
 */
import type { INodeProperties } from 'n8n-workflow';

export const portalPlanProperties: INodeProperties[] = [
	{
		displayName: 'Portal Plan (Rate Limit)',
		name: 'portalPlan',
		type: 'options',
		options: [
			{ name: 'Custom', value: 'custom', description: 'Set the burst and the drain rate yourself (on-premise portals)' },
			{ name: 'Enterprise', value: 'enterprise', description: 'Bitrix24 cloud Enterprise: 250 calls at once, then 5 per second' },
			{ name: 'No Limit', value: 'off', description: 'Send at once; only for on-premise portals without a limit' },
			{ name: 'Standard', value: 'standard', description: 'Bitrix24 cloud plans below Enterprise: 50 calls at once, then 2 per second' },
		],
		default: 'standard',
		description: "Which limit the portal applies. Calls are spaced to stay within it, so none is refused under load.",
	},
	{
		displayName: 'Burst (Calls)',
		name: 'rateLimitBurst',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		displayOptions: { show: { portalPlan: ['custom'] } },
	},
	{
		displayName: 'Drain Rate (Calls per Second)',
		name: 'rateLimitDrainPerSecond',
		type: 'number',
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		default: 2,
		displayOptions: { show: { portalPlan: ['custom'] } },
	},
];
