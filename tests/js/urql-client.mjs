// urql's core client, as its docs set it up, against a running server: a query, a mutation and
// a missing node (null with a NOT_FOUND error, the rest of the data kept). Prints one JSON line.
// Arguments: GraphQL URL, bearer token, the global ID of a post that does not exist.
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';

const [url, token, missingId] = process.argv.slice(2);
const client = new Client({
  url,
  exchanges: [cacheExchange, fetchExchange],
  fetchOptions: { headers: { authorization: `Bearer ${token}` } },
});

const viewer = await client.query(gql`{ viewer { id username } }`, {}).toPromise();
const updated = await client
  .mutation(
    gql`
      mutation Title($input: UpdateProfileInput!) {
        updateProfile(input: $input) {
          user {
            id
            title
          }
        }
      }
    `,
    { input: { title: 'Chargée de communication' } },
  )
  .toPromise();
const missing = await client
  .query(gql`query Missing($id: ID!) { node(id: $id) { id } viewer { id } }`, {
    id: missingId,
  })
  .toPromise();

console.log(
  JSON.stringify({
    viewer: viewer.data.viewer,
    title: updated.data.updateProfile.user.title,
    missing: {
      data: missing.data,
      codes: missing.error.graphQLErrors.map((error) => error.extensions.code),
      paths: missing.error.graphQLErrors.map((error) => error.path),
    },
  }),
);
