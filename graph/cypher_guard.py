"""Cypher as a read-only language: a statement is checked before any engine sees it.

The embedded engine's ``read_only`` mode still installs and loads extensions, reads and
writes files (``LOAD FROM``, ``COPY … TO``), changes settings for every client
(``CALL timeout=0``) and checkpoints. So the statement is lexed as the engine lexes it
(strings with backslash escapes, backtick names, ``//`` and ``/* */`` comments) and every
bare word and call is held against allow-lists: reading clauses, read-only functions and a
few catalogue procedures. Anything else is refused with the clause's name, before it runs.
The query workers (``api/query_workers.py``) are the second line behind this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class CypherRefused(ValueError):
    """A statement that is not a single reading query; the message names what was refused."""


# Clauses and statements that write, administer or reach outside the graph. A bare word
# (not a backtick name, property, label or map key) with one of these names is refused.
REFUSED_WORDS = {
    "INSTALL": "INSTALL fetches and loads extensions",
    "UNINSTALL": "UNINSTALL removes extensions",
    "LOAD": "LOAD reads files or loads extensions",
    "COPY": "COPY reads or writes files",
    "IMPORT": "IMPORT DATABASE reads files",
    "EXPORT": "EXPORT DATABASE writes files",
    "ATTACH": "ATTACH opens other databases",
    "DETACH": "DETACH (and DETACH DELETE) changes the graph or the attached databases",
    "USE": "USE switches databases",
    "CHECKPOINT": "CHECKPOINT writes the database",
    "BEGIN": "BEGIN starts a transaction",
    "COMMIT": "COMMIT ends a transaction",
    "ROLLBACK": "ROLLBACK ends a transaction",
    "TRANSACTION": "transactions are not for queries",
    "CREATE": "CREATE writes",
    "MERGE": "MERGE writes",
    "SET": "SET writes",
    "DELETE": "DELETE writes",
    "REMOVE": "REMOVE writes",
    "DROP": "DROP changes the schema",
    "ALTER": "ALTER changes the schema",
    "COMMENT": "COMMENT ON changes the schema",
    "FOREACH": "FOREACH is for writing",
    "MACRO": "macros change the catalogue",
}

# Reading clauses and the words inside them; listed so that the refusal of an unknown bare word
# is left to the engine (a syntax error) while every word that could start a clause is known.
READING_WORDS = frozenset("""
    MATCH OPTIONAL WHERE WITH UNWIND RETURN ORDER BY SKIP LIMIT UNION ALL DISTINCT AS AND OR XOR NOT IN
    IS NULL TRUE FALSE CASE WHEN THEN ELSE END ASC ASCENDING DESC DESCENDING STARTS ENDS CONTAINS
    EXISTS COUNT CALL YIELD SHORTEST WSHORTEST ACYCLIC TRAIL NONE SINGLE ANY CAST
""".split())

# Catalogue procedures that only read (``CALL show_tables() RETURN *``).
ALLOWED_PROCEDURES = frozenset("""
    SHOW_TABLES TABLE_INFO SHOW_CONNECTION SHOW_FUNCTIONS SHOW_INDEXES SHOW_MACROS SHOW_SEQUENCES
    SHOW_GRAPHS DB_VERSION STORAGE_VERSION CATALOG_VERSION
""".split())

# Read-only scalar, aggregate and rewrite functions of the engine. NEXTVAL (advances a sequence),
# SETSEED (changes the session's random state) and the table functions that read files
# (READ_CSV_*, READ_PARQUET, READ_NPY, READ_PANDAS) are left out on purpose.
ALLOWED_FUNCTIONS = frozenset("""
    ABS ACOS ALL ANY ARRAY_APPEND ARRAY_CAT ARRAY_CONCAT ARRAY_CONTAINS ARRAY_COSINE_SIMILARITY
    ARRAY_CROSS_PRODUCT ARRAY_DISTANCE ARRAY_DOT_PRODUCT ARRAY_EXTRACT ARRAY_HAS ARRAY_INDEXOF
    ARRAY_INNER_PRODUCT ARRAY_POSITION ARRAY_PREPEND ARRAY_PUSH_BACK ARRAY_PUSH_FRONT ARRAY_SLICE
    ARRAY_SQUARED_DISTANCE ARRAY_VALUE ASIN ATAN ATAN2 BITSHIFT_LEFT BITSHIFT_RIGHT BITWISE_AND
    BITWISE_OR BITWISE_XOR BLOB CARDINALITY CAST CBRT CEIL CEILING CENTURY COALESCE CONCAT CONCAT_WS
    CONTAINS COS COT COUNT_IF CURRENT_DATE CURRENT_TIMESTAMP DATE DATEPART DATETRUNC DATE_PART
    DATE_TRUNC DAYNAME DECODE DEGREES DURATION ELEMENT_AT ENCODE ENDS_WITH EPOCH_MS EQUALS ERROR EVEN
    FACTORIAL FLOOR GAMMA GEN_RANDOM_UUID GREATER_THAN GREATER_THAN_EQUALS GREATEST HASH IFNULL
    INITCAP INTERVAL IS_ACYCLIC IS_TRAIL LAST_DAY LCASE LEAST LEFT LESS_THAN LESS_THAN_EQUALS
    LEVENSHTEIN LGAMMA LIST_ANY_VALUE LIST_APPEND LIST_CAT LIST_CONCAT LIST_CONTAINS LIST_CREATION
    LIST_DISTINCT LIST_ELEMENT LIST_EXTRACT LIST_FILTER LIST_HAS LIST_HAS_ALL LIST_HAS_ANY
    LIST_INDEXOF LIST_MAX LIST_MIN LIST_POSITION LIST_PREPEND LIST_PRODUCT LIST_REDUCE LIST_REVERSE
    LIST_REVERSE_SORT LIST_SLICE LIST_SORT LIST_SUM LIST_TO_STRING LIST_TRANSFORM LIST_UNIQUE LN LOG
    LOG10 LOG2 LOWER LPAD LTRIM MAKE_DATE MAP MAP_EXTRACT MAP_KEYS MAP_VALUES MD5 MONTHNAME NEGATE
    NODES NONE NOT_EQUALS NULLIF OCTET_LENGTH OFFSET PI POW PREFIX PROPERTIES RADIANS RANDOM RANGE
    REGEXP_EXTRACT REGEXP_EXTRACT_ALL REGEXP_FULL_MATCH REGEXP_MATCHES REGEXP_REPLACE
    REGEXP_SPLIT_TO_ARRAY RELATIONSHIPS RELS REPEAT REPLACE REVERSE RIGHT ROUND RPAD RTRIM SHA256
    SIGN SIN SINGLE SIZE SPLIT_PART SQRT STARTS_WITH STRING STRING_SPLIT STRING_TO_ARRAY
    STRUCT_EXTRACT STRUCT_PACK STR_SPLIT SUBSTR SUBSTRING SUFFIX TAN TIMESTAMP TIME_BUCKET TOLOWER
    TOUPPER TO_BLOB TO_BOOL TO_DATE TO_DAYS TO_DOUBLE TO_EPOCH_MS TO_FLOAT TO_HOURS TO_INT128
    TO_INT16 TO_INT32 TO_INT64 TO_INT8 TO_INTERVAL TO_MICROSECONDS TO_MILLISECONDS TO_MINUTES
    TO_MONTHS TO_SECONDS TO_SERIAL TO_STRING TO_TIMESTAMP TO_UINT128 TO_UINT16 TO_UINT32 TO_UINT64
    TO_UINT8 TO_UUID TO_YEARS TRIM TYPEOF UCASE UNION_EXTRACT UNION_TAG UNION_VALUE UPPER UUID
    AVG COLLECT COUNT MAX MIN SUM HISTOGRAM PERCENTILECONT PERCENTILEDISC
    COST END_NODE ID KEYS LABEL LABELS LENGTH START_NODE
""".split())

# The functions the engine has that are refused, with why; every function the engine lists is in
# one of the two sets (a test holds the engine's list against both).
REFUSED_FUNCTIONS = {
    "NEXTVAL": "NEXTVAL advances a sequence",
    "CURRVAL": "sequences are not part of the graph",
    "SETSEED": "SETSEED changes the session",
    "ROWID": "internal row ids are not part of the graph",
    "INTERNAL_ID": "internal ids are not part of the graph",
    "CONSTANT_OR_NULL": "an internal function",
}


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "name" (backticks), "string", "number", "param", "punct"
    text: str
    start: int


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:\\.|[^'\\])*(?:'|\Z)|"(?:\\.|[^"\\])*(?:"|\Z))
  | (?P<name>`(?:``|[^`])*(?:`|\Z))
  | (?P<param>\$\w*)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>\w+)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)


def tokens(text: str) -> list[Token]:
    """The statement's tokens as the engine separates them, comments and spaces dropped.

    >>> [t.text for t in tokens("MATCH (n) // comment\\nRETURN 'a\\\\'b' AS `x``y`")]
    ['MATCH', '(', 'n', ')', 'RETURN', "'a\\\\'b'", 'AS', '`x``y`']
    """
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "line_comment", "block_comment"):
            continue
        found.append(Token(kind, match.group(), match.start()))
    return found


def check_read_only(text: str) -> None:
    """Raise :class:`CypherRefused` unless ``text`` is one statement of reading clauses.

    >>> check_read_only("MATCH (n:Agency) WHERE n.name CONTAINS 'amt' RETURN n.id, lower(n.name) LIMIT 5")
    >>> try:
    ...     check_read_only("LOAD FROM '/etc/passwd' RETURN *")
    ... except CypherRefused as exc:
    ...     print(exc)
    LOAD is not allowed: LOAD reads files or loads extensions (only reading clauses are: MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION)
    """
    found = tokens(text)
    for index, token in enumerate(found):
        before = found[index - 1].text if index else ""
        after = found[index + 1].text if index + 1 < len(found) else ""
        if token.kind == "punct" and token.text == ";":
            if index + 1 < len(found):
                raise CypherRefused("one statement at a time: remove what follows ';'")
            continue
        if token.kind != "word" or before in (":", "$") or _is_property(found, index) \
                or (after == ":" and before in ("{", ",")):
            continue  # a property, label, parameter or map key, not a keyword
        word = token.text.upper()
        if word in REFUSED_WORDS:
            raise CypherRefused(f"{word} is not allowed: {REFUSED_WORDS[word]} ({_READING})")
        if word == "CALL":
            _check_call(found[index + 1:index + 3])
        elif after == "(" and word not in READING_WORDS and before.upper() != "CALL":
            _check_function(word)


def parameters(text: str) -> set[str]:
    """The names of the ``$parameters`` a statement uses (the engine would read a missing one as null).

    >>> sorted(parameters("MATCH (n) WHERE n.id = $who OR n.name = '$not' RETURN $limit"))
    ['limit', 'who']
    """
    return {token.text[1:] for token in tokens(text) if token.kind == "param" and len(token.text) > 1}


def _is_property(found: list[Token], index: int) -> bool:
    """``n.name`` (a word after a dot that follows a value), not ``1.CREATE`` or a dot at the start."""
    if index < 2 or found[index - 1].text != ".":
        return False
    owner = found[index - 2]
    return owner.kind in ("word", "name", "param") or owner.text in (")", "]", "}")


_READING = "only reading clauses are: MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION"


def _check_call(following: list[Token]) -> None:
    name = following[0].text.upper() if following else ""
    if len(following) < 2 or following[1].text != "(":
        raise CypherRefused(f"CALL {following[0].text if following else ''} is not allowed: CALL can change "
                            f"settings for every client; only these catalogue procedures can be called: "
                            f"{', '.join(sorted(p.lower() for p in ALLOWED_PROCEDURES))}")
    if name not in ALLOWED_PROCEDURES:
        raise CypherRefused(f"CALL {following[0].text}() is not allowed: only these catalogue procedures can be "
                            f"called: {', '.join(sorted(p.lower() for p in ALLOWED_PROCEDURES))}")


def _check_function(word: str) -> None:
    if word in ALLOWED_FUNCTIONS:
        return
    if word in REFUSED_FUNCTIONS:
        raise CypherRefused(f"function {word.lower()}() is not allowed: {REFUSED_FUNCTIONS[word]}")
    raise CypherRefused(f"function {word.lower()}() is not allowed: it is not one of the engine's read-only "
                        "functions (see CALL show_functions() RETURN name)")


# -- Neo4j's spelling ------------------------------------------------------------------------

def neo4j_functions(text: str) -> str:
    """The statement with Neo4j's ``type(r)`` and ``labels(n)`` in the engine's words:
    ``label(r)`` and ``[label(n)]`` (a node has one label here). Only calls are rewritten, not
    properties, map keys, strings or comments with these names.

    >>> neo4j_functions("MATCH (n)-[r]->() WHERE n.type = 'type(x)' RETURN type(r), labels(n) AS l, {type: 1}")
    "MATCH (n)-[r]->() WHERE n.type = 'type(x)' RETURN label(r), [label(n)] AS l, {type: 1}"
    """
    found = tokens(text)
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(found[:-1]):
        word = token.text.upper()
        if token.kind != "word" or word not in ("TYPE", "LABELS") or found[index + 1].text != "(" \
                or (index and found[index - 1].text in (":", "$", ".")):
            continue
        if word == "TYPE":
            edits.append((token.start, token.start + len(token.text), "label"))
            continue
        close = _closing(found, index + 1)
        if close is not None:
            edits.append((token.start, token.start + len(token.text), "[label"))
            edits.append((close.start, close.start + 1, ")]"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def return_columns(text: str) -> list[str] | None:
    """The column names of the statement's (first) RETURN as Neo4j names them: the alias after
    ``AS``, else the expression as written; None for ``RETURN *`` or no RETURN.

    >>> return_columns("MATCH (a)-[r]->(b) RETURN DISTINCT a.name AS n, label(r), count(*) ORDER BY n")
    ['n', 'label(r)', 'count(*)']
    >>> return_columns("UNWIND [1, 2] AS x RETURN x AS `my col`, {a: [x, 2]}")
    ['my col', '{a: [x, 2]}']
    """
    items = return_items(text)
    return None if items is None else [name for name, _expression in items]


def return_items(text: str) -> list[tuple[str, str]] | None:
    """(column name, expression as written) of each item of the statement's first RETURN;
    None for ``RETURN *`` or no RETURN.

    >>> return_items("MATCH (n) RETURN n.aliases AS a, n.name")
    [('a', 'n.aliases'), ('n.name', 'n.name')]
    """
    found = tokens(text)
    depth, start = 0, None
    for index, token in enumerate(found):
        depth += _depth_change(token)
        if depth == 0 and token.kind == "word" and token.text.upper() == "RETURN" and not _is_property(found, index):
            start = index + 1
            break
    if start is None:
        return None
    if start < len(found) and found[start].kind == "word" and found[start].text.upper() == "DISTINCT":
        start += 1
    items: list[list[Token]] = [[]]
    depth = 0
    for index in range(start, len(found)):
        token = found[index]
        if depth == 0 and (token.text == ";" or (token.kind == "word" and not _is_property(found, index)
                                                  and token.text.upper() in ("ORDER", "SKIP", "LIMIT", "UNION"))):
            break
        depth += _depth_change(token)
        if depth == 0 and token.text == ",":
            items.append([])
        else:
            items[-1].append(token)
    named = []
    for item in items:
        if not item or (len(item) == 1 and item[0].text == "*"):
            return None
        aliased = len(item) >= 3 and item[-2].kind == "word" and item[-2].text.upper() == "AS"
        expression = item[:-2] if aliased else item
        written = text[expression[0].start:expression[-1].start + len(expression[-1].text)]
        alias = item[-1]
        name = (alias.text[1:-1].replace("``", "`") if alias.kind == "name" else alias.text) if aliased else written
        named.append((name, written))
    return named


def _depth_change(token: Token) -> int:
    if token.kind != "punct":
        return 0
    return 1 if token.text in "([{" else -1 if token.text in ")]}" else 0


def _closing(found: list[Token], opening: int) -> Token | None:
    """The token that closes the bracket at ``found[opening]``."""
    depth = 0
    for token in found[opening:]:
        depth += _depth_change(token)
        if depth == 0:
            return token
    return None
