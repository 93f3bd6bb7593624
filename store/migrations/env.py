"""Alembic environment: migrates only the user-data tables (store.models.UserBase)."""

from alembic import context

from store.models import UserBase

config = context.config
target_metadata = UserBase.metadata


def _include(obj, name, type_, reflected, compare_to):
    # Catalog tables are rebuilt from data files, never migrated.
    return not (type_ == "table" and name.startswith("catalog_"))


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=target_metadata, include_object=_include)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
