// Runs the n8n community-package scanner (the rules n8n's verification uses) over this repository.
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const result = await analyzePackage(process.cwd(), SOURCE_FILE_PATTERNS);
console.log(result.passed ? 'Scanner: no findings.' : result.message);
process.exit(result.passed ? 0 : 1);
