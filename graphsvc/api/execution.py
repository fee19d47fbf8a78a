"""GraphQL execution with a short path for plain scalar fields.

Most fields of an answer are scalars read straight off an object (a person's name, a
relationship's trust, a node's key): strawberry resolves them with its default resolver,
no arguments, no permission, no extension. For each, graphql-core still builds a resolve
info, calls strawberry's wrapper, which calls the field's ``get_result``, which reads the
attribute, and then walks ``complete_value`` (non-null, list, leaf) to coerce it: 36 of the
63 fields of benchmark scenario (a) (a person with ten acquaintances) are such fields.

:class:`ExecutionContext` reads such a field's attribute and coerces it at once. Anything
out of the ordinary (an argument on the field, a field middleware, a null or a value the
scalar rejects, an exception) goes through graphql-core's own ``execute_field``, so
answers and errors are exactly graphql-core's.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

#: A plain field: (the GraphQL field, its attribute, its scalar or enum type), by the
#: field's id (see :func:`plain_fields`).
_Plain = tuple[Any, str, GraphQLScalarType | GraphQLEnumType]


def plain_fields(schema: GraphQLSchema) -> dict[int, _Plain]:
    """The fields of ``schema``'s object types that are plain attribute reads of a scalar
    or enum: strawberry's default resolver (``getattr``), no extension, no arguments."""
    out: dict[int, _Plain] = {}
    for gql_type in schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        for field in gql_type.fields.values():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or not definition.is_basic_field or field.args:
                continue
            if not getattr(field.resolve, "_is_default", False) or definition.default_resolver is not getattr:
                continue
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                out[id(field)] = (field, definition.python_name, leaf)
    return out


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with plain scalar fields read directly (see the
    module's doc). ``plain`` is set on a subclass per schema (:func:`for_schema`)."""

    plain: dict[int, _Plain] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager  # strawberry gives one always, often with no middleware in it
        self._middleware = bool(manager and manager.middlewares)

    def execute_field(self, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any) -> Any:
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        found = self.plain.get(id(field_def))
        if found is not None and found[0] is field_def and not node.arguments and not self._middleware:
            try:
                value = getattr(source, found[1])
            except Exception:  # noqa: BLE001 - graphql-core's path reports it as it always does
                value = None
            if value is not None:
                try:
                    coerced = found[2].coerce_output_value(value)
                except Exception:  # noqa: BLE001 - likewise
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def for_schema(schema: GraphQLSchema) -> type[ExecutionContext]:
    """An :class:`ExecutionContext` class that knows ``schema``'s plain fields."""
    return type("PlainFieldsExecutionContext", (ExecutionContext,), {"plain": plain_fields(schema)})
