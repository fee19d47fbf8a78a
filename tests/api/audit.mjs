// Runs the GraphQL-over-HTTP specification's audit suite (graphql-http) against a URL
// and prints the results as JSON: [{id, name, status, reason}].
import { auditServer } from 'graphql-http';

const results = await auditServer({ url: process.argv[2] });
console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }))));
