// Runs the GraphQL-over-HTTP audit suite (graphql-http) against the URL given as argument, as
// the person whose bearer token is the second argument (the audit reads `__type`, which answers
// signed-in clients only), and prints one line per audit that is not "ok"; exits non-zero on any
// error or warning.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const notOk = results.filter((result) => result.status !== 'ok');
for (const result of notOk) {
  console.log(`${result.status} ${result.id} ${result.name}: ${result.reason}`);
}
console.log(`${results.length} audits, ${results.length - notOk.length} ok`);
process.exit(notOk.some((result) => result.status !== 'notice') ? 1 : 0);
