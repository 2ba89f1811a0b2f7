// n8n loads this package through the "n8n" section of package.json, not through this file.
// It exists so the built nodes and credentials can be required directly (tests, scripts, other tools).
module.exports = {
	Bitrix24Bizproc: require('./dist/nodes/Bitrix24Bizproc/Bitrix24Bizproc.node').Bitrix24Bizproc,
	Bitrix24BizprocLog: require('./dist/nodes/Bitrix24BizprocLog/Bitrix24BizprocLog.node').Bitrix24BizprocLog,
	Bitrix24BizprocSendResult: require('./dist/nodes/Bitrix24BizprocSendResult/Bitrix24BizprocSendResult.node').Bitrix24BizprocSendResult,
	Bitrix24BizprocTrigger: require('./dist/nodes/Bitrix24BizprocTrigger/Bitrix24BizprocTrigger.node').Bitrix24BizprocTrigger,
	Bitrix24WebhookApi: require('./dist/credentials/Bitrix24WebhookApi.credentials').Bitrix24WebhookApi,
	Bitrix24OAuth2Api: require('./dist/credentials/Bitrix24OAuth2Api.credentials').Bitrix24OAuth2Api,
};
