<?php
// Reads {"urls": [...], "forms": [...], "jsons": [...]} (each case base64) on stdin and prints what PHP
// makes of each, as test/sandbox.test/phpDifferential.test.js reads it: batch commands as
// CRestProvider::methodsBatch and CRestUtil::ParseBatchQuery take them (rest module,
// classes/general/rest_provider.php, rest_util.php), form bodies through parse_str, JSON bodies
// through json_decode($body, true). Values are tagged so that int, float and string stay apart.
// Run by `php -S` instead, it answers each POST with $_POST, tagged the same way.
ini_set('display_errors', '0');

function tag($value)
{
	if ($value === null) return ['n'];
	if (is_bool($value)) return ['b', $value];
	if (is_int($value)) return ['i', (string)$value];
	if (is_float($value)) return ['f', var_export($value, true)];
	if (is_string($value)) return ['s', base64_encode($value)];
	$entries = [];
	foreach ($value as $key => $item) $entries[] = [is_int($key) ? ['i', (string)$key] : ['s', base64_encode($key)], tag($item)];
	return ['a', $entries];
}

if (PHP_SAPI === 'cli-server') {
	echo json_encode(tag($_POST), 0, 100000);
	return;
}

$corpus = json_decode(stream_get_contents(STDIN), true);
$out = ['urls' => [], 'forms' => [], 'jsons' => []];
foreach ($corpus['urls'] as $case) {
	$parts = parse_url(base64_decode($case));
	$path = $parts === false ? null : ($parts['path'] ?? null);
	$query = $parts === false ? null : ($parts['query'] ?? null);
	$params = [];
	if ($query) parse_str($query, $params);
	$out['urls'][] = ['path' => tag($path), 'query' => tag($query), 'params' => tag($params)];
}
foreach ($corpus['forms'] as $case) {
	parse_str(base64_decode($case), $params);
	$out['forms'][] = tag($params);
}
foreach ($corpus['jsons'] as $case) {
	$value = json_decode(base64_decode($case), true);
	$out['jsons'][] = json_last_error() === JSON_ERROR_NONE ? tag($value) : ['refused', json_last_error_msg()];
}
echo json_encode($out, 0, 100000);
