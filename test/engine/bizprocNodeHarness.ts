/**
 * What the Bitrix24 Business Process node's engine tests share: the sandbox portal (user 1 manages
 * users 2 and 3), the node run with a webhook or OAuth2 credential, and the portal set up by REST as
 * an administrator: deals, approval templates, started processes and their tasks.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type EngineRun, type StoredCredentials } from './n8nEngine';
import { oauthCredentials, usePortal, webhookCredentials, type DocumentId, type JournalEntry } from './portal';

export const NODE = 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc';
export const DEAL: DocumentId = ['crm', 'CCrmDocumentDeal', 'DEAL'];
export const LEAD: DocumentId = ['crm', 'CCrmDocumentLead', 'LEAD'];

export type Credential = 'webhook' | 'oAuth2';
export const auth = (credential: Credential): IDataObject => (credential === 'oAuth2' ? { authentication: 'oAuth2' } : {});

export function useBizprocNodePortal() {
	const portal = usePortal({ subordinates: { 1: [2, 3] } });
	const credentialsFor = (credential: Credential): StoredCredentials => (credential === 'webhook' ? webhookCredentials(portal) : oauthCredentials(portal));

	async function run(credential: Credential, parameters: IDataObject, items: IDataObject[] = [{}], continueOnFail = false): Promise<EngineRun> {
		return await runNode({ type: NODE, parameters: { ...auth(credential), ...parameters }, credentials: credentialsFor(credential), items, continueOnFail });
	}

	/** A REST call as an administrator (webhook of user 1), for setting the portal up. */
	async function rest(method: string, json: IDataObject, url = portal.webhookUrl): Promise<IDataObject> {
		const response = await fetch(`${url}${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(json) });
		return (await response.json()) as IDataObject;
	}

	let dealNumber = 0;
	const newDeal = () => portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${++dealNumber}`]).documentId;
	const approval = (users = [1], extra: IDataObject = {}) =>
		portal.addTemplate({
			documentType: DEAL,
			name: 'Approve the deal',
			parameters: { Title: { Name: 'Title', Type: 'string', Default: 'none' } },
			steps: [{ type: 'approve', users, name: 'Approve {=Template:Title}', delegationType: 'all', ...extra }],
		});
	async function started(templateId: number, documentId = newDeal()): Promise<string> {
		const answer = await rest('bizproc.workflow.start', { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId });
		expect(answer.error).toBeUndefined();
		return answer.result as string;
	}
	const taskOf = (workflowId: string) => portal.process(workflowId)!.tasks[0];

	/** The node's own requests (setup calls go through the default webhook too, so the journal is cleared before the run). */
	const sent = (): JournalEntry[] => portal.journal();

	return { portal, credentialsFor, run, rest, newDeal, approval, started, taskOf, sent };
}
