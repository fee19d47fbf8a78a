"""GraphiQL, served in development mode only (assets from a CDN, in the browser)."""

GRAPHIQL_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8"><title>graphsvc · GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
</head>
<body style="margin:0">
  <div id="graphiql" style="height:100vh"></div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
  <script>
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    const fetcher = GraphiQL.createFetcher({
      url: location.pathname,
      headers: token ? {Authorization: "Bearer " + token} : {},
    });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, {fetcher}));
  </script>
</body>
</html>
"""
