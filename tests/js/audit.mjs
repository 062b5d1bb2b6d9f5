// Runs the GraphQL-over-HTTP audit suite (graphql-http) against the URL given as argument and
// prints one line per audit that is not "ok"; exits non-zero on any error or warning.
import { auditServer } from 'graphql-http';

const results = await auditServer({ url: process.argv[2] });
const notOk = results.filter((result) => result.status !== 'ok');
for (const result of notOk) {
  console.log(`${result.status} ${result.id} ${result.name}: ${result.reason}`);
}
console.log(`${results.length} audits, ${results.length - notOk.length} ok`);
process.exit(notOk.some((result) => result.status !== 'notice') ? 1 : 0);
