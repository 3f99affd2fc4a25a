"""HTML cut to a bounded nesting before parsing, so that parsing stays linear in the page's size.

Every HTML5 tree builder (Lexbor, html5lib) walks the stack of open elements for each tag, so a
page of 100,000 nested ``<div>`` costs minutes; uploads come from strangers.

bounded_markup() reads the tags as an HTML5 tokenizer does (comments, quoted attributes, raw
text of script/style/textarea...) and follows, approximately, the stack of open elements the
parser will build: end tags and the implied ends of p, li, dd/dt, td/th/tr, option, a...
It errs on the side of a deeper stack: a pop is only taken when the parser takes it too,
found within a few entries (_WALK) past nothing that would stop the parser's own search.
Start tags that would open an element beyond MAX_DEPTH are dropped (block ones become <br>,
keeping the line break), and so are their end tags; as are formatting elements (b, font...)
beyond _MAX_FORMATTING still open, which the parser would otherwise re-open in every
paragraph. <svg> and <math> are cut out whole (not text, and their own rules of parsing).
A page that stays within these bounds is passed on unchanged.
"""

from __future__ import annotations

import re

# Elements that end a line of text (also what the loader puts line breaks around).
BLOCK_ELEMENTS = frozenset(["p", "div", "section", "article", "main", "li", "ul", "ol", "h1", "h2", "h3", "h4",
                            "h5", "h6", "br", "tr", "table", "dd", "dt", "blockquote", "figcaption", "pre"])

MAX_DEPTH = 256
_MAX_FORMATTING = 8
_WALK = 32

_ATTRS = (r"(?:[\t\n\f\r /]+|[^\t\n\f\r />][^\t\n\f\r />=]*"
          r"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z)|[^\t\n\f\r >]*))?)*")
_TOKEN = re.compile(
    r"<(?:!--(?:-?>|.*?(?:--!?>|\Z))"                                   # comment
    r"|[!?][^>]*(?:>|\Z)"                                               # doctype, bogus comment
    r"|/(?P<end>[a-zA-Z][^\t\n\f\r />]*)" + _ATTRS + r"(?:>|\Z)"        # end tag
    r"|/[^a-zA-Z>][^>]*(?:>|\Z)|/>"                                     # bogus comment, "</>"
    r"|(?P<start>[a-zA-Z][^\t\n\f\r />]*)(?P<attrs>" + _ATTRS + r")(?:>|\Z))",  # start tag
    re.S)
_RAWTEXT = frozenset(["style", "xmp", "iframe", "noembed", "noframes", "title", "textarea"])
_RAW_END = {name: re.compile(rf"</{name}(?=[\t\n\f\r />])", re.I) for name in _RAWTEXT}
_SCRIPT_EVENT = re.compile(r"<!--(?:-*>)?|-->|(</?)script(?=[\t\n\f\r />])", re.I)
_FOREIGN = frozenset(["svg", "math"])
_VOID = frozenset("area base basefont bgsound br col embed frame hr image img input keygen link meta param "
                  "source track wbr".split())
_NOT_PUSHED = frozenset(["html", "head", "body", "frameset"])
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_MARKERS = frozenset("applet caption marquee object td th template".split())
_SCOPE = frozenset("applet caption html table td th marquee object template".split())
_BUTTON_SCOPE = _SCOPE | {"button"}
_LIST_SCOPE = _SCOPE | {"ol", "ul"}
_TABLE_SCOPE = frozenset(["html", "table", "template"])
_TABLE_PARTS = frozenset("caption col colgroup tbody td tfoot th thead tr".split())
_TABLE_ENDS = _TABLE_PARTS | {"table"}
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SPECIAL = frozenset(
    "address applet area article aside base basefont bgsound blockquote body br button caption center col "
    "colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 "
    "h4 h5 h6 head header hgroup hr html iframe img input keygen li link listing main marquee menu meta nav "
    "noembed noframes noscript object ol p param plaintext pre script search section select source style "
    "summary table tbody td template textarea tfoot th thead title tr track ul wbr xmp".split())
_LI_STOP = _SPECIAL - {"address", "div", "p"}
_FORMATTING_STOP = _SPECIAL | _SCOPE
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer "
    "header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing form "
    "plaintext xmp hr li dd dt".split())
# Special start tags before which the parser re-opens formatting elements (as before any other).
_SPECIAL_REOPENING = frozenset("applet marquee object area br embed img keygen wbr input select xmp".split())
_BREAKS = BLOCK_ELEMENTS | frozenset(
    "address aside caption center details dialog dir dl fieldset figure footer form header hgroup hr "
    "listing menu nav search summary td th".split())


def bounded_markup(html: str) -> str:
    """The page as the HTML parser should see it: nesting cut to :data:`MAX_DEPTH` open elements
    and ``<svg>``/``<math>`` removed, so that parsing takes time linear in the page's size.

    >>> bounded_markup("<div>" * 300 + "deep").count("<div>")
    256
    >>> bounded_markup("<p>a<p>b<ul><li>c<li>d</ul>")
    '<p>a<p>b<ul><li>c<li>d</ul>'
    """
    return _Bounder(html).run()


class _Bounder:
    """One pass over one page's tags (see the comment above :data:`MAX_DEPTH`).

    ``stack`` follows the parser's stack of open elements as ``(name, entry)``; ``active`` its
    list of active formatting elements, each entry ``[key, open]`` (``open``: on the stack;
    one that is not is re-opened by the parser before the next text), ``None`` a marker.
    """

    def __init__(self, html: str) -> None:
        self.html = html
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
        self.stack: list[tuple[str, list | None]] = []
        self.count: dict[str, int] = {}  # open elements by name
        self.dropped: dict[str, int] = {}  # start tags dropped, whose end tags go too
        self.active: list[list | None] = []

    def run(self) -> str:
        """Go through the tags; return the page with the edits made (the page itself if none)."""
        html, pos = self.html, 0
        while (match := _TOKEN.search(html, pos)) is not None:
            if match.start() > pos:
                self._reconstruct()  # text: the parser re-opens formatting elements first
            pos = match.end()
            if (name := match.group("start")) is not None:
                pos = self._start(name.lower(), match, pos)
            elif (name := match.group("end")) is not None:
                self._end(name.lower(), match)
            if pos < 0:
                break
        if not self.edits:
            return html
        parts, last = [], 0
        for begin, stop, replacement in self.edits:
            parts += [html[last:begin], replacement]
            last = stop
        parts.append(html[last:])
        return "".join(parts)

    def _start(self, name: str, match: re.Match, pos: int) -> int:
        """A start tag; returns where to read on (-1: the rest is text)."""
        count = self.count
        if name in _FOREIGN:
            end = pos if match.group().endswith("/>") else self._foreign_end(name, pos)
            self.edits.append((match.start(), end, ""))
            return end
        if count.get("select", 0) > 0 and (name in _RAWTEXT or name == "plaintext"):
            self.edits.append((match.start(), pos, ""))  # parsers disagree there: make it markup
            return pos
        if name in _NOT_PUSHED or (name in _TABLE_PARTS and not count.get("table")) or (
                name in ("form", "select") and count.get(name)):
            return pos  # the parser ignores these (or merges them into the open one)
        top, closed = self._implied_end(name)
        if name in _VOID or name in _RAWTEXT or name in ("script", "plaintext"):
            self._pop_to(top)
            if name not in _SPECIAL or name in _SPECIAL_REOPENING:
                self._reconstruct()
            return self._raw_end(name, pos)
        if top >= MAX_DEPTH:
            return self._drop(name, match)
        key = None
        if name in _FORMATTING:
            key = name + " " + " ".join(match.group("attrs").split())
            if not self._room_for(key):
                return self._drop(name, match)
        self._pop_to(top)
        if closed is not None:
            self._forget(closed)
        if name not in _SPECIAL or name in _SPECIAL_REOPENING:
            self._reconstruct()
        entry = None
        if key is not None:
            entry = [key, True]
            self.active.append(entry)
        self.stack.append((name, entry))
        count[name] = count.get(name, 0) + 1
        if name in _MARKERS:
            self.active.append(None)
        return pos

    def _implied_end(self, name: str) -> tuple[int, list | None]:
        """How many open elements stay when this start tag closes those it implies closed, and
        the entry of the ``<a>`` or ``<nobr>`` it closes (the parser forgets that one)."""
        stack, count, top, closed = self.stack, self.count, len(self.stack), None
        if name == "li" and count.get("li"):
            top = self._find(("li",), _LI_STOP, top)
        elif name in ("dd", "dt") and (count.get("dd") or count.get("dt")):
            top = self._find(("dd", "dt"), _LI_STOP, top)
        elif name in ("td", "th") and (count.get("td") or count.get("th")):
            top = self._find(("td", "th"), _TABLE_SCOPE, top)
        elif name == "tr" and count.get("tr"):
            top = self._find(("tr",), _TABLE_SCOPE, top)
        elif name in ("tbody", "thead", "tfoot"):
            top = self._find(("tbody", "thead", "tfoot"), _TABLE_SCOPE, top)
        elif name in ("a", "nobr", "button") and count.get(name):
            top = self._find((name,), _SCOPE if name == "button" else _FORMATTING_STOP, top)
            if name != "button" and top < len(stack):
                closed = stack[top][1]
        elif name in ("option", "optgroup") and stack and stack[-1][0] == "option":
            top -= 1
        if name in _CLOSES_P and count.get("p"):
            top = self._find(("p",), _BUTTON_SCOPE, top)
        if name in _HEADINGS and top and stack[top - 1][0] in _HEADINGS:
            top -= 1
        return top, closed

    def _end(self, name: str, match: re.Match) -> None:
        """An end tag: drop it with its dropped start tag, or pop what the parser pops."""
        count = self.count
        if self.dropped.get(name):
            self.dropped[name] -= 1
            self.edits.append((match.start(), match.end(), "<br>" if name in _BREAKS else ""))
            return
        if not count.get(name):
            return  # stray (or html/body): the parser ignores it or adds an empty element
        top = len(self.stack)
        if name == "form":
            index = self._find(("form",), _SCOPE, top)
            if index < top:  # the parser takes the form out of the stack, nothing else
                del self.stack[index]
                count["form"] -= 1
            return
        if name == "select":
            index = top
            while index > 0 and self.stack[index - 1][0] in ("option", "optgroup"):
                index -= 1
            if index > 0 and self.stack[index - 1][0] == "select":
                self._pop_to(index - 1)
            return
        if name == "p":
            stops = _BUTTON_SCOPE
        elif name == "li":
            stops = _LIST_SCOPE
        elif name in _TABLE_ENDS:
            stops = _TABLE_SCOPE
        elif name == "template":
            stops = frozenset(["html"])
        elif name in _FORMATTING:
            stops = _FORMATTING_STOP
        elif name in _SPECIAL:
            stops = _SCOPE
        else:
            stops = _SPECIAL
        index = self._find((name,), stops, top)
        if index < top:
            if name in _FORMATTING:
                self._forget(self.stack[index][1])
            self._pop_to(index)

    def _find(self, names: tuple[str, ...], stops: frozenset[str], top: int) -> int:
        """The index of the nearest open element named ``names`` below ``top``, looking at most
        _WALK entries and not past a ``stops`` one; ``top`` when there is none."""
        stack = self.stack
        for index in range(top - 1, max(top - 1 - _WALK, -1), -1):
            name = stack[index][0]
            if name in names:
                return index
            if name in stops:
                break
        return top

    def _pop_to(self, top: int) -> None:
        """Close the open elements above ``top``; closing a cell or object clears its formatting."""
        stack, count = self.stack, self.count
        while len(stack) > top:
            name, entry = stack.pop()
            count[name] -= 1
            if entry is not None:
                entry[1] = False
            if name in _MARKERS:
                while self.active and self.active.pop() is not None:
                    pass

    def _reconstruct(self) -> None:
        """Re-open the formatting elements closed as a side effect, as the parser does."""
        active = self.active
        if not active or active[-1] is None or active[-1][1]:
            return
        index = len(active) - 1
        while index > 0 and active[index - 1] is not None and not active[index - 1][1]:
            index -= 1
        for position in range(index, len(active)):
            entry = [active[position][0], True]
            active[position] = entry
            name = entry[0].split(" ", 1)[0]
            self.stack.append((name, entry))
            self.count[name] = self.count.get(name, 0) + 1

    def _room_for(self, key: str) -> bool:
        """Whether one more formatting element fits; like the parser, keeps 3 alike at most."""
        active = self.active
        since = len(active)
        while since > 0 and active[since - 1] is not None:
            since -= 1
        alike = [index for index in range(since, len(active)) if active[index][0] == key]
        if len(alike) >= 3:
            del active[alike[0]]
            return True
        return len(active) - since < _MAX_FORMATTING

    def _forget(self, entry: list | None) -> None:
        """A formatting element was closed by its end tag: it is no longer re-opened."""
        active = self.active
        for index in range(len(active) - 1, -1, -1):
            if active[index] is None:
                return
            if active[index] is entry:
                del active[index]
                return

    def _drop(self, name: str, match: re.Match) -> int:
        """Leave a start tag out (a block one becomes a line break); its end tag goes too."""
        self.dropped[name] = self.dropped.get(name, 0) + 1
        self.edits.append((match.start(), match.end(), "<br>" if name in _BREAKS else ""))
        return match.end()

    def _raw_end(self, name: str, pos: int) -> int:
        """Where markup resumes after a start tag: past the raw text of script, style, textarea...
        (-1 for plaintext, or raw text that never ends)."""
        if name == "script":
            return self._script_end(pos)
        if name == "plaintext":
            return -1
        pattern = _RAW_END.get(name)
        if pattern is None:
            return pos
        end = pattern.search(self.html, pos)
        return -1 if end is None else end.start()

    def _script_end(self, pos: int) -> int:
        """The end of a script's text, with the tokenizer's escaped and double-escaped states."""
        state = "data"
        for event in _SCRIPT_EVENT.finditer(self.html, pos):
            text, slash = event.group(), event.group(1)
            if slash is None:
                if text.endswith(">"):
                    state = "data"
                elif state == "data":
                    state = "escaped"
            elif slash == "</":
                if state != "double":
                    return event.start()
                state = "escaped"
            elif state == "escaped":
                state = "double"
        return -1

    def _foreign_end(self, name: str, pos: int) -> int:
        """Where an ``<svg>`` or ``<math>`` element ends (after its matching end tag, or the page)."""
        depth = 1
        while (match := _TOKEN.search(self.html, pos)) is not None:
            pos = match.end()
            if (match.group("start") or "").lower() == name and not match.group().endswith("/>"):
                depth += 1
            elif (match.group("end") or "").lower() == name:
                depth -= 1
                if depth == 0:
                    return pos
        return len(self.html)
