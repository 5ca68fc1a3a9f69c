"""SQL statements other than queries, read from sqlglot's tree into ``Command`` objects that
``sparklite.sql.commands`` runs: SET, CREATE [TEMP|GLOBAL TEMP] VIEW, CREATE TABLE (USING, OPTIONS,
PARTITIONED BY, COMMENT, LOCATION, AS), INSERT INTO/OVERWRITE, CACHE/UNCACHE TABLE, DESCRIBE, DROP,
SHOW TABLES and EXPLAIN.

Contract: ``StatementBuilder`` is a mixin of the SQL planner (``sql._Builder``); it relies on its
``query`` (a query's plan), ``text`` (the statement as written), ``args`` and ``nested_statement``
(EXPLAIN's statement). Syntax Spark rejects raises ``ParseException`` (``PARSE_SYNTAX_ERROR``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sparklite.sql.errors import ParseException


@dataclass
class Command:
    """A statement that is not a query: ``kind`` and its parts."""
    kind: str
    args: dict = field(default_factory=dict)


def _sqlglot():
    import sqlglot
    from sqlglot import exp
    return sqlglot, exp


class StatementBuilder:
    def statement(self, node):
        _, exp = _sqlglot()
        if isinstance(node, (exp.Select, exp.Union, exp.Except, exp.Intersect, exp.Subquery, exp.Values)):
            return self.query(node)
        if isinstance(node, exp.Create):
            return self.create(node)
        if isinstance(node, exp.Set):
            return self.set_statement(node)
        if isinstance(node, exp.Cache):
            return Command("cache", {"name": self.table_name(node.this), "lazy": bool(node.args.get("lazy")),
                                     "query": self.query(node.expression) if node.expression else None})
        if isinstance(node, exp.Uncache):
            return Command("uncache", {"name": self.table_name(node.this),
                                       "if_exists": bool(node.args.get("exists"))})
        if isinstance(node, exp.Describe):
            return Command("describe", {"name": self.table_name(node.this)})
        if isinstance(node, exp.Drop):
            target = node.this if node.this is not None else (node.args.get("tables") or [None])[0]
            return Command("drop", {"kind": str(node.args.get("kind") or "").upper(),
                                    "name": self.table_name(target), "if_exists": bool(node.args.get("exists"))})
        if isinstance(node, exp.Insert):
            return self.insert(node)
        if isinstance(node, exp.Command):
            return self.command(node)
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR",
                             messageParameters={"error": f"'{node.sql(dialect='spark').split()[0]}'", "hint": ""})

    def command(self, node):
        word = str(node.this).upper()
        rest = node.expression if isinstance(node.expression, str) else \
            node.expression.this if node.expression is not None else ""
        if word == "SET":
            key = str(rest).strip()
            return Command("set", {"key": key} if key else {})
        if word == "SHOW":
            parts = rest.split()
            if parts and parts[0].upper() == "TABLES":
                return Command("show_tables", {"rest": " ".join(parts[1:])})
        if word == "EXPLAIN":
            mode, text = "simple", rest
            first = rest.split(None, 1)
            if first and first[0].upper() in ("EXTENDED", "CODEGEN", "COST", "FORMATTED"):
                mode, text = first[0].lower(), first[1] if len(first) > 1 else ""
            return Command("explain", {"mode": mode, "statement": self.nested_statement(text)})
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": f"'{word}'", "hint": ""})

    def set_statement(self, node):
        _, exp = _sqlglot()
        if not node.expressions:
            return Command("set", {})
        item = node.expressions[0].this
        if isinstance(item, exp.EQ):
            key = item.this.sql(dialect="spark").replace("`", "")
            # the value as written (sqlglot would read America/Los_Angeles as a division)
            raw = self.text.split("=", 1)[1].strip().rstrip(";").strip() if "=" in self.text else ""
            if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
                raw = raw[1:-1]
            return Command("set", {"key": key, "value": raw})
        return Command("set", {"key": item.sql(dialect="spark").replace("`", "")})

    def create(self, node):
        _, exp = _sqlglot()
        kind = str(node.args.get("kind") or "").upper()
        properties = node.args.get("properties")
        temporary = bool(properties and any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions))
        if kind == "VIEW":
            global_view = bool(properties and any(
                isinstance(p, exp.GlobalProperty) for p in properties.expressions))
            target = node.this
            columns = None
            if isinstance(target, exp.Schema):
                columns = [c.name for c in target.expressions]
                target = target.this
            return Command("create_view", {"name": self.table_name(target), "temporary": temporary or global_view,
                                           "global": global_view, "replace": bool(node.args.get("replace")),
                                           "if_not_exists": bool(node.args.get("exists")), "columns": columns,
                                           "query": self.query(node.expression)})
        if kind == "TABLE" and not temporary:
            return self.create_table(node, properties)
        raise ParseException(errorClass="PARSE_SYNTAX_ERROR", messageParameters={"error": "'CREATE'", "hint": ""})

    def create_table(self, node, properties):
        """CREATE TABLE name [(columns)] [USING format] [OPTIONS (key value, ...)] [PARTITIONED BY
        (columns)] [COMMENT text] [LOCATION path] [AS query]."""
        from sparklite.sql.datatypes import _parse_datatype_string
        _, exp = _sqlglot()
        target, schema = node.this, None
        if isinstance(target, exp.Schema):
            definitions = [c for c in target.expressions if isinstance(c, exp.ColumnDef)]
            if definitions:
                schema = _parse_datatype_string(", ".join(
                    f"`{c.name}` {c.args['kind'].sql(dialect='spark')}" for c in definitions))
            target = target.this
        provider, partitions, location, options, comment = None, [], None, {}, None
        for item in (properties.expressions if properties else []):
            if isinstance(item, exp.FileFormatProperty):
                provider = item.this.name
            elif isinstance(item, exp.PartitionedByProperty):
                columns = item.this.expressions if isinstance(item.this, exp.Schema) else [item.this]
                partitions = [c.name for c in columns]
            elif isinstance(item, exp.LocationProperty):
                location = item.this.name
            elif isinstance(item, exp.OptionsProperty):
                options.update((p.name, p.args["value"].name) for p in item.expressions)
            elif isinstance(item, exp.SchemaCommentProperty):
                comment = item.this.name
        query = self.query(node.expression) if node.expression is not None else None
        return Command("create_table", {"name": self.table_name(target), "schema": schema, "provider": provider,
                                        "partitions": partitions, "location": location, "query": query,
                                        "options": options, "comment": comment,
                                        "if_not_exists": bool(node.args.get("exists")),
                                        "replace": bool(node.args.get("replace"))})

    def insert(self, node):
        """INSERT INTO | OVERWRITE [TABLE] name [(columns)] query."""
        _, exp = _sqlglot()
        target, columns = node.this, None
        if isinstance(target, exp.Schema):
            columns = [c.name for c in target.expressions]
            target = target.this
        if isinstance(target, exp.Table) and target.args.get("partition") is not None:
            raise NotImplementedError("INSERT with a PARTITION clause: the partition columns go in the query")
        return Command("insert", {"name": self.table_name(target), "columns": columns,
                                  "overwrite": bool(node.args.get("overwrite")),
                                  "query": self.query(node.expression)})

    @staticmethod
    def table_name(node) -> tuple:
        _, exp = _sqlglot()
        if isinstance(node, exp.Table):
            return tuple(p.name for p in node.parts)
        return (node.name,)
