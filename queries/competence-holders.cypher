// Parameters (given with -p NAME=VALUE; these examples when not):
// param competence = ""
MATCH (h)-[r:RESPONSIBLE_FOR]->(c:Competence)
WHERE $competence = '' OR $competence IN [c.id, c.name] OR list_contains(string_split(c.aliases, '|'), $competence)
RETURN c.id AS competence_id, c.name AS competence, h.id AS holder_id, h.name AS holder, h.type AS holder_type,
       r.sentence AS sentence, r.doc AS doc
ORDER BY competence_id, holder_id
