// Parameters (given with -p NAME=VALUE; these examples when not):
// param mission = ""
MATCH (a)-[r:PARTICIPATES_IN|CONDUCTS]->(m:Mission)
WHERE $mission = '' OR $mission IN [m.id, m.name] OR list_contains(string_split(m.aliases, '|'), $mission)
RETURN m.id AS mission_id, m.name AS mission, label(r) AS role, a.id AS participant_id, a.name AS participant,
       a.type AS participant_type, r.since AS since, r.sentence AS sentence, r.doc AS doc
ORDER BY mission_id, role, participant_id
