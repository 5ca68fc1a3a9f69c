"""sqlglot's Spark dialect as sparklite reads SQL: function calls stay plain calls under the name the
user wrote (Spark uses it in column names), and Spark's reading is kept where sqlglot's differs:
typed numbers (``1L`` is a literal, not a cast), unary plus, ``POSITION``, multi-unit intervals,
``a >>> b`` and ``GROUP BY window(...)``.

Contract: ``dialect()`` builds the dialect class once, importing sqlglot then, and returns it.
"""
from __future__ import annotations

_DIALECT = None
# calls sqlglot parses with syntax of their own (CAST(x AS t), TRIM(BOTH ...), ...); every other call
# stays a plain call under the name the user wrote, which Spark uses in column names
_SPECIAL_SYNTAX = {"CAST", "TRY_CAST", "EXTRACT", "POSITION", "SUBSTRING", "TRIM", "OVERLAY"}


def dialect():
    """Spark's dialect with sqlglot's function normalisation turned off, and Spark's reading kept
    where sqlglot's differs: typed numbers (``1L``), unary plus, POSITION and multi-unit intervals."""
    global _DIALECT
    if _DIALECT is None:
        from sqlglot import exp
        from sqlglot.dialects.spark import Spark
        from sqlglot.tokens import TokenType

        class SparkCalls(Spark):
            class Tokenizer(Spark.Tokenizer):
                STRING_ESCAPES = ["\\", "'"]          # Spark 4 reads '' inside a string as one quote

            class Parser(Spark.Parser):
                FUNCTIONS: dict = {}
                FUNCTION_PARSERS = {k: v for k, v in Spark.Parser.FUNCTION_PARSERS.items() if k in _SPECIAL_SYNTAX}
                # sqlglot drops a unary plus; Spark keeps it as positive(x), named (+ x)
                UNARY_PARSERS = {**Spark.Parser.UNARY_PARSERS, TokenType.PLUS: lambda self: self.expression(
                    exp.Anonymous(this="unary_positive", expressions=[self._parse_unary()]))}

                def build_cast(self, strict: bool, **kwargs):
                    # sqlglot reads 1L, 2.5D, 1BD as casts; Spark as literals of the suffix's type
                    suffix, written = self._prev.text.upper(), kwargs.get("this")
                    node = super().build_cast(strict, **kwargs)
                    if suffix in Spark.Tokenizer.NUMERIC_LITERALS and isinstance(written, exp.Literal) \
                            and not written.is_string:
                        node.meta["number"] = (str(written.this), suffix)
                    return node

                def _parse_term(self, *args, **kwargs):
                    # a >>> b: sqlglot reads `>>`, then asks for a term at the third `>`
                    curr, prev, i = self._curr, self._prev, self._index
                    unsigned = curr is not None and prev is not None and 2 <= i <= len(self._tokens) and all(
                        t.token_type == TokenType.GT for t in (self._tokens[i - 2], prev, curr)) and \
                        prev.end + 1 == curr.start
                    if unsigned:
                        self._advance()
                    node = super()._parse_term(*args, **kwargs)
                    if unsigned and node is not None:
                        node.meta["unsigned_shift"] = True
                    return node

                def _parse_group(self, skip_group_by_token: bool = False):
                    # GROUP BY window(ts, '1 hour'): the time-window function, not the WINDOW clause
                    first = self._index + (0 if skip_group_by_token else 1)
                    tokens = self._tokens
                    if first + 1 < len(tokens) and tokens[first].token_type == TokenType.WINDOW and \
                            tokens[first + 1].token_type == TokenType.L_PAREN:
                        tokens[first].token_type = TokenType.VAR
                    return super()._parse_group(skip_group_by_token)

                def _parse_position(self, haystack_first: bool = False):
                    # POSITION(a IN b) is locate(a, b); POSITION(a, b[, c]) the call position(...)
                    args = self._parse_csv(self._parse_bitwise)
                    if self._match(TokenType.IN):
                        return self.expression(exp.StrPosition(this=self._parse_bitwise(),
                                                               substr=args[0] if args else None))
                    return self.expression(exp.Anonymous(this="position", expressions=args))

                def _parse_interval(self, require_interval: bool = True, parse_function_unit: bool = True):
                    node = super()._parse_interval(require_interval, parse_function_unit)
                    if isinstance(node, exp.Add):         # INTERVAL 1 DAY 2 HOURS: one literal, not a sum
                        node.meta["interval_units"] = True
                    return node
        _DIALECT = SparkCalls
    return _DIALECT
