"""``pyspark.ml.param``: typed parameters with defaults, user values and per-call overrides.

Contract:
* A stage declares its parameters as class attributes, ``maxIter = Param(Params._dummy(), "maxIter",
  "max number of iterations (>= 0).", TypeConverters.toInt)``, and their defaults in a class dict
  ``_defaults`` (merged along the class hierarchy, a subclass's winning). Each instance gets its own
  copies whose ``parent`` is its ``uid`` (``LogisticRegression_4f2a...``). A default may be a function
  of the instance (``outputCol`` defaults to ``uid + "__output"``, as in PySpark).
* Every parameter ``fooBar`` has ``getFooBar()`` and ``setFooBar(value)`` without writing them:
  ``__getattr__`` makes them (``dir`` lists them). Values pass the parameter's type converter (a
  clear ``TypeError`` when they cannot) and its validator (Spark's ``IllegalArgumentException``:
  ``LogisticRegression_... parameter regParam given invalid value -1.0.``).
* ``Params.__init__(**kwargs)`` sets the keyword arguments a constructor was given; an unknown one
  is a ``TypeError`` naming it. ``copy(extra)`` gives a new instance with the same uid, values and
  ``extra`` on top; ``extractParamMap`` merges defaults, values and extra.
"""
from __future__ import annotations

import copy as _copy
import uuid

import numpy as np

__all__ = ["Param", "Params", "TypeConverters"]


class Param:
    """A parameter of a stage: its owner's uid, name, doc and the function that converts values."""

    def __init__(self, parent, name: str, doc: str, typeConverter=None, validator=None):
        if not isinstance(parent, Identifiable):
            raise TypeError(f"Parent must be an Identifiable but got type {type(parent)}.")
        self.parent, self.name, self.doc = parent.uid, str(name), str(doc)
        self.typeConverter = typeConverter or TypeConverters.identity
        self.validator = validator

    def _copy_new_parent(self, parent) -> "Param":
        if self.parent != "undefined":
            raise ValueError("Cannot copy from non-dummy parent %s." % parent)
        param = _copy.copy(self)
        param.parent = parent.uid
        return param

    def __str__(self) -> str:
        return f"{self.parent}__{self.name}"

    def __repr__(self) -> str:
        return f"Param(parent={self.parent!r}, name={self.name!r}, doc={self.doc!r})"

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other) -> bool:
        return isinstance(other, Param) and self.parent == other.parent and self.name == other.name


class TypeConverters:
    """Functions turning a value into a parameter's type, or raising ``TypeError`` saying what failed."""

    @staticmethod
    def _fail(value, kind: str):
        return TypeError(f"Could not convert {value} to {kind}")

    @staticmethod
    def identity(value):
        return value

    @staticmethod
    def toInt(value) -> int:
        if isinstance(value, (bool, np.bool_)):
            raise TypeConverters._fail(value, "int")
        if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and float(value).is_integer()):
            return int(value)
        raise TypeConverters._fail(value, "int")

    @staticmethod
    def toFloat(value) -> float:
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            return float(value)
        raise TypeConverters._fail(value, "float")

    @staticmethod
    def toString(value) -> str:
        if isinstance(value, str):
            return value
        raise TypeConverters._fail(value, "string")

    @staticmethod
    def toBoolean(value) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise TypeConverters._fail(value, "boolean")

    @staticmethod
    def toList(value) -> list:
        if isinstance(value, (list, tuple, range, np.ndarray)) or type(value).__name__ in ("DenseVector",):
            return list(value)
        raise TypeConverters._fail(value, "list")

    @staticmethod
    def toListFloat(value) -> list:
        return [TypeConverters.toFloat(v) for v in TypeConverters.toList(value)]

    @staticmethod
    def toListInt(value) -> list:
        return [TypeConverters.toInt(v) for v in TypeConverters.toList(value)]

    @staticmethod
    def toListString(value) -> list:
        return [TypeConverters.toString(v) for v in TypeConverters.toList(value)]

    @staticmethod
    def toListListFloat(value) -> list:
        return [TypeConverters.toListFloat(v) for v in TypeConverters.toList(value)]

    @staticmethod
    def toVector(value):
        from sparklite.ml.linalg import DenseVector, Vector
        if isinstance(value, Vector):
            return value
        return DenseVector(TypeConverters.toListFloat(value))

    @staticmethod
    def toMatrix(value):
        from sparklite.ml.linalg import Matrix
        if isinstance(value, Matrix):
            return value
        raise TypeConverters._fail(value, "matrix")


class Identifiable:
    """An object with a unique ``uid``: its class name and 12 hex digits."""

    def __init__(self):
        self.uid = self._randomUID()

    def __repr__(self) -> str:
        return self.uid

    @classmethod
    def _randomUID(cls) -> str:
        return f"{cls.__name__}_{uuid.uuid4().hex[-12:]}"


class Params(Identifiable):
    """Something with parameters: the base of every pipeline stage and evaluator."""

    _defaults: dict = {}

    def __init__(self, **kwargs):
        super().__init__()
        self._paramMap: dict = {}
        self._defaultParamMap: dict = {}
        self._copy_params()
        defaults = {}
        for klass in reversed(type(self).__mro__):
            defaults.update(klass.__dict__.get("_defaults", {}))
        # a default may depend on the instance (``outputCol``'s is ``uid + "__output"``)
        self._setDefault(**{k: v(self) if callable(v) else v for k, v in defaults.items() if self.hasParam(k)})
        self._set(**kwargs)

    @staticmethod
    def _dummy() -> "Params":
        dummy = Identifiable.__new__(Identifiable)
        dummy.uid = "undefined"
        return dummy

    def _copy_params(self) -> None:
        for name in dir(type(self)):
            value = getattr(type(self), name, None)
            if isinstance(value, Param):
                setattr(self, name, value._copy_new_parent(self))

    @property
    def params(self) -> list:
        """Every parameter, by name."""
        return sorted((v for v in self.__dict__.values() if isinstance(v, Param)), key=lambda p: p.name)

    def explainParam(self, param) -> str:
        param = self._resolveParam(param)
        values = []
        if self.isDefined(param):
            if param in self._defaultParamMap:
                values.append(f"default: {self._defaultParamMap[param]}")
            if param in self._paramMap:
                values.append(f"current: {self._paramMap[param]}")
        else:
            values.append("undefined")
        return f"{param.name}: {param.doc} ({', '.join(values)})"

    def explainParams(self) -> str:
        return "\n".join(self.explainParam(param) for param in self.params)

    def getParam(self, paramName: str) -> Param:
        param = self.__dict__.get(paramName)
        if isinstance(param, Param):
            return param
        raise ValueError(f"Cannot find param with name {paramName}.")

    def hasParam(self, paramName: str) -> bool:
        if isinstance(paramName, str):
            return isinstance(self.__dict__.get(paramName), Param)
        raise TypeError(f"hasParam(): paramName must be a string, not {type(paramName)}")

    def isSet(self, param) -> bool:
        return self._resolveParam(param) in self._paramMap

    def hasDefault(self, param) -> bool:
        return self._resolveParam(param) in self._defaultParamMap

    def isDefined(self, param) -> bool:
        return self.isSet(param) or self.hasDefault(param)

    def getOrDefault(self, param):
        param = self._resolveParam(param)
        if param in self._paramMap:
            return self._paramMap[param]
        if param in self._defaultParamMap:
            return self._defaultParamMap[param]
        raise KeyError(f"Failed to find a default value for {param.name}")

    def extractParamMap(self, extra: dict | None = None) -> dict:
        merged = dict(self._defaultParamMap)
        merged.update(self._paramMap)
        merged.update(extra or {})
        return merged

    def copy(self, extra: dict | None = None) -> "Params":
        """A copy with the same uid and values, and ``extra``'s values of this stage's params set on it
        (values for other stages' params, as a pipeline's param map holds, are left out)."""
        that = _copy.copy(self)
        that._paramMap, that._defaultParamMap = dict(self._paramMap), dict(self._defaultParamMap)
        for param, value in (extra or {}).items():
            if isinstance(param, Param) and param.parent == self.uid and self.hasParam(param.name):
                that._paramMap[self.getParam(param.name)] = value
        return that

    def set(self, param: Param, value) -> None:
        self._set(**{self._resolveParam(param).name: value})

    def clear(self, param: Param) -> None:
        self._paramMap.pop(self._resolveParam(param), None)

    def _shouldOwn(self, param: Param) -> None:
        if not (self.uid == param.parent and self.hasParam(param.name)):
            raise ValueError(f"Param {param} does not belong to {self}.")

    def _resolveParam(self, param) -> Param:
        if isinstance(param, Param):
            self._shouldOwn(param)
            return param
        if isinstance(param, str):
            return self.getParam(param)
        raise TypeError(f"Cannot resolve {param!r} as a param.")

    def _convert(self, param: Param, value):
        try:
            value = param.typeConverter(value)
        except TypeError as e:
            raise TypeError(f'Invalid param value given for param "{param.name}". {e}') from None
        if param.validator is not None and not param.validator(value):
            from sparklite.sql.errors import IllegalArgumentException
            raise IllegalArgumentException(f"{self.uid} parameter {param.name} given invalid value {value}.")
        return value

    def _set(self, **kwargs) -> "Params":
        for name, value in kwargs.items():
            if not self.hasParam(name):
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument '{name}'")
            param = self.getParam(name)
            self._paramMap[param] = None if value is None else self._convert(param, value)
        return self

    def _setDefault(self, **kwargs) -> "Params":
        for name, value in kwargs.items():
            param = self.getParam(name)
            self._defaultParamMap[param] = None if value is None else param.typeConverter(value)
        return self

    def _clear(self, param: Param) -> None:
        self._paramMap.pop(param, None)

    def setParams(self, **kwargs) -> "Params":
        return self._set(**kwargs)

    def _copyValues(self, to: "Params", extra: dict | None = None) -> "Params":
        """Set on ``to`` (a model this estimator made) the values and defaults of the params it shares."""
        values = self.extractParamMap(extra)
        for param, value in values.items():
            if param.parent == self.uid and to.hasParam(param.name):
                target = to._paramMap if param in self._paramMap or param in (extra or {}) else to._defaultParamMap
                target[to.getParam(param.name)] = value
        return to

    def _resetUid(self, newUid: str) -> "Params":
        for name, param in list(self.__dict__.items()):
            if isinstance(param, Param):
                moved = _copy.copy(param)
                moved.parent = newUid
                self.__dict__[name] = moved
        self._paramMap = {self.getParam(p.name): v for p, v in self._paramMap.items()}
        self._defaultParamMap = {self.getParam(p.name): v for p, v in self._defaultParamMap.items()}
        self.uid = newUid
        return self

    def __getattr__(self, name: str):
        """``getFooBar`` / ``setFooBar`` of a parameter ``fooBar``."""
        if name[:3] in ("get", "set") and len(name) > 3:
            param_name = name[3].lower() + name[4:]
            if isinstance(self.__dict__.get(param_name), Param):
                if name.startswith("get"):
                    return lambda: self.getOrDefault(param_name)

                def setter(value):
                    return self._set(**{param_name: value})
                return setter
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):
        accessors = []
        for param in self.params:
            suffix = param.name[0].upper() + param.name[1:]
            accessors += ["get" + suffix, "set" + suffix]
        return sorted(set(super().__dir__()) | set(accessors))
