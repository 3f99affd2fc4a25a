// Every relation of the actor, outgoing and incoming.
// Parameters (given with -p NAME=VALUE; these examples when not):
// param actor = "NCCN"
MATCH (a)-[r]->(b)
WHERE $actor IN [a.id, a.name] OR list_contains(string_split(a.aliases, '|'), $actor)
RETURN a.id AS actor_id, a.name AS actor, 'out' AS direction, label(r) AS relation,
       b.id AS other_id, b.name AS other, b.type AS other_type, r.context AS context, r.sentence AS sentence, r.doc AS doc
UNION ALL
MATCH (a)<-[r]-(b)
WHERE $actor IN [a.id, a.name] OR list_contains(string_split(a.aliases, '|'), $actor)
RETURN a.id AS actor_id, a.name AS actor, 'in' AS direction, label(r) AS relation,
       b.id AS other_id, b.name AS other, b.type AS other_type, r.context AS context, r.sentence AS sentence, r.doc AS doc
