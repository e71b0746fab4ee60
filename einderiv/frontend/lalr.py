"""The LALR parser's loop, run over lark's own tables with fewer Python calls per token.

Input: a ``Lark`` object built with ``parser="lalr"`` (the grammar's tables, the tree
builder's callbacks, the contextual lexer and post-lexer), and a text with its start rule.
Output: ``plain_rule_names(lark)`` tunes lark's tables in place (rule names plain strings,
``?a: b`` passing its child up in C); ``fast_parse(lark)``, a function ``parse(text, start)`` returning what
``lark.parse(text, start=start)`` returns, raising what it raises; or None when the object is
laid out otherwise than lark 1.x lays it out (then the caller keeps ``lark.parse``).
Invariants: the same tables, callbacks, lexer and state stacks as lark's loop
(``ParserState.feed_token``), in the same order: the contextual lexer reads the state stack
as lark's does, so every token is lexed alike. Only the per-token work is less: each state's
actions are looked up once at import as plain tuples (a shift's next state; a reduction's
length, callback and rule name), so a reduction costs no ``Rule.__hash__`` (the callbacks'
dict) nor ``Rule.__eq__`` (lark's ``assert arg != end_state``), both Python calls, and a
grammar with a dozen precedence levels reduces a dozen times per token. Any token with no
action goes to lark's own ``feed_token`` with the stacks as they are, which raises lark's
``UnexpectedToken``; lark's interactive parser is attached to it as lark's loop does.
"""

from __future__ import annotations

from operator import itemgetter

from lark import Token
from lark.exceptions import UnexpectedInput
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_interactive_parser import InteractiveParser
from lark.parsers.lalr_parser_state import ParseConf, ParserState

__all__ = ["fast_parse", "plain_rule_names"]


def plain_rule_names(lark) -> None:
    """Speed only: the LALR parser looks the name of every reduced rule up in its tables, and
    lark keeps those names as ``Token`` s (a ``str`` subclass whose ``__eq__`` is Python code),
    so each reduction paid a Python call; as plain strings they compare in C. A rule ``?a: b``
    passes its one child up through lark's ``ExpandSingleChild`` (a Python call per reduction,
    a dozen a parse): ``itemgetter(0)`` does that in C. Best effort: a lark version laid out
    differently is left as it is."""
    try:
        parser = lark.parser.parser.parser
        actions = [arg for state in parser.parse_table.states.values() for _, arg in state.values()]
        callbacks = parser.callbacks
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - another lark version
        return
    for origin in (a.origin for a in actions if getattr(a, "origin", None) is not None):
        if isinstance(origin.name, str) and type(origin.name) is not str:
            origin.name = str(origin.name)
    single = [r for r, c in callbacks.items() if type(c).__name__ == "ExpandSingleChild"]
    callbacks.update({r: itemgetter(0) for r in single if len(r.expansion) == 1})


def fast_parse(lark):
    """``parse(text, start)`` for the LALR ``lark`` (see the module's docstring), or None."""
    try:
        frontend = lark.parser
        inner = frontend.parser.parser  # lark.parsers.lalr_parser._Parser
        table, callbacks = inner.parse_table, inner.callbacks
        make_thread = frontend._make_lexer_thread
        starts = frozenset(frontend.parser_conf.start)
    except AttributeError:  # pragma: no cover - another lark version
        return None
    if any(isinstance(k, str) for k in callbacks) or inner.debug:  # token callbacks: lark's loop
        return None  # pragma: no cover - not how the grammar is built
    # state -> {token type: next state (a shift) | (length, callback, rule name) (a reduction)}
    actions: dict = {}
    for state, row in table.states.items():
        actions[state] = {
            kind: arg if action is Shift else _reduction(arg, callbacks[arg])
            for kind, (action, arg) in row.items()
        }

    def parse(text: str, start: str):
        if start not in starts:  # pragma: no cover - the callers pass the grammar's starts
            return lark.parse(text, start=start)
        conf = ParseConf(table, callbacks, start)
        state = ParserState(conf, make_thread(text))
        states, values = state.state_stack, state.value_stack
        end_state = conf.end_state
        try:
            token = None
            for token in state.lexer.lex(state):
                while True:
                    action = actions[states[-1]].get(token.type)
                    if action is None:  # no action: lark raises its UnexpectedToken
                        state.feed_token(token)
                        raise AssertionError("unreachable")  # pragma: no cover
                    if type(action) is int:  # shift
                        states.append(action)
                        values.append(token)
                        break
                    size, callback, origin = action  # a reduction
                    if callback is None:  # ?a: b passes b up: only the state changes
                        states[-1] = actions[states[-2]][origin]
                        continue
                    _reduce(states, values, size, callback, origin, actions)
            token = Token.new_borrow_pos("$END", "", token) if token else Token("$END", "", 0, 1, 1)
            while True:
                action = actions[states[-1]].get("$END")
                if action is None or type(action) is int:
                    state.feed_token(token, True)  # lark's: raises (a shift at the end: never)
                    raise AssertionError("unreachable")  # pragma: no cover
                size, callback, origin = action
                if callback is None:
                    states[-1] = actions[states[-2]][origin]
                else:
                    _reduce(states, values, size, callback, origin, actions)
                if states[-1] == end_state:
                    return values[-1]
        except UnexpectedInput as e:
            e.interactive_parser = InteractiveParser(inner, state, state.lexer)
            raise

    return parse


def _reduction(rule, callback) -> tuple:
    """(length, callback, rule name); the callback None for a rule of one symbol whose
    callback returns its child as it is (``?a: b``: ``itemgetter(0)``, set by the caller, or
    lark's ``ExpandSingleChild``): its value stays on the stack, only its state changes."""
    size = len(rule.expansion)
    if size == 1 and _passes_child(callback):
        return (1, None, rule.origin.name)
    return (size, callback, rule.origin.name)


def _passes_child(callback) -> bool:
    return isinstance(callback, itemgetter) and repr(callback) == "operator.itemgetter(0)"


def _reduce(states: list, values: list, size: int, callback, origin: str, actions: dict) -> None:
    """One reduction: the rule's children popped, its callback's value pushed, and the state
    its name leads to from the one uncovered (lark's ``feed_token``, one step)."""
    if size:
        children = values[-size:]
        del states[-size:]
        del values[-size:]
    else:
        children = []
    value = callback(children)
    states.append(actions[states[-1]][origin])
    values.append(value)
