// Parameters (given with -p NAME=VALUE; these examples when not):
// param organization = ""
MATCH (m)-[r:MEMBER_OF]->(o)
WHERE $organization = '' OR $organization IN [o.id, o.name] OR list_contains(string_split(o.aliases, '|'), $organization)
RETURN o.id AS organization_id, o.name AS organization, m.id AS member_id, m.name AS member, m.type AS member_type,
       r.sentence AS sentence, r.doc AS doc
ORDER BY organization_id, member_id
