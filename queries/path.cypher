// All shortest connections of up to 4 hops, in either direction.
MATCH (a), (b)
WHERE ($from IN [a.id, a.name] OR list_contains(string_split(a.aliases, '|'), $from))
  AND ($to IN [b.id, b.name] OR list_contains(string_split(b.aliases, '|'), $to))
  AND a.id <> b.id
MATCH p = (a)-[* ALL SHORTEST 1..4]-(b)
RETURN DISTINCT length(p) AS hops, properties(nodes(p), 'id') AS path_ids, properties(nodes(p), 'name') AS path_names
