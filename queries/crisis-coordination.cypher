// Pairs of actors that coordinate or cooperate in a crisis context; $actor = '' for all.
// Competences, agreements, projects and events are coordinated, never coordination partners.
// Parameters (given with -p NAME=VALUE; these examples when not):
// param actor = ""
MATCH (a)-[r:COOPERATES_WITH|COORDINATES]->(b)
WHERE r.context = 'crisis'
  AND NOT a.type IN ['Competence', 'Agreement', 'Project', 'Event']
  AND NOT b.type IN ['Competence', 'Agreement', 'Project', 'Event']
  AND ($actor = '' OR $actor IN [a.id, a.name, b.id, b.name]
       OR list_contains(string_split(a.aliases, '|'), $actor)
       OR list_contains(string_split(b.aliases, '|'), $actor))
RETURN a.id AS source_id, a.name AS source, label(r) AS relation, b.id AS target_id, b.name AS target,
       r.since AS since, r.date AS date, r.sentence AS sentence, r.doc AS doc
ORDER BY source_id, relation, target_id
