// database: links
// All shortest connections of up to 4 hops, in either direction. Runs on the traversal index
// (one Actor table, one LINK per related pair): over the typed tables it is 15 times slower.
// Parameters (given with -p NAME=VALUE; these examples when not):
// param from = "NCCN"
// param to = "KFOR"
MATCH (a:Actor)
WHERE $from IN [a.id, a.name] OR list_contains(string_split(a.aliases, '|'), $from)
MATCH (b:Actor)
WHERE ($to IN [b.id, b.name] OR list_contains(string_split(b.aliases, '|'), $to)) AND a.id <> b.id
MATCH p = (a)-[:LINK* ALL SHORTEST 1..4]-(b)
RETURN DISTINCT length(p) AS hops, properties(nodes(p), 'id') AS path_ids, properties(nodes(p), 'name') AS path_names
