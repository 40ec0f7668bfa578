"""Go text/template/parse parser (Go 1.19, and what later releases changed: `{{else with}}` from
Go 1.23): the parse tree analysis needs, and the parse errors Go raises with the same messages
(undefined variables included). Functions are not checked here."""

from __future__ import annotations

import bisect
from typing import NamedTuple

from callalert.analysis.gotemplate.lex import KEYWORDS, Token, go_quote, lex, number_error, unquote, unquote_char
from callalert.analysis.versions import GO_DEFAULT, Version, go_supports
from callalert.errors import CallalertError
from callalert.limits import MAX_TEMPLATE_DEPTH, ensure_recursion_limit


class Position(NamedTuple):
    line: int
    col: int


class TemplateSyntaxError(CallalertError):
    """A parse error Go would raise. `line`/`col` point at the offending token; `go_line` is the
    line Go itself reports (the furthest token it had read), which can differ for multi-line actions."""

    def __init__(self, message: str, line: int, col: int, name: str = "", go_line: int | None = None) -> None:
        self.message = message
        self.line = line
        self.col = col
        self.name = name
        self.go_line = line if go_line is None else go_line
        where = f"{name}:{line}:{col}" if name else f"{line}:{col}"
        super().__init__(f"{where}: {message}")


# --------------------------------------------------------------------------------------------
# Parse tree (only what analysis needs)


class Node:
    __slots__ = ("pos",)

    def __init__(self, pos: int) -> None:
        self.pos = pos


class Operand(Node):
    __slots__ = ("chain", "chain_pos", "inner", "kind", "val")

    # kind: field | var | dot | ident | chain | pipe | string | number | bool | nil
    def __init__(self, kind: str, val: str, pos: int, chain: tuple[str, ...] = (), inner: Pipe | None = None) -> None:
        super().__init__(pos)
        self.kind = kind
        self.val = val
        self.chain = chain
        self.inner = inner
        self.chain_pos = pos


class Command(Node):
    __slots__ = ("args",)

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.args: list[Operand] = []


class Pipe(Node):
    __slots__ = ("cmds", "decls", "is_assign")

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.decls: list[tuple[str, int]] = []
        self.cmds: list[Command] = []
        self.is_assign = False


class Control(Node):
    __slots__ = ("body", "else_body", "kind", "name", "pipe")

    # kind: action | if | range | with | template | break | continue
    def __init__(
        self,
        kind: str,
        pos: int,
        pipe: Pipe | None,
        body: list[Node] | None = None,
        else_body: list[Node] | None = None,
        name: str = "",
    ) -> None:
        super().__init__(pos)
        self.kind = kind
        self.pipe = pipe
        self.body = body or []
        self.else_body = else_body or []
        self.name = name


class _End(Node):
    __slots__ = ("word",)

    def __init__(self, word: str, pos: int) -> None:
        super().__init__(pos)
        self.word = word  # "end" or "else"


class Tree:
    __slots__ = ("kind", "name", "pos", "root")

    def __init__(self, name: str, root: list[Node], pos: int, kind: str) -> None:
        self.name = name
        self.root = root
        self.pos = pos
        self.kind = kind  # "top", "define" or "block"


def _is_empty(nodes: list[Node]) -> bool:
    # parse.IsEmptyTree: only whitespace text and comments.
    return all(isinstance(n, Text) and not n.val.strip(" \t\r\n") for n in nodes)


class Text(Node):
    __slots__ = ("val",)

    def __init__(self, val: str, pos: int) -> None:
        super().__init__(pos)
        self.val = val


class _ParseError(Exception):
    def __init__(self, message: str, pos: int, go_pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.go_pos = go_pos


class _Parser:
    def __init__(self, text: str, name: str, toks: list[Token], predeclared: tuple[str, ...], go: Version) -> None:
        self.text = text
        self.else_with = go_supports("go.template.else_with", go)
        self.name = name
        self.toks = toks
        self.i = 0
        self.hi = 0
        self.vars: list[str] = ["$", *predeclared]
        self.range_depth = 0
        self.depth = 0  # nested control structures and parentheses (MAX_TEMPLATE_DEPTH)
        self.action_pos = -1
        self.trees: dict[str, Tree] = {}
        self.order: list[Tree] = []

    # token stream --------------------------------------------------------------------------
    def next(self) -> Token:
        # Past the end the last token (EOF or an error) repeats, as Go's lexer does.
        index = min(self.i, len(self.toks) - 1)
        self.hi = max(self.hi, index)
        self.i += 1
        return self.toks[index]

    def backup_to(self, i: int) -> None:
        self.i = i

    def peek(self) -> Token:
        i = self.i
        tok = self.next()
        self.i = i
        return tok

    def next_non_space(self) -> Token:
        tok = self.next()
        while tok.kind == "space":
            tok = self.next()
        return tok

    def peek_non_space(self) -> Token:
        i = self.i
        tok = self.next_non_space()
        self.i = i
        return tok

    # errors --------------------------------------------------------------------------------
    def error(self, message: str, pos: int | None = None) -> _ParseError:
        go_tok = self.toks[min(self.hi, len(self.toks) - 1)]
        return _ParseError(message, go_tok.pos if pos is None else pos, go_tok.pos)

    def unexpected(self, tok: Token, context: str) -> _ParseError:
        if tok.kind == "error":
            extra = ""
            if self.action_pos >= 0 and self._line(self.action_pos) != self._line(tok.pos):
                extra = f" in action started at {self.name}:{self._line(self.action_pos)}"
            return self.error(tok.val + extra, tok.pos)
        return self.error(f"unexpected {_describe(tok)} in {context}", tok.pos)

    def _line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def expect(self, kind: str, context: str) -> Token:
        tok = self.next_non_space()
        if tok.kind != kind:
            raise self.unexpected(tok, context)
        return tok

    # grammar -------------------------------------------------------------------------------
    def parse(self) -> None:
        root: list[Node] = []
        top = Tree(self.name, root, 0, "top")
        while self.peek().kind != "eof":
            if self.peek().kind == "ldelim":
                save = self.i
                self.next()
                if self.next_non_space().kind == "define":
                    self.parse_definition()
                    continue
                self.backup_to(save)
            node = self.text_or_action()
            if isinstance(node, _End):
                raise self.error(f"unexpected {{{{{node.word}}}}}", node.pos)
            root.append(node)
        self.add(top)

    def add(self, tree: Tree) -> None:
        old = self.trees.get(tree.name)
        if old is None or _is_empty(old.root):
            self.trees[tree.name] = tree
            self.order.append(tree)
            return
        if not _is_empty(tree.root):
            raise self.error(f"template: multiple definition of template {go_quote(tree.name)}", tree.pos)

    def _fresh_scope(self) -> tuple[list[str], int]:
        saved = (self.vars, self.range_depth)
        self.vars = ["$"]
        self.range_depth = 0
        return saved

    def parse_definition(self) -> None:
        context = "define clause"
        tok = self.next_non_space()
        if tok.kind not in ("string", "rawstring"):
            raise self.unexpected(tok, context)
        name = self._unquote(tok)
        self.expect("rdelim", context)
        saved = self._fresh_scope()
        body, end = self.item_list()
        if end.word != "end":
            raise self.error(f"unexpected {{{{{end.word}}}}} in {context}", end.pos)
        self.vars, self.range_depth = saved
        self.add(Tree(name, body, tok.pos, "define"))

    def _unquote(self, tok: Token) -> str:
        try:
            return unquote(tok.val)
        except ValueError as exc:
            raise self.error(str(exc), tok.pos) from None

    def item_list(self) -> tuple[list[Node], _End]:
        nodes: list[Node] = []
        while self.peek_non_space().kind != "eof":
            node = self.text_or_action()
            if isinstance(node, _End):
                return nodes, node
            nodes.append(node)
        self.next_non_space()
        raise self.error("unexpected EOF")

    def text_or_action(self) -> Node:
        tok = self.next_non_space()
        if tok.kind == "text":
            return Text(tok.val, tok.pos)
        if tok.kind == "ldelim":
            self.action_pos = tok.pos
            try:
                return self.action()
            finally:
                self.action_pos = -1
        if tok.kind == "comment":
            return Text("", tok.pos)
        raise self.unexpected(tok, "input")

    def action(self) -> Node:
        tok = self.next_non_space()
        kind = tok.kind
        if kind == "block":
            return self.block_control(tok)
        if kind in ("break", "continue"):
            after = self.next_non_space()
            if after.kind != "rdelim":
                raise self.unexpected(after, f"{{{{{kind}}}}}")
            if self.range_depth == 0:
                raise self.error(f"{{{{{kind}}}}} outside {{{{range}}}}", tok.pos)
            return Control(kind, tok.pos, None)
        if kind == "else":
            peek = self.peek_non_space()
            # "{{else if" (and from Go 1.23 "{{else with") leave the keyword pending.
            if peek.kind == "if" or (peek.kind == "with" and self.else_with):
                return _End("else", peek.pos)
            self.expect("rdelim", "else")
            return _End("else", tok.pos)
        if kind == "end":
            self.expect("rdelim", "end")
            return _End("end", tok.pos)
        if kind in ("if", "range", "with"):
            return self.parse_control(kind, tok.pos)
        if kind == "template":
            return self.template_control(tok)
        self.i -= 1
        pos = self.peek().pos
        return Control("action", pos, self.pipeline("command", "rdelim"))

    def _deeper(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_TEMPLATE_DEPTH:
            raise self.error(f"actions nested more than {MAX_TEMPLATE_DEPTH} levels deep (callalert's limit)", pos)

    def parse_control(self, context: str, pos: int) -> Control:
        self._deeper(pos)
        try:
            return self._parse_control(context, pos)
        finally:
            self.depth -= 1

    def _parse_control(self, context: str, pos: int) -> Control:
        saved_vars = len(self.vars)
        pipe = self.pipeline(context, "rdelim")
        if context == "range":
            self.range_depth += 1
        body, nxt = self.item_list()
        if context == "range":
            self.range_depth -= 1
        else_body: list[Node] = []
        if nxt.word == "else":
            if context in ("if", "with") and self.peek_non_space().kind == context:
                if_tok = self.next_non_space()
                else_body = [self.parse_control(context, if_tok.pos)]
            else:
                else_body, nxt2 = self.item_list()
                if nxt2.word != "end":
                    raise self.error(f"expected end; found {{{{{nxt2.word}}}}}", nxt2.pos)
        del self.vars[saved_vars:]
        return Control(context, pos, pipe, body, else_body)

    def template_control(self, tok: Token) -> Control:
        context = "template clause"
        name_tok = self.next_non_space()
        name = self._template_name(name_tok, context)
        pipe: Pipe | None = None
        if self.next_non_space().kind != "rdelim":
            self.i -= 1
            pipe = self.pipeline(context, "rdelim")
        return Control("template", name_tok.pos, pipe, name=name)

    def _template_name(self, tok: Token, context: str) -> str:
        if tok.kind not in ("string", "rawstring"):
            raise self.unexpected(tok, context)
        return self._unquote(tok)

    def block_control(self, tok: Token) -> Control:
        context = "block clause"
        name_tok = self.next_non_space()
        name = self._template_name(name_tok, context)
        pipe = self.pipeline(context, "rdelim")
        saved = self._fresh_scope()
        self._deeper(name_tok.pos)
        body, end = self.item_list()
        self.depth -= 1
        if end.word != "end":
            raise self.error(f"unexpected {{{{{end.word}}}}} in {context}", end.pos)
        self.vars, self.range_depth = saved
        self.add(Tree(name, body, name_tok.pos, "block"))
        return Control("block", name_tok.pos, pipe, name=name)

    def pipeline(self, context: str, end: str) -> Pipe:
        pipe = Pipe(self.peek_non_space().pos)
        while True:  # declarations
            v = self.peek_non_space()
            if v.kind != "var":
                break
            self.next_non_space()
            var_index = self.i - 1
            nxt = self.peek_non_space()
            if nxt.kind in ("assign", "declare"):
                pipe.is_assign = nxt.kind == "assign"
                self.next_non_space()
                pipe.decls.append((v.val, v.pos))
                self.vars.append(v.val)
            elif nxt.kind == "charop" and nxt.val == ",":
                self.next_non_space()
                pipe.decls.append((v.val, v.pos))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decls) < 2:
                    if self.peek_non_space().kind in ("var", "rdelim", "rparen"):
                        continue
                    raise self.error("range can only initialize variables")
                raise self.error(f"too many declarations in {context}")
            else:
                self.backup_to(var_index)  # "$x foo": $x is an argument, not a declaration
            break
        while True:
            tok = self.next_non_space()
            if tok.kind == end:
                self.check_pipeline(pipe, context)
                return pipe
            if tok.kind in (
                "bool",
                "char",
                "complex",
                "dot",
                "field",
                "ident",
                "number",
                "nil",
                "rawstring",
                "string",
                "var",
                "lparen",
            ):
                self.i -= 1
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(tok, context)

    def check_pipeline(self, pipe: Pipe, context: str) -> None:
        if not pipe.cmds:
            raise self.error(f"missing value for {context}")
        for index, cmd in enumerate(pipe.cmds[1:], start=2):
            if cmd.args[0].kind in ("bool", "dot", "nil", "number", "string"):
                raise self.error(f"non executable command in pipeline stage {index}", cmd.pos)

    def command(self) -> Command:
        cmd = Command(self.peek_non_space().pos)
        while True:
            while self.peek().kind == "space":  # Go's peekNonSpace consumes spaces
                self.next()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok.kind == "space":
                continue
            if tok.kind in ("rdelim", "rparen"):
                self.i -= 1
            elif tok.kind == "pipe":
                pass
            else:
                raise self.unexpected(tok, "operand")
            break
        if not cmd.args:
            raise self.error("empty command")
        return cmd

    def operand(self) -> Operand | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().kind == "field":
            chain_pos = self.peek().pos
            chain: list[str] = []
            while self.peek().kind == "field":
                chain.append(self.next().val[1:])
            if node.kind in ("field", "var"):
                node = Operand(node.kind, node.val, node.pos, node.chain + tuple(chain))
            elif node.kind in ("bool", "string", "number", "nil", "dot"):
                raise self.error(f"unexpected . after term {go_quote(node.val)}", chain_pos)
            else:
                node = Operand("chain", "", node.pos, tuple(chain), inner=_wrap(node))
                node.chain_pos = chain_pos
        return node

    def term(self) -> Operand | None:
        tok = self.next_non_space()
        kind = tok.kind
        if kind == "ident":
            return Operand("ident", tok.val, tok.pos)
        if kind == "dot":
            return Operand("dot", ".", tok.pos)
        if kind == "nil":
            return Operand("nil", "nil", tok.pos)
        if kind == "var":
            name, *rest = tok.val.split(".")
            if name not in self.vars:
                raise self.error(f"undefined variable {go_quote(name)}", tok.pos)
            return Operand("var", name, tok.pos, tuple(rest))
        if kind == "field":
            return Operand("field", tok.val, tok.pos, (tok.val[1:],))
        if kind == "bool":
            return Operand("bool", tok.val, tok.pos)
        if kind in ("char", "number", "complex"):
            if kind == "char":
                try:
                    _, end = unquote_char(tok.val, 1, "'")
                except (ValueError, IndexError):
                    raise self.error("invalid syntax", tok.pos) from None
                if tok.val[end:] != "'":
                    raise self.error(f"malformed character constant: {tok.val}", tok.pos)
            elif (problem := number_error(tok.val, kind)) is not None:
                raise self.error(problem, tok.pos)
            return Operand("number", tok.val, tok.pos)
        if kind == "lparen":
            self._deeper(tok.pos)
            pipe = self.pipeline("parenthesized pipeline", "rparen")
            self.depth -= 1
            return Operand("pipe", "(", tok.pos, inner=pipe)
        if kind in ("string", "rawstring"):
            value = self._unquote(tok)
            return Operand("string", tok.val, tok.pos, (value,))
        self.i -= 1
        return None


def _wrap(node: Operand) -> Pipe:
    if node.kind == "pipe" and node.inner is not None:
        return node.inner
    pipe = Pipe(node.pos)
    cmd = Command(node.pos)
    cmd.args.append(node)
    pipe.cmds.append(cmd)
    return pipe


def _describe(tok: Token) -> str:
    if tok.kind == "eof":
        return "EOF"
    if tok.kind in KEYWORDS.values():
        return f"<{tok.val}>"
    if len(tok.val) > 10:
        return go_quote(tok.val[:10]) + "..."
    return go_quote(tok.val)


class Locator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        find = text.find
        p = find("\n")
        while p >= 0:
            self.starts.append(p + 1)
            p = find("\n", p + 1)

    def __call__(self, pos: int) -> Position:
        line = bisect.bisect_right(self.starts, pos)
        return Position(line, pos - self.starts[line - 1] + 1)


def parse_trees(text: str, name: str, predeclared: tuple[str, ...] = (), go: Version = GO_DEFAULT) -> tuple[list[Tree], Locator]:
    """The templates of `text` in the order Go `go` adds them (a define before the text around
    it); `predeclared` variables exist at top level. Raises TemplateSyntaxError."""
    ensure_recursion_limit()  # MAX_TEMPLATE_DEPTH levels of recursive descent (and of the type walk)
    locate = Locator(text)
    parser = _Parser(text, name, lex(text, go), predeclared, go)
    try:
        parser.parse()
    except _ParseError as exc:
        at = locate(exc.pos)
        raise TemplateSyntaxError(exc.message, at.line, at.col, name, locate(exc.go_pos).line) from None
    return parser.order, locate
