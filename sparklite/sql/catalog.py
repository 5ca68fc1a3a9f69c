"""The catalog: a session's temporary views, the application's global temporary views
(``global_temp.name``), and the ``spark.catalog`` API over them.

Contract: ``SessionCatalog.lookup(parts)`` resolves a relation name for the analyzer (a temp view
first, then ``global_temp.x``), or raises ``TABLE_OR_VIEW_NOT_FOUND``. View names are
case-insensitive. Each reference to a view gets its own attribute ids, so a view can be joined
with itself.
"""
from __future__ import annotations

from collections import namedtuple

from sparklite.sql import tables
from sparklite.sql.errors import AnalysisException
from sparklite.sql.plan import logical as L
from sparklite.sql.plan.expressions import Alias

GLOBAL_TEMP_DATABASE = "global_temp"

Table = namedtuple("Table", "name catalog namespace description tableType isTemporary")
Database = namedtuple("Database", "name catalog description locationUri")


def fresh_instance(plan: L.LogicalPlan) -> L.LogicalPlan:
    """The plan with new ids for its output, as a projection (so a second reference of a view has
    attributes of its own)."""
    return L.Project([Alias(a, a.name) for a in plan.output], plan)


class SessionCatalog:
    def __init__(self, global_views: dict, conf, session=None):
        self.temp_views: dict[str, L.LogicalPlan] = {}
        self.global_views = global_views
        self.conf = conf
        self.session = session

    def create_temp_view(self, name: str, plan: L.LogicalPlan, replace: bool, global_view: bool = False) -> None:
        views = self.global_views if global_view else self.temp_views
        key = name.lower()
        if key in views and not replace:
            where = f"`{GLOBAL_TEMP_DATABASE}`.`{name}`" if global_view else f"`{name}`"
            raise AnalysisException(errorClass="TEMP_TABLE_OR_VIEW_ALREADY_EXISTS",
                                    messageParameters={"relationName": where})
        views[key] = plan

    def drop_temp_view(self, name: str, global_view: bool = False) -> bool:
        views = self.global_views if global_view else self.temp_views
        return views.pop(name.lower(), None) is not None

    def lookup(self, parts: tuple) -> L.LogicalPlan:
        plan = None
        if len(parts) == 1:
            plan = self.temp_views.get(parts[0].lower())
        elif len(parts) == 2 and parts[0].lower() == GLOBAL_TEMP_DATABASE:
            plan = self.global_views.get(parts[1].lower())
        if plan is None and self.session is not None:
            info = tables.lookup(self.session, parts)
            if info is not None:
                return L.SubqueryAlias(parts[-1], tables.relation(self.session, info)._plan)
        if plan is None:
            raise AnalysisException(errorClass="TABLE_OR_VIEW_NOT_FOUND",
                                    messageParameters={"relationName": ".".join(f"`{p}`" for p in parts)})
        return L.SubqueryAlias(parts[-1], fresh_instance(plan))


class Catalog:
    """``spark.catalog``."""

    def __init__(self, session):
        self._session = session

    @property
    def _catalog(self) -> SessionCatalog:
        return self._session._session_catalog

    def currentDatabase(self) -> str:
        return "default"

    def currentCatalog(self) -> str:
        return "spark_catalog"

    def listDatabases(self, pattern: str | None = None) -> list:
        return [Database("default", "spark_catalog", "default database", "")]

    def listTables(self, dbName: str | None = None, pattern: str | None = None) -> list:
        import fnmatch
        found = []
        if dbName and dbName.lower() == GLOBAL_TEMP_DATABASE:
            names = [(n, [GLOBAL_TEMP_DATABASE]) for n in sorted(self._catalog.global_views)]
        else:
            names = [(n, []) for n in sorted(self._catalog.temp_views)]
            for info in sorted(self._session._shared["tables"].values(), key=lambda i: i.name.lower()):
                if not pattern or fnmatch.fnmatch(info.name.lower(), pattern):
                    found.append(Table(info.name.lower(), "spark_catalog", ["default"], None,
                                       "MANAGED" if info.managed else "EXTERNAL", False))
        for name, namespace in names:
            if pattern and not fnmatch.fnmatch(name, pattern):
                continue
            found.append(Table(name, None, namespace, None, "TEMPORARY", True))
        return found

    def tableExists(self, tableName: str, dbName: str | None = None) -> bool:
        from sparklite.sql.column import parse_column_name
        parts = (dbName, tableName) if dbName else parse_column_name(tableName)
        try:
            self._catalog.lookup(parts)
        except AnalysisException:
            return False
        return True

    def dropTempView(self, viewName: str) -> bool:
        return self._catalog.drop_temp_view(viewName)

    def dropGlobalTempView(self, viewName: str) -> bool:
        return self._catalog.drop_temp_view(viewName, global_view=True)

    def listColumns(self, tableName: str, dbName: str | None = None) -> list:
        Column = namedtuple("Column", "name description dataType nullable isPartition isBucket isCluster")
        df = self._session.table(f"{dbName}.{tableName}" if dbName else tableName)
        return [Column(f.name, None, f.dataType.simpleString(), f.nullable, False, False, False)
                for f in df.schema.fields]

    def cacheTable(self, tableName: str, storageLevel=None) -> None:
        self._session.table(tableName).persist(*(storageLevel,) if storageLevel else ())

    def uncacheTable(self, tableName: str) -> None:
        self._session.table(tableName).unpersist()

    def isCached(self, tableName: str) -> bool:
        return self._session.table(tableName).is_cached

    def clearCache(self) -> None:
        self._session._cache_manager.clear()

    def refreshTable(self, tableName: str) -> None:
        self.tableExists(tableName)

