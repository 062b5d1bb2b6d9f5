// Apollo Client with its PersistedQueryLink (Automatic Persisted Queries), as its docs set it up:
// the first query sends its hash alone, is told PERSISTED_QUERY_NOT_FOUND and sends the document
// with the hash; later queries send the hash alone. A second client (another instance's URL, as a
// load balancer would pick) finds the document registered. Prints one JSON line: each client's
// result and, for each request sent, whether it carried the document.
// Arguments: GraphQL URL, a second instance's GraphQL URL, bearer token.
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';

const [url, otherUrl, token] = process.argv.slice(2);
const sent = [];

function client(uri) {
  const persisted = createPersistedQueryLink({
    sha256: (document) => createHash('sha256').update(document).digest('hex'),
  });
  const http = new HttpLink({
    uri,
    headers: { authorization: `Bearer ${token}` },
    fetch: (input, init) => {
      const body = JSON.parse(init.body);
      sent.push({ document: Boolean(body.query), hash: body.extensions?.persistedQuery?.sha256Hash });
      return fetch(input, init);
    },
  });
  return new ApolloClient({ link: persisted.concat(http), cache: new InMemoryCache() });
}

const query = gql`
  query ViewerId {
    viewer {
      id
    }
  }
`;
const first = await client(url).query({ query });
const again = await client(url).query({ query });
const elsewhere = await client(otherUrl).query({ query });
console.log(JSON.stringify({ first: first.data, again: again.data, elsewhere: elsewhere.data, sent }));
