// Parameters (given with -p NAME=VALUE; these examples when not):
// param actor = ""
MATCH (a)-[r:PARTNER_OF]->(b)
WHERE $actor = '' OR $actor IN [a.id, a.name, b.id, b.name]
   OR list_contains(string_split(a.aliases, '|'), $actor) OR list_contains(string_split(b.aliases, '|'), $actor)
RETURN a.id AS source_id, a.name AS source, b.id AS target_id, b.name AS target,
       r.since AS since, r.date AS date, r.sentence AS sentence, r.doc AS doc
ORDER BY source_id, target_id
