/**
 * One Bitrix24 call outside an item's execution (the trigger's hooks: registering the action; the
 * editor's lists), with the same transport, URL rules, error words and secret masking as the nodes'
 * calls. Not through the queue: these are single calls a person or n8n's activation makes.
 */
import type { IDataObject, IHookFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import { failureFromAnswer } from './bitrix24Errors';
import { credentialTypeOf, readCredentials, restBaseUrlOf, secretsOf } from './credentialAccess';
import { toNodeError } from './n8nErrors';
import { transportFor } from './portalTransport';

type CallContext = IHookFunctions | ILoadOptionsFunctions;

/** The portal's `result`. */
export async function callBitrix24(context: CallContext, method: string, body: IDataObject): Promise<unknown> {
	return (await callBitrix24Answer(context, method, body)).result;
}

/** The portal's whole answer (`result`, and for lists `next` and `total`). */
export async function callBitrix24Answer(context: CallContext, method: string, body: IDataObject): Promise<IDataObject> {
	const credentialType = credentialTypeOf(context);
	const credentials = await readCredentials(context, credentialType);
	const send = transportFor(context, { credentialType }, { method: 'POST', baseURL: restBaseUrlOf(context, credentialType, credentials), json: true });
	const reply = await send({ method, body });
	const failure = 'failure' in reply ? reply.failure : failureFromAnswer(reply);
	if (failure) throw toNodeError(context.getNode(), failure, 0, secretsOf(credentials, body));
	return (reply as { body: IDataObject }).body;
}
